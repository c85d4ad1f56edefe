package devices

import (
	"unicode"
	"unicode/utf8"
)

// django-otp turns a typed TOTP or HOTP code into a number with Python's
// int(token) and compares numbers, not strings. What int accepts decides
// which strings a Django site takes as the right code ("0755224",
// " 755224\n", "+755_224", Arabic-Indic digits), so on a Django site's
// database two-factor must accept exactly those and no others. pythonInt
// is CPython 3's int(str) in base 10, reduced to what the comparison
// needs.

// pythonMaxStrDigits is CPython's default limit on the digits int() will
// convert (sys.get_int_max_str_digits(), 3.11 and later): a longer string
// raises ValueError even when it is a row of zeros.
const pythonMaxStrDigits = 4300

// pythonInt returns the value of s as Python's int(s) would, and false when
// int(s) raises or gives a value no code can have (negative, or too large
// for uint64: codes have at most 10 digits).
func pythonInt(s string) (uint64, bool) {
	if !utf8.ValidString(s) {
		return 0, false // a Python str is always valid Unicode
	}
	i, end := 0, len(s)
	// Leading and trailing white space, in Python's sense of it.
	for i < end {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !pythonIsSpace(r) {
			break
		}
		i += n
	}
	for end > i {
		r, n := utf8.DecodeLastRuneInString(s[i:end])
		if !pythonIsSpace(r) {
			break
		}
		end -= n
	}
	negative := false
	if i < end && (s[i] == '+' || s[i] == '-') {
		negative = s[i] == '-'
		i++
	}
	var (
		v        uint64
		digits   int
		overflow bool
		lastWasU = true // an underscore may only stand between two digits
	)
	for i < end {
		r, n := utf8.DecodeRuneInString(s[i:end])
		i += n
		if r == '_' {
			if lastWasU {
				return 0, false
			}
			lastWasU = true
			continue
		}
		d, ok := pythonDecimal(r)
		if !ok {
			return 0, false
		}
		lastWasU = false
		digits++
		if v > (^uint64(0)-uint64(d))/10 {
			overflow = true
		} else {
			v = v*10 + uint64(d)
		}
	}
	if digits == 0 || lastWasU || digits > pythonMaxStrDigits {
		return 0, false
	}
	if overflow || (negative && v != 0) {
		return 0, false // a valid int, but no code equals it
	}
	return v, true
}

// pythonIsSpace is the white space int() strips: ASCII space, \t, \n,
// \v, \f and \r, and the Unicode White_Space characters beyond ASCII,
// which is what Go's unicode.IsSpace covers too (checked character by
// character against Python in the tests). Python's str.isspace would also
// take U+001C..U+001F; int() does not.
func pythonIsSpace(r rune) bool { return unicode.IsSpace(r) }

// pythonDecimal is the decimal value of a character int() takes as a
// digit: any character of Unicode category Nd, not only 0-9. Unicode
// guarantees those come in contiguous runs of ten, zero to nine, so the
// value is the distance from the start of the run modulo ten.
func pythonDecimal(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	start := r
	for start > 0 && unicode.Is(unicode.Nd, start-1) {
		start--
	}
	return int(r-start) % 10, true
}
