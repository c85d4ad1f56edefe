package db

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/termsafe"
)

// A phone number is the site's text, typed by its user: masking keeps
// only a leading '+', the country code's and the last two ASCII digits,
// rune by rune, so a hostile number can neither drive a terminal nor be
// cut in the middle of a character.
func TestMaskPhoneKeepsOnlyDigitsItMeansTo(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"+447700900461", "+44••••••••61"},
		{"+12025550123", "+1••••••••23"},
		{"+79161234567", "+7••••••••67"},
		{"0161 496 0000", "•••••••••••00"},
		{"123", "•••"},
		{"", ""},
		{"+44\x1b[2J0061", "+44••••••61"},
		{"+4\x1b77", "+4•77"},
		{"+44 é 12", "+44•••12"},
		{"+44\u202e00861", "+44••••61"},
	} {
		got := maskPhone(c.in)
		if got != c.want {
			t.Errorf("maskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsFunc(got, termsafe.Unsafe) {
			t.Errorf("maskPhone(%q) = %q keeps what a terminal would act on", c.in, got)
		}
	}
}
