package otpcore

import "testing"

func TestCompactURI(t *testing.T) {
	for in, want := range map[string]string{
		"otpauth://totp/Ex:alice?secret=GEZDGNBVGY3TQOJQ&issuer=Ex&algorithm=SHA1&digits=6&period=30": "otpauth://totp/Ex:alice?secret=GEZDGNBVGY3TQOJQ&issuer=Ex",
		"otpauth://totp/Ex:alice?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60":         "otpauth://totp/Ex:alice?secret=GEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60",
		"not a uri": "not a uri",
	} {
		if got := CompactURI(in); got != want {
			t.Errorf("CompactURI(%q) = %q, want %q", in, got, want)
		}
	}
}
