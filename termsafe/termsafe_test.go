package termsafe

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"Zoë 東京", "Zoë 東京"},
		{"evil\x1b]0;owned\x07", `evil\x1b]0;owned\x07`},
		{"clear\x1b[2J", `clear\x1b[2J`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"tab\tnew\nline\r", `tab\x09new\x0aline\x0d`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"del\x7f", `del\x7f`},
	} {
		got := Clean(tc.in)
		if got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
				t.Errorf("Clean(%q) still contains %U", tc.in, r)
			}
		}
	}
}

func FuzzClean(f *testing.F) {
	f.Add("alice\x1b[31m")
	f.Add("\u202e\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if strings.ContainsAny(got, "\x1b\x07\x00\r\n\u009b\u202e") {
			t.Fatalf("Clean(%q) = %q keeps a control character", s, got)
		}
	})
}
