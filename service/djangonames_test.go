package service

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangofixture"
)

// TestDjangoSpellingsOfANameAreNamesOfTheirOwn: a Django site finds a
// user by the username exactly as given, so " alice" is not alice there.
// An unknown name's run of failures was kept under its normalised
// spelling, which is alice's own: a wrong code for "alice" and then for
// " alice" and "alice " answered rejected, rejected, throttled, where an
// unknown name's three spellings, all one run, answered rejected,
// throttled, throttled, telling the name to exist. Each spelling the site
// does not know now keeps a run of its own.
func TestDjangoSpellingsOfANameAreNamesOfTheirOwn(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "alice"), "default", true, keyA)
	answers := func(name string) string {
		var out string
		for _, spelling := range []string{name, " " + name, name + " "} {
			out += s.answerToWrongCode(t, spelling) + "; "
		}
		return out
	}
	s.clock.t = s.clock.t.Add(time.Hour)
	known := answers("alice")
	s.clock.t = s.clock.t.Add(time.Hour)
	if unknown := answers("mallory"); known != unknown {
		t.Errorf("wrong codes for three spellings of a name at once: existing user %q, unknown name %q", known, unknown)
	}
}

// TestDjangoRemovingADeviceHandsItsRunOver: on a Django site a name has
// one run for every shape of code (AnyShape), so a device removed there
// must hand its run over to that one; handed over to its own shape's, as
// on our store, it was never read again and the name's next wrong code
// answered rejected where an unknown name's answered throttled. user
// disable (which removes every device) handed nothing over at all.
func TestDjangoRemovingADeviceHandsItsRunOver(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "alice"), "default", true, keyA)
	s.TOTP(t, s.User(t, "bob"), "default", true, keyA)
	answers := func(name string, remove func()) string {
		var out string
		for i := range 4 {
			if i == 3 && remove != nil {
				remove()
			}
			// 1 s, 2 s, 4 s: each back-off waited out but the last
			s.clock.t = s.clock.t.Add([]time.Duration{time.Hour, 2 * time.Second, 4 * time.Second, time.Second}[i])
			out += s.answerToWrongCode(t, name) + "; "
		}
		return out
	}
	known := answers("alice", func() {
		if _, err := s.svc.ChangeDevice(ctx, "alice", "default", ActionRemove, ""); err != nil {
			t.Fatal(err)
		}
	})
	if unknown := answers("mallory", nil); known != unknown {
		t.Errorf("wrong codes, the device removed before the last: existing user %q, unknown name %q", known, unknown)
	}
	disabled := answers("bob", func() {
		if _, err := s.svc.Disable(ctx, []string{"bob"}); err != nil {
			t.Fatal(err)
		}
	})
	if unknown := answers("trudy", nil); disabled != unknown {
		t.Errorf("wrong codes, the user disabled before the last: existing user %q, unknown name %q", disabled, unknown)
	}
}
