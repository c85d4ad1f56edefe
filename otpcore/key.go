package otpcore

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

var errEmptyKey = errors.New("key is empty")

// KeyError describes why a key string could not be decoded. It never
// contains the key or any character of it: a mistyped seed is still a seed.
type KeyError struct {
	Encoding string // "base32" or "hex"
	Pos      int    // 1-based position of the offending character, 0 if none
	Problem  string
}

func (e *KeyError) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("%s key: %s at position %d", e.Encoding, e.Problem, e.Pos)
	}
	return fmt.Sprintf("%s key: %s", e.Encoding, e.Problem)
}

// maxKeyText bounds the text we even look at, so a pasted file does not get
// decoded in full only to be rejected.
const maxKeyText = 4 * MaxKeyLen

// DecodeBase32 decodes an RFC 4648 base32 key as authenticator apps and seed
// files write it: case-insensitive, spaces and dashes ignored, padding
// optional.
func DecodeBase32(s string) ([]byte, error) {
	if len(s) > maxKeyText {
		return nil, &KeyError{Encoding: "base32", Problem: fmt.Sprintf("too long (%d characters; at most %d bytes of key are allowed)", len(s), MaxKeyLen)}
	}
	clean := make([]byte, 0, len(s))
	padding := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c == '=':
			padding++
			continue
		case padding > 0:
			return nil, &KeyError{Encoding: "base32", Pos: i + 1, Problem: "character after padding"}
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', c >= '2' && c <= '7':
		default:
			return nil, &KeyError{Encoding: "base32", Pos: i + 1, Problem: badCharacter(c)}
		}
		clean = append(clean, c)
	}
	if len(clean) == 0 {
		return nil, &KeyError{Encoding: "base32", Problem: "empty"}
	}
	switch len(clean) % 8 {
	case 1, 3, 6:
		return nil, &KeyError{Encoding: "base32", Problem: fmt.Sprintf("length %d is not a whole number of bytes", len(clean))}
	}
	out, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(clean))
	if err != nil {
		// Unreachable for the cleaned alphabet, but never echo the input.
		return nil, &KeyError{Encoding: "base32", Problem: "malformed"}
	}
	if len(out) > MaxKeyLen {
		return nil, &KeyError{Encoding: "base32", Problem: fmt.Sprintf("too long (%d bytes; at most %d)", len(out), MaxKeyLen)}
	}
	return out, nil
}

// DecodeHex decodes a hexadecimal key (either case; spaces, dashes and an
// optional 0x prefix are ignored), the form django-otp stores and seed files
// such as privacyIDEA's OATH CSV use.
func DecodeHex(s string) ([]byte, error) {
	if len(s) > 2*maxKeyText {
		return nil, &KeyError{Encoding: "hex", Problem: fmt.Sprintf("too long (%d characters; at most %d bytes of key are allowed)", len(s), MaxKeyLen)}
	}
	start := 0
	if t := strings.TrimLeft(s, " \t"); len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		start = len(s) - len(t) + 2
	}
	out := make([]byte, 0, len(s)/2)
	var hi byte
	half := false
	for i := start; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c == ' ' || c == '-' || c == '\t' || c == ':':
			continue
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return nil, &KeyError{Encoding: "hex", Pos: i + 1, Problem: badCharacter(c)}
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		return nil, &KeyError{Encoding: "hex", Problem: "odd number of digits"}
	}
	if len(out) == 0 {
		return nil, &KeyError{Encoding: "hex", Problem: "empty"}
	}
	if len(out) > MaxKeyLen {
		return nil, &KeyError{Encoding: "hex", Problem: fmt.Sprintf("too long (%d bytes; at most %d)", len(out), MaxKeyLen)}
	}
	return out, nil
}

// badCharacter describes an invalid character without revealing it when it
// is printable: it might be a mistyped character of the secret.
func badCharacter(c byte) string {
	if c < 0x20 || c == 0x7f {
		return "control character"
	}
	if c >= 0x80 {
		return "non-ASCII character"
	}
	return "invalid character"
}

// EncodeBase32 encodes a key the way authenticator apps expect it: upper
// case, no padding.
func EncodeBase32(key []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
}

// GroupBase32 formats an encoded key in groups of four for reading aloud or
// typing by hand.
func GroupBase32(encoded string) string {
	var b strings.Builder
	for i := 0; i < len(encoded); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(encoded[i:min(i+4, len(encoded))])
	}
	return b.String()
}
