package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/termsafe"
)

// Safe makes text from the store safe to draw: control characters and
// escape sequences become visible escapes. Every name, serial, model,
// actor and detail passes through it before it is rendered.
func Safe(s string) string { return termsafe.Clean(s) }

// OrDash is s, or a dash standing for a value that is not there (a token
// without a serial, a model not known).
func OrDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// Quoted is Safe(s) in double quotes, for names in messages. (Quoting
// after Safe with %q would escape its escapes a second time.)
func Quoted(s string) string { return `"` + Safe(s) + `"` }

// Cell fits s (already safe, possibly styled) to exactly width cells:
// cut with an ellipsis or padded with spaces.
func Cell(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", width-w)
}

// CellRight fits s to width cells, aligned right.
func CellRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return strings.Repeat(" ", width-w) + s
}

// Truncate cuts s to at most width cells.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// TruncateLeft keeps the end of s (a path, say) within width cells.
func TruncateLeft(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	if width <= 1 {
		return Truncate("…", width)
	}
	r := []rune(s)
	for len(r) > 0 && ansi.StringWidth(string(r))+1 > width {
		r = r[1:]
	}
	return "…" + string(r)
}

// Wrap breaks plain text into lines of at most width cells, at spaces
// where it can and anywhere when a word is longer than a line (a URI).
func Wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		w := ansi.Wrap(para, width, "")
		out = append(out, strings.Split(w, "\n")...)
	}
	return out
}

// Ago says when t was, relative to now: "never", "just now", "5m ago",
// "3h ago", "12d ago", or the date when older than 60 days.
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Format("2006-01-02")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return t.Format("2006-01-02")
}

// InZone is t in the console's time zone.
func (c *Common) InZone(t time.Time) time.Time {
	if c.Zone == nil {
		return t.Local()
	}
	return t.In(c.Zone)
}

// Ago is the package's Ago from the console's clock, dates in its zone.
func (c *Common) Ago(t time.Time) string { return Ago(c.Now(), c.InZone(t)) }

// Stamp is the package's Stamp in the console's zone.
func (c *Common) Stamp(t time.Time) string { return Stamp(c.InZone(t)) }

// Stamp is a full local time for detail panes.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format("2006-01-02 15:04")
}

// Plural renders "1 device", "3 devices".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Thousands renders n with thousands separators: 100,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var sparkBars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width values as bars scaled between their
// minimum and maximum; a flat series is a flat line of middle bars.
func Sparkline(values []int64, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := len(sparkBars) / 2
		if hi > lo {
			i = int((v - lo) * int64(len(sparkBars)-1) / (hi - lo))
		}
		b.WriteRune(sparkBars[i])
	}
	return b.String()
}

// FitBlock cuts or pads s to exactly height lines, each cut to width
// cells, so no screen can push the frame's footer off the terminal.
func FitBlock(s string, width, height int) string {
	if height <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
