// Package qrtext draws QR codes with Unicode half blocks, two modules per
// character cell vertically, so an enrollment code fits an 80×24 terminal
// over SSH with no graphics protocol.
package qrtext

import (
	"strings"

	"github.com/mdp/qrterminal/v3"
)

// quietZone is the light border scanners need around the code, in modules.
const quietZone = 2

// Paint is how the code's light and dark modules reach a terminal. A
// scanner needs dark modules on a light ground; a terminal's own text and
// background colours are light on dark on some terminals and dark on
// light on others, so only explicit colours make a code that scans on
// both. Without colour the drawing has to be chosen for the background.
type Paint int

const (
	// Colours sets white and black explicitly (SGR 97 and 40, which every
	// colour terminal has), so the code scans whatever the terminal's own
	// background. The default wherever colour is allowed.
	Colours Paint = iota
	// ForDark uses no colour: light modules are blocks in the terminal's
	// text colour, which is light on a dark background.
	ForDark
	// ForLight uses no colour: dark modules are blocks in the terminal's
	// text colour, which is dark on a light background.
	ForLight
)

// ForBackground is the colourless paint for a dark or light background
// (NO_COLOR forbids colour; reverse video would not help, as it only
// swaps the same two terminal colours).
func ForBackground(dark bool) Paint {
	if dark {
		return ForDark
	}
	return ForLight
}

// Render returns the QR code for text as lines of half blocks, drawn for a
// dark terminal background (light modules are full blocks), with its size
// in cells.
func Render(text string) (art string, width, height int) {
	var b strings.Builder
	qrterminal.GenerateWithConfig(text, qrterminal.Config{
		Level:          qrterminal.L,
		Writer:         &b,
		HalfBlocks:     true,
		BlackChar:      qrterminal.BLACK_BLACK,
		WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar:      qrterminal.WHITE_WHITE,
		BlackWhiteChar: qrterminal.BLACK_WHITE,
		QuietZone:      quietZone,
	})
	art = strings.TrimRight(b.String(), "\n")
	lines := strings.Split(art, "\n")
	for _, l := range lines {
		width = max(width, len([]rune(l)))
	}
	return art, width, len(lines)
}

// Lines returns the code for text painted with p, one string per
// terminal line, and its size in cells.
func Lines(text string, p Paint) (lines []string, width, height int) {
	art, width, height := Render(text)
	return p.Apply(strings.Split(art, "\n")), width, height
}

// Apply paints lines of Render's art.
func (p Paint) Apply(art []string) []string {
	out := make([]string, len(art))
	for i, l := range art {
		switch p {
		case Colours:
			out[i] = "\x1b[97;40m" + l + "\x1b[39;49m"
		case ForLight:
			out[i] = Invert(l)
		default:
			out[i] = l
		}
	}
	return out
}

// Invert swaps light and dark modules of half-block art.
func Invert(l string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '█':
			return ' '
		case ' ':
			return '█'
		case '▀':
			return '▄'
		case '▄':
			return '▀'
		}
		return r
	}, l)
}
