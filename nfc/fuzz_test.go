package nfc

import (
	"testing"
)

// FuzzParseResponses feeds arbitrary answers to every parser: none may
// panic, and whatever ParseInfo accepts must be a clean serial and a layout
// that round-trips.
func FuzzParseResponses(f *testing.F) {
	for _, s := range []string{
		"0000000E383635393633323030303030343200006553F1009000",
		"01020304050607089000", "9000", "6983", "", "00",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, resp []byte) {
		if len(resp) > 2*MaxResponseLen {
			return
		}
		if info, err := ParseInfo(resp); err == nil {
			if len(info.Serial) == 0 || len(resp) != 3+1+len(info.Serial)+2+4+2 {
				t.Fatalf("accepted %X as %+v", resp, info)
			}
			for _, c := range []byte(info.Serial) {
				if c < '0' || c > 'z' {
					t.Fatalf("serial with byte %02X", c)
				}
			}
		}
		if ch, err := ParseChallenge(resp); err == nil && len(ch) != ChallengeLen {
			t.Fatalf("challenge of %d bytes", len(ch))
		}
		_ = CheckEmpty(resp)
	})
}
