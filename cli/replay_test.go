package cli

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// A resync that moves a TOTP token's drift backwards must not lower the
// replay floor: the code a user has just logged in with stays used, even
// though it now lies inside the re-centred window. (LinOTP shipped this
// bug: replay after an automatic resync.)
func TestCodeAcceptedBeforeBackwardsResyncIsNotAcceptedAgain(t *testing.T) {
	h := newHarness(t)
	secret := h.enroll("alice")
	h.now = h.now.Add(time.Minute)
	step := func(off int64) string {
		v, err := otpcore.HOTP(otpcore.SHA1, secret, uint64(h.now.Unix()/30+off), 6)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	used := step(0)
	if _, _, code := h.exec("", "verify", "alice", used); code != ExitOK {
		t.Fatalf("first use of a good code: exit %d", code)
	}
	// The admin resyncs from two codes read off a token one step slow:
	// drift 0 -> -1, so the window is now centred one step back and still
	// reaches the step just used.
	if out, errs, code := h.exec("", "resync", "alice", step(-2), step(-1)); code != ExitOK {
		t.Fatalf("backwards resync: exit %d\n%s%s", code, out, errs)
	}
	if out, _, code := h.exec("", "verify", "alice", used); code != ExitRejected {
		t.Fatalf("the code accepted before the resync was accepted again (exit %d): %s", code, out)
	}
	// The codes the resync consumed cannot be replayed either.
	for _, c := range []string{step(-2), step(-1)} {
		if _, _, code := h.exec("", "verify", "alice", c); code != ExitRejected {
			t.Fatalf("a code used by the resync was accepted (exit %d)", code)
		}
	}
	// Once the token's clock passes the floor its codes work again.
	h.now = h.now.Add(time.Minute)
	if _, _, code := h.exec("", "verify", "alice", step(-1)); code != ExitOK {
		t.Fatalf("a fresh code after the resync: exit %d", code)
	}
}
