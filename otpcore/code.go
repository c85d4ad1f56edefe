package otpcore

import "fmt"

// Code is a one-time code normalised to ASCII digits. It is a value type
// with a fixed buffer so that checking a code allocates nothing.
type Code struct {
	b [MaxDigits]byte
	n uint8
}

// CodeError explains why a typed code was refused. It names the problem,
// never the code.
type CodeError struct{ Problem string }

func (e *CodeError) Error() string { return "code " + e.Problem }

// ParseCode normalises a code as a person types it: spaces (including the
// "123 456" grouping apps display) are removed; anything else that is not a
// digit is refused, as is a length other than digits.
func ParseCode(s string, digits int) (Code, error) {
	var c Code
	if err := ValidateDigits(digits); err != nil {
		return c, err
	}
	n := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t':
			continue
		case ch >= '0' && ch <= '9':
			if n == digits {
				return c, &CodeError{Problem: fmt.Sprintf("has more than %d digits", digits)}
			}
			c.b[n] = ch
			n++
		default:
			return c, &CodeError{Problem: fmt.Sprintf("contains a character that is not a digit at position %d", i+1)}
		}
	}
	if n == 0 {
		return c, &CodeError{Problem: "is empty"}
	}
	if n != digits {
		return c, &CodeError{Problem: fmt.Sprintf("has %d digits, expected %d", n, digits)}
	}
	c.n = uint8(n)
	return c, nil
}

// Len is the number of digits.
func (c Code) Len() int { return int(c.n) }

// value is the code as an integer, for searches that compare many
// candidates against it.
func (c Code) value() uint32 {
	var v uint32
	for _, d := range c.b[:c.n] {
		v = v*10 + uint32(d-'0')
	}
	return v
}
