// Package termsafe makes text from the store safe to print on an
// administrator's terminal. User names, device names and serials come from
// people and seed files; an escape sequence hidden in one could retitle the
// window, rewrite what is on screen or, on some terminals, inject input.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Clean returns s with every control character, format character (such as
// the bidirectional overrides) and invalid UTF-8 byte replaced by a visible
// escape like \x1b or \u202e. Printable text, including non-ASCII letters,
// is kept as it is.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Message is Clean for the program's own multi-line messages, such as a
// usage error with its "Did you mean this?" list: newlines and tabs are
// kept so the message reads as written, and every other unsafe rune (ESC,
// CR, the C1 set, bidirectional overrides, ...) is escaped as by Clean.
// Text that may come from the store or a file must not rely on it: a
// newline there could forge a line of output, so such text goes through
// Clean where it is embedded.
func Message(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		cells := strings.Split(line, "\t")
		for j, c := range cells {
			cells[j] = Clean(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

// Unsafe reports whether r must not reach a terminal as it is: control
// characters (C0, DEL and the 8-bit C1 set such as U+009B, a CSI), format
// characters such as the bidirectional overrides, line and paragraph
// separators, and the replacement for invalid UTF-8.
func Unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError ||
		r == '\u2028' || r == '\u2029'
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// JSON makes JSON text from encoding/json safe for a terminal by the same
// rule as Clean: every Unsafe rune becomes a \uXXXX escape (a surrogate
// pair beyond U+FFFF). encoding/json already escapes C0 controls but not
// DEL, the C1 controls or the bidirectional overrides. Such runes can only
// occur inside JSON strings, where the escape is valid and decodes to the
// same text; the newlines of indentation are kept.
func JSON(b []byte) []byte {
	if isCleanText(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == '\n' || !Unsafe(r):
			out = append(out, b[i:i+size]...)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default: // including a stray invalid byte, which becomes U+FFFD
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

// isCleanText reports whether b is printable ASCII and newlines only.
func isCleanText(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}
