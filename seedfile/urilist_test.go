package seedfile

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

func TestURIList(t *testing.T) {
	in := "# exported from an app\r\n" +
		"otpauth://totp/ACME%20Co:john@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60\r\n" +
		"\r\n" +
		"   otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7   \n"
	want := []Token{
		{Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256, Digits: 8, Secret: seed20, Period: 60, User: "john@example.com", Issuer: "ACME Co"},
		{Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Counter: 7, User: "alice"},
	}
	for _, f := range []Format{FormatAuto, FormatURIList} {
		got := mustParse(t, in, Options{Format: f})
		sameTokens(t, got, want)
		if got[0].Origin != "line 2" || got[1].Origin != "line 4" {
			t.Errorf("origins %q, %q", got[0].Origin, got[1].Origin)
		}
	}
	// Without serials there is nothing to call a duplicate.
	if got := mustParse(t, strings.Repeat("otpauth://totp/a?secret=GEZDGNBV\n", 2), Options{}); len(got) != 2 {
		t.Errorf("got %d tokens", len(got))
	}
}

func TestURIListErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"otpauth://totp/a?secret=GEZDGNBV\notpauth://totp/b?secret=GEZ1GNBV\n", []string{"line 2", "secret", "position 4"}},
		{"otpauth://totp/a?secret=GEZDGNBV&digits=9\n", []string{"line 1", "digits"}},
		{"otpauth://totp/a?secret=GEZDGNBV&algorithm=MD5\n", []string{"line 1", "algorithm"}},
		{"otpauth://totp/a?secret=GEZDGNBV\nhttps://example.com\n", []string{"line 2", "otpauth://"}},
		{"otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGA\n", []string{"line 1", "Google Authenticator export"}},
	}
	for _, tc := range tests {
		contains(t, parseErr(t, tc.in, Options{}), tc.want...)
	}
	err := parseErr(t, "otpauth://totp/a?secret=GEZDGNBV\notpauth://totp/b?secret=GEZDGNBV\n", Options{MaxTokens: 1})
	contains(t, err, "line 2", "more than 1 tokens")
}
