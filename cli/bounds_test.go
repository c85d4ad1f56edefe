package cli

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// A HOTP token enrolled at counter 2^64-1 wrapped to 0 after one use, so
// every code it had ever shown was accepted again. Such a counter is now
// refused before anything is stored.
func TestEnrollTokenRefusesCounterBeyondStoreRange(t *testing.T) {
	h := newHarness(t)
	h.run("user", "add", "alice")
	const top = "18446744073709551615"
	c, _ := otpcore.HOTP(otpcore.SHA1, seedA, 1<<64-1, 6)
	in := otpcore.EncodeBase32(seedA) + "\n" + c + "\n"
	out, errs, code := h.exec(in, "enroll", "alice", "--token", "--hotp", "--serial", "H-1", "--counter", top)
	if code != ExitError || !strings.Contains(errs, "counter "+top) || !strings.Contains(errs, "9223372036854775807") {
		t.Fatalf("counter 2^64-1: exit %d\n%s%s", code, out, errs)
	}
	if got := h.run("status", "alice"); got != "alice: disabled\n" {
		t.Fatalf("the refused token was stored: %q", got)
	}
}

func TestImportRefusesOutOfRangeDrift(t *testing.T) {
	h := newHarness(t)
	head := "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n"
	f := h.file("tokens.csv", head+"T-1,"+otpcore.EncodeBase32(seedA)+",totp,SHA1,6,30,0,,-9223372036854775808,,,,\n")
	_, errs, code := h.exec("", "import", f)
	if code != ExitError || !strings.Contains(errs, "drift -9223372036854775808") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("drift -2^63: exit %d %q", code, errs)
	}
	if n := len(h.tokens("--all")); n != 0 {
		t.Fatalf("%d token(s) imported", n)
	}
}
