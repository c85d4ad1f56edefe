package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestAuditPruneKeepsOnlyRunsThatStillRefuse is prune's bound against a
// spray of names: a thousand names with a wrong code each leave nothing
// once their back-off is over and they are older than the cut, while a
// locked-out name and a name still in its back-off keep one entry per
// shape of code, which a second prune rewrites rather than adds to; the
// log still verifies, and the kept runs still refuse.
func TestAuditPruneKeepsOnlyRunsThatStillRefuse(t *testing.T) {
	e := servicetest.NewEnv(t)
	ctx := context.Background()
	for k, v := range map[string]string{"throttle-factor": "1", "lockout-threshold": "3"} {
		if err := e.Svc.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(name, code string) devices.Outcome {
		t.Helper()
		r, err := e.Svc.Verify(ctx, name, "", code)
		if err != nil {
			t.Fatal(err)
		}
		return r.Outcome
	}
	for i := range 1000 {
		verify(fmt.Sprint("spray", i), "123456")
	}
	for range 3 { // locked out after three failures, each after its back-off
		e.Clock.Advance(time.Hour)
		verify("locked", "123456")
	}
	e.Clock.Advance(time.Hour)
	if err := e.Svc.SetSetting(ctx, "lockout-threshold", "0"); err != nil {
		t.Fatal(err)
	}
	for range 12 { // 12 failures: a back-off of 2^11 s, over half an hour
		verify("patient", "12345678")
		e.Clock.Advance(time.Duration(1<<11) * time.Second)
	}
	e.Clock.Advance(-time.Duration(1<<11)*time.Second + time.Second)
	count := func() int {
		t.Helper()
		es, err := e.Store.Audit(ctx, db.AuditFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	for round := range 3 {
		e.Clock.Advance(time.Second) // each prune removes everything before it
		if _, err := e.Svc.PruneAudit(ctx, e.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		// The prune's own entry, the locked-out run and the patient one.
		if n := count(); n != 3 {
			t.Errorf("prune %d left %d audit entries, want 3 (its own and two runs kept)", round+1, n)
		}
	}
	if v, err := e.Svc.VerifyAudit(ctx); err != nil || !v.Intact {
		t.Fatalf("after the prunes the log does not verify: %+v %v", v, err)
	}
	if o := verify("locked", "654321"); o != devices.LockedOut {
		t.Errorf("the locked-out name after prunes: %s", o)
	}
	if o := verify("patient", "87654321"); o != devices.Throttled {
		t.Errorf("the name in its back-off after prunes: %s", o)
	}
	if o := verify("patient", "876543"); o != devices.Rejected {
		t.Errorf("a 6-digit code for the name whose 8-digit run is throttled: %s (runs are per shape)", o)
	}
	if o := verify("spray7", "123456"); o != devices.Rejected {
		t.Errorf("a sprayed name after its run was forgotten: %s", o)
	}
}

// TestUnlockingADisabledDeviceSticks: a disabled device's run of failures
// lives on as the name's (so that disabling it does not restart its
// back-off); unlocking the device clears that too, so enabling it again
// does not bring the lockout back.
func TestUnlockingADisabledDeviceSticks(t *testing.T) {
	e := servicetest.NewEnv(t)
	ctx := context.Background()
	e.AddUser(t, "alice")
	app := e.Enroll(t, "alice", service.EnrollOptions{})
	if err := e.Svc.SetSetting(ctx, "lockout-threshold", "2"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e.Clock.Advance(time.Hour)
		if _, err := e.Svc.Verify(ctx, "alice", "", servicetest.Code(t, app, e.Clock.Now().Add(time.Hour), 0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, action := range []service.DeviceAction{service.ActionDisable, service.ActionUnlock, service.ActionEnable} {
		if _, err := e.Svc.ChangeDevice(ctx, "alice", app.Name, action, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Advance(time.Hour)
	r, err := e.Svc.Verify(ctx, "alice", "", servicetest.Code(t, app, e.Clock.Now(), 0))
	if err != nil || !r.Accepted() {
		t.Fatalf("the right code after disable, unlock, enable: %+v %v, want accepted", r, err)
	}
}
