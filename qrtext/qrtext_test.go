package qrtext_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/qrtext"
	"github.com/two-factor/two-factor/qrtext/qrtest"
)

const uri = "otpauth://totp/Example:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example"

// TestPaintsScan shows each paint on a dark and a light terminal and
// decodes what a camera would see: explicit colours scan on both; each
// colourless paint scans on its own background only (and the other one
// failing shows the decoder is not fooled by an inverted code).
func TestPaintsScan(t *testing.T) {
	zbar := qrtest.Zbarimg(t)
	for _, c := range []struct {
		name  string
		paint qrtext.Paint
		scans map[string]bool
	}{
		{"colours", qrtext.Colours, map[string]bool{"dark": true, "light": true}},
		{"for-dark", qrtext.ForDark, map[string]bool{"dark": true, "light": false}},
		{"for-light", qrtext.ForLight, map[string]bool{"dark": false, "light": true}},
	} {
		lines, _, _ := qrtext.Lines(uri, c.paint)
		for _, term := range qrtest.Both {
			got, err := qrtest.Decode(t, zbar, t.TempDir(), lines, term)
			switch {
			case c.scans[term.Name] && err != nil:
				t.Errorf("%s on a %s terminal: %v", c.name, term.Name, err)
			case c.scans[term.Name] && got != uri:
				t.Errorf("%s on a %s terminal reads %q", c.name, term.Name, got)
			case !c.scans[term.Name] && err == nil:
				t.Errorf("%s on a %s terminal scanned (%q): the test cannot tell backgrounds apart", c.name, term.Name, got)
			}
		}
	}
}

// TestLinesPicksTheCode: the code is found among other output, escapes
// and all.
func TestLinesPicksTheCode(t *testing.T) {
	lines, _, h := qrtext.Lines(uri, qrtext.Colours)
	text := "Scan this:\n" + strings.Join(lines, "\n") + "\nSecret: ABCD\n"
	if got := qrtest.Lines(text); len(got) != h {
		t.Fatalf("found %d lines, want %d", len(got), h)
	}
}
