package termsafe

import (
	"encoding/json"
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

// TestMessageKeepsLinesAndTabsOnly: the program's own multi-line messages
// keep their layout; every other control is escaped as by Clean.
func TestMessageKeepsLinesAndTabsOnly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"unknown command \"statsu\"\n\nDid you mean this?\n\tstatus\n", "unknown command \"statsu\"\n\nDid you mean this?\n\tstatus\n"},
		{"a\x1b]0;t\x07\r\u009b\u0085\u202e\tb", `a\x1b]0;t\x07\x0d\u009b\u0085\u202e` + "\tb"},
	} {
		if got := Message(tc.in); got != tc.want {
			t.Errorf("Message(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzMessage(f *testing.F) {
	f.Add("a\n\tb\x1b[31m\u009b\r")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Message(s) {
			if r != '\n' && r != '\t' && Unsafe(r) {
				t.Fatalf("Message(%q) keeps %U", s, r)
			}
		}
	})
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

// TestJSONEscapesWhatEncodingJSONLetsThrough: C1 controls (U+009B is an
// 8-bit CSI), DEL, bidirectional overrides and tag characters pass through
// encoding/json; after JSON they are escapes, and the text decodes to the
// same value.
func TestJSONEscapesWhatEncodingJSONLetsThrough(t *testing.T) {
	for _, s := range []string{"csi\u009b31m", "del\x7f", "bidi\u202egnp", "tag\U000e0041", "nel\u0085", "ok Zoë", "sep\u2028", "ufffd\ufffd"} {
		raw, err := json.MarshalIndent(map[string]string{"v": s}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		safe := JSON(raw)
		for _, r := range string(safe) {
			if r != '\n' && Unsafe(r) {
				t.Errorf("JSON(%q) keeps %U: %s", s, r, safe)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(safe, &back); err != nil || back["v"] != s {
			t.Errorf("JSON(%q) = %s decodes to %q, %v", s, safe, back["v"], err)
		}
	}
}

func FuzzJSON(f *testing.F) {
	f.Add("alice\u009b\x1b[31m\u202e")
	f.Fuzz(func(t *testing.T, s string) {
		raw, _ := json.Marshal([]string{s})
		safe := JSON(raw)
		for _, r := range string(safe) {
			if Unsafe(r) {
				t.Fatalf("JSON keeps %U of %q", r, s)
			}
		}
		var a, b []string
		json.Unmarshal(raw, &a)
		if err := json.Unmarshal(safe, &b); err != nil || a[0] != b[0] {
			t.Fatalf("JSON changed %q to %q (%v)", a[0], b, err)
		}
	})
}
