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
	known, unknown := servicetest.NewEnv(t), servicetest.NewEnv(t)
	known.AddUser(t, "alice")
	known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	known.Enroll(t, "alice", service.EnrollOptions{Name: "laptop"})
	if _, err := known.Svc.ChangeDevice(ctx, "alice", "laptop", service.ActionDisable, ""); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*servicetest.Env{known, unknown} {
		if err := e.Svc.SetSetting(ctx, "throttle-factor", "1"); err != nil {
			t.Fatal(err)
		}
	}
	both := func(code string) (string, string) {
		t.Helper()
		k, err := known.Svc.Verify(ctx, "alice", "", code)
		if err != nil {
			t.Fatal(err)
		}
		u, err := unknown.Svc.Verify(ctx, "nobody", "", code)
		if err != nil {
			t.Fatal(err)
		}
		return visible(k), visible(u)
	}
	for range 3 { // each after the back-off of the one before: 1 s, 2 s, 4 s
		known.Clock.Advance(10 * time.Second)
		unknown.Clock.Advance(10 * time.Second)
		if k, u := both("000000"); k != u {
			t.Fatalf("before enabling the laptop: alice %s, unknown name %s", k, u)
		}
	}
	if _, err := known.Svc.ChangeDevice(ctx, "alice", "laptop", service.ActionEnable, ""); err != nil {
		t.Fatal(err)
	}
	known.Clock.Advance(time.Second)
	unknown.Clock.Advance(time.Second)
	if k, u := both("000000"); k != u {
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
	known, unknown := servicetest.NewEnv(t), servicetest.NewEnv(t)
	known.AddUser(t, "alice")
	known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	known.Enroll(t, "alice", service.EnrollOptions{Name: "laptop"})
	for _, e := range []*servicetest.Env{known, unknown} {
		if err := e.Svc.SetSetting(ctx, "lockout-threshold", "2"); err != nil {
			t.Fatal(err)
		}
	}
	answers := func() (string, string) {
		t.Helper()
		known.Clock.Advance(time.Hour)
		unknown.Clock.Advance(time.Hour)
		k, err := known.Svc.Verify(ctx, "alice", "", "000000")
		if err != nil {
			t.Fatal(err)
		}
		u, err := unknown.Svc.Verify(ctx, "nobody", "", "000000")
		if err != nil {
			t.Fatal(err)
		}
		return visible(k), visible(u)
	}
	answers()
	answers()
	if err := known.Svc.RemoveUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if k, u := answers(); k != u {
		t.Fatalf("after two wrong codes and user remove: alice %s, unknown name %s", k, u)
	}
	if v, err := known.Svc.VerifyAudit(ctx); err != nil || !v.Intact {
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
	known, unknown := servicetest.NewEnv(t), servicetest.NewEnv(t)
	known.AddUser(t, "alice")
	known.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	for _, e := range []*servicetest.Env{known, unknown} {
		for k, v := range map[string]string{"throttle-factor": "0", "lockout-threshold": "3"} {
			if err := e.Svc.SetSetting(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	wrong := func(step int) {
		t.Helper()
		k, err := known.Svc.Verify(ctx, "alice", "", "000000")
		if err != nil {
			t.Fatal(err)
		}
		u, err := unknown.Svc.Verify(ctx, "nobody", "", "000000")
		if err != nil {
			t.Fatal(err)
		}
		if visible(k) != visible(u) {
			t.Fatalf("wrong code %d: alice %s, unknown name %s", step, visible(k), visible(u))
		}
	}
	change := func(action service.DeviceAction) {
		t.Helper()
		if _, err := known.Svc.ChangeDevice(ctx, "alice", "phone", action, ""); err != nil {
			t.Fatal(err)
		}
	}
	wrong(1)
	change(service.ActionDisable) // no time passes: the same millisecond
	wrong(2)
	known.Clock.Advance(time.Second)
	unknown.Clock.Advance(time.Second)
	change(service.ActionEnable)
	wrong(3)
	wrong(4)
}
