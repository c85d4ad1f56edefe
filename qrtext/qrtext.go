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
