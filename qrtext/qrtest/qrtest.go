// Package qrtest reads a QR code back off a terminal, for tests: it
// interprets the half blocks and SGR colours of text the product wrote
// (a captured tmux pane, the CLI's output) as a terminal with a dark or a
// light background would show them, renders that to a PNG and decodes it
// with zbarimg. So a test can prove that what reaches the terminal scans,
// on either background.
package qrtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Terminal is the default text and background grey of a terminal.
type Terminal struct {
	Name   string
	FG, BG uint8
}

var (
	Dark  = Terminal{Name: "dark", FG: 0xd0, BG: 0x1e}
	Light = Terminal{Name: "light", FG: 0x20, BG: 0xf8}
	// Both are the backgrounds a code must scan on.
	Both = []Terminal{Dark, Light}
)

// Zbarimg finds zbarimg, skipping the test when it is missing, except
// under CI (CI=true), where a missing tool is a failure.
func Zbarimg(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("zbarimg")
	if err == nil {
		return p
	}
	msg := "zbarimg is not installed (apt-get install zbar-tools); this test decodes the QR code drawn on the terminal with it"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Decode shows lines on term, writes the picture to dir and returns what
// zbarimg reads from it (an error when it finds no code).
func Decode(tb testing.TB, zbarimg, dir string, lines []string, term Terminal) (string, error) {
	tb.Helper()
	img := Render(lines, term)
	path := filepath.Join(dir, "qr-"+term.Name+".png")
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(zbarimg, "--raw", "-q", path)
	cmd.Stderr = &stderr // zbarimg may chatter about D-Bus there
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("zbarimg found no code on a %s background (%s): %v %s", term.Name, path, err, stderr.Bytes())
	}
	return strings.TrimRight(string(out), "\n"), nil
}

// Lines picks the QR code out of terminal text: the longest run of
// consecutive lines that, escape sequences aside, hold only half blocks
// and spaces (and at least one block). A terminal keeps colours from one
// line to the next (and tmux's capture-pane -e writes only changes), so
// each line returned starts with the colours in force where it began.
func Lines(text string) []string {
	var best, run []string
	st := state{fg: -1, bg: -1}
	for _, l := range strings.Split(text, "\n") {
		start := st
		var cells []cell
		cells, st = parse(l, Dark, st)
		if isQRLine(cells) {
			run = append(run, start.sgr()+l)
			if len(run) > len(best) {
				best = run
			}
			continue
		}
		run = nil
	}
	return best
}

func isQRLine(cells []cell) bool {
	blocks := 0
	for _, c := range cells {
		switch c.r {
		case '█', '▀', '▄':
			blocks++
		case ' ':
		default:
			return false
		}
	}
	return blocks > 0
}

// state is the SGR state that matters here: greys (-1: the terminal's
// default) and reverse video.
type state struct {
	fg, bg  int
	reverse bool
}

// sgr is a sequence that sets s from any state.
func (s state) sgr() string {
	seq := "\x1b[0"
	if s.fg >= 0 {
		seq += fmt.Sprintf(";38;2;%d;%d;%d", s.fg, s.fg, s.fg)
	}
	if s.bg >= 0 {
		seq += fmt.Sprintf(";48;2;%d;%d;%d", s.bg, s.bg, s.bg)
	}
	if s.reverse {
		seq += ";7"
	}
	return seq + "m"
}

// cell is one character cell as the terminal shows it.
type cell struct {
	r      rune
	fg, bg uint8
}

// Render draws lines as term would show them, each module 6×6 pixels,
// on a margin of the terminal's background.
func Render(lines []string, term Terminal) *image.Gray {
	const scale, margin = 6, 8
	rows := make([][]cell, len(lines))
	w := 0
	st := state{fg: -1, bg: -1}
	for i, l := range lines {
		rows[i], st = parse(l, term, st)
		w = max(w, len(rows[i]))
	}
	h := 2 * len(rows)
	img := image.NewGray(image.Rect(0, 0, (w+2*margin)*scale, (h+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = term.BG
	}
	set := func(x, y int, g uint8) {
		for dy := range scale {
			for dx := range scale {
				img.SetGray((x+margin)*scale+dx, (y+margin)*scale+dy, color.Gray{Y: g})
			}
		}
	}
	for y, row := range rows {
		for x, c := range row {
			top, bottom := c.bg, c.bg
			if c.r == '█' || c.r == '▀' {
				top = c.fg
			}
			if c.r == '█' || c.r == '▄' {
				bottom = c.fg
			}
			set(x, 2*y, top)
			set(x, 2*y+1, bottom)
		}
	}
	return img
}

// parse interprets SGR sequences (colours, reverse video, resets) in a
// line, starting from st, and returns its cells and the state after it.
func parse(l string, term Terminal, st state) ([]cell, state) {
	var out []cell
	rs := []rune(l)
	for i := 0; i < len(rs); i++ {
		if rs[i] == 0x1b && i+1 < len(rs) && rs[i+1] == '[' {
			j := i + 2
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';' || rs[j] == ':') {
				j++
			}
			if j < len(rs) && rs[j] == 'm' {
				st.fg, st.bg, st.reverse = sgr(string(rs[i+2:j]), st.fg, st.bg, st.reverse)
			}
			i = j
			continue
		}
		f, b := term.FG, term.BG
		if st.fg >= 0 {
			f = uint8(st.fg)
		}
		if st.bg >= 0 {
			b = uint8(st.bg)
		}
		if st.reverse {
			f, b = b, f
		}
		out = append(out, cell{r: rs[i], fg: f, bg: b})
	}
	return out, st
}

// sgr applies one SGR sequence's parameters; colours become greys.
func sgr(params string, fg, bg int, reverse bool) (int, int, bool) {
	var p []int
	for _, s := range strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' }) {
		n, _ := strconv.Atoi(s)
		p = append(p, n)
	}
	if len(p) == 0 {
		return -1, -1, false
	}
	for i := 0; i < len(p); i++ {
		n := p[i]
		switch {
		case n == 0:
			fg, bg, reverse = -1, -1, false
		case n == 7:
			reverse = true
		case n == 27:
			reverse = false
		case n >= 30 && n <= 37:
			fg = ansiGrey(n - 30)
		case n >= 90 && n <= 97:
			fg = ansiGrey(n - 90 + 8)
		case n == 39:
			fg = -1
		case n >= 40 && n <= 47:
			bg = ansiGrey(n - 40)
		case n >= 100 && n <= 107:
			bg = ansiGrey(n - 100 + 8)
		case n == 49:
			bg = -1
		case (n == 38 || n == 48) && i+2 < len(p) && p[i+1] == 5:
			g := xtermGrey(p[i+2])
			if n == 38 {
				fg = g
			} else {
				bg = g
			}
			i += 2
		case (n == 38 || n == 48) && i+4 < len(p) && p[i+1] == 2:
			g := grey(p[i+2], p[i+3], p[i+4])
			if n == 38 {
				fg = g
			} else {
				bg = g
			}
			i += 4
		}
	}
	return fg, bg, reverse
}

// The xterm default palette of the 16 basic colours.
var basic = [16][3]int{
	{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
	{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
}

func ansiGrey(n int) int { c := basic[n]; return grey(c[0], c[1], c[2]) }

func xtermGrey(n int) int {
	switch {
	case n < 16:
		return ansiGrey(n)
	case n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return grey(level(n/36), level(n/6%6), level(n%6))
	}
	v := 8 + 10*(n-232)
	return grey(v, v, v)
}

func grey(r, g, b int) int { return (299*r + 587*g + 114*b) / 1000 }
