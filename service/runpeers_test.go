package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestEnablingAnAppJoinsItsPeersRun: codes of one shape are tried on all
// of a user's enabled devices of that shape and counted on all of them, so
// the name answers from one run, as an unknown name does. An app enabled
// again while another of its shape was being attacked must come back with
// that run: with its own (older, or none) it is tried while the other
// refuses, and a wrong code answers "rejected" where an unknown name,
// sent the same codes, answers "throttled".
func TestEnablingAnAppJoinsItsPeersRun(t *testing.T) {
	ctx := context.Background()
	p := newNamePair(t, map[string]string{"throttle-factor": "1"})
	known := p.known
	known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	known.Enroll(t, "alice", service.EnrollOptions{Name: "laptop"})
	if _, err := known.Svc.ChangeDevice(ctx, "alice", "laptop", service.ActionDisable, ""); err != nil {
		t.Fatal(err)
	}
	for range 3 { // each after the back-off of the one before: 1 s, 2 s, 4 s
		p.advance(10 * time.Second)
		if k, u := p.both(t, "000000"); k != u {
			t.Fatalf("before enabling the laptop: alice %s, unknown name %s", k, u)
		}
	}
	if _, err := known.Svc.ChangeDevice(ctx, "alice", "laptop", service.ActionEnable, ""); err != nil {
		t.Fatal(err)
	}
	p.advance(time.Second)
	if k, u := p.both(t, "000000"); k != u {
		t.Fatalf("a wrong code 1 s into a 4 s back-off, the laptop enabled again: alice %s, unknown name %s", k, u)
	}
}

// TestRemovingAUserKeepsTheNamesRun: a user removed while locked out
// still answers "locked-out", as an unknown name sent the same codes does
// and as device remove already did for one device; the name's run went
// back to nothing before, telling an attacker the name had existed. The
// audit log still verifies with the entries that hand the runs over.
func TestRemovingAUserKeepsTheNamesRun(t *testing.T) {
	ctx := context.Background()
	p := newNamePair(t, map[string]string{"lockout-threshold": "2"})
	p.known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	p.known.Enroll(t, "alice", service.EnrollOptions{Name: "laptop"})
	answers := func() (string, string) {
		t.Helper()
		p.advance(time.Hour)
		return p.both(t, "000000")
	}
	answers()
	answers()
	if err := p.known.Svc.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if k, u := answers(); k != u {
		t.Fatalf("after two wrong codes and user remove: alice %s, unknown name %s", k, u)
	}
	if v, err := p.known.Svc.VerifyAudit(ctx); err != nil || !v.Intact {
		t.Fatalf("audit verify after user remove: %+v %v", v, err)
	}
}

// TestEnablingInTheSameMillisecond: a store keeps times in milliseconds,
// so a device's last failure and the name's run it was handed over to can
// carry the same time; the run with more failures is then the later one.
// Enabling the device took back its own older run on a tie, forgetting a
// failure an unknown name's run kept: its lockout came one code late.
func TestEnablingInTheSameMillisecond(t *testing.T) {
	ctx := context.Background()
	p := newNamePair(t, map[string]string{"throttle-factor": "0", "lockout-threshold": "3"})
	p.known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	wrong := func(step int) {
		t.Helper()
		if k, u := p.both(t, "000000"); k != u {
			t.Fatalf("wrong code %d: alice %s, unknown name %s", step, k, u)
		}
	}
	change := func(action service.DeviceAction) {
		t.Helper()
		if _, err := p.known.Svc.ChangeDevice(ctx, "alice", "phone", action, ""); err != nil {
			t.Fatal(err)
		}
	}
	wrong(1)
	change(service.ActionDisable) // no time passes: the same millisecond
	wrong(2)
	p.advance(time.Second)
	change(service.ActionEnable)
	wrong(3)
	wrong(4)
}

// namePair is a store with the user alice and another with no users, set
// alike, to send the same codes to alice and to an unknown name.
type namePair struct {
	known, unknown *servicetest.Env
}

func newNamePair(t *testing.T, settings map[string]string) namePair {
	t.Helper()
	p := namePair{servicetest.NewEnv(t), servicetest.NewEnv(t)}
	p.known.AddUser(t, "alice")
	for _, e := range []*servicetest.Env{p.known, p.unknown} {
		for k, v := range settings {
			if err := e.Svc.SetSetting(context.Background(), k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// advance moves both clocks.
func (p namePair) advance(d time.Duration) {
	p.known.Clock.Advance(d)
	p.unknown.Clock.Advance(d)
}

// both sends code to alice and to the unknown name, and returns what
// each caller sees.
func (p namePair) both(t *testing.T, code string) (string, string) {
	t.Helper()
	ctx := context.Background()
	k, err := p.known.Svc.Verify(ctx, "alice", "", code)
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.unknown.Svc.Verify(ctx, "nobody", "", code)
	if err != nil {
		t.Fatal(err)
	}
	return visible(k), visible(u)
}
