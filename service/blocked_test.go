package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestBlockedAgreesWithVerifyAndTheUserList: the store's one-query count
// and list of blocked devices follow what Verify decided (the throttle's
// end to the millisecond, a lockout), only for the users named, and the
// console's user list (AllUsers through UserStatusOf) shows the same.
func TestBlockedAgreesWithVerifyAndTheUserList(t *testing.T) {
	e := servicetest.NewEnv(t)
	ctx := context.Background()
	e.AddUser(t, "alice")
	e.AddUser(t, "bob")
	alice := e.Enroll(t, "alice", service.EnrollOptions{})
	bob := e.Enroll(t, "bob", service.EnrollOptions{})
	for k, v := range map[string]string{"throttle-factor": "5", "lockout-threshold": "1"} {
		if err := e.Svc.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	wrong := func(d *devices.Device) string { return servicetest.Code(t, d, e.Clock.Now().Add(time.Hour), 0) }
	failedAt := e.Clock.Now()
	if r, _ := e.Svc.Verify(ctx, "bob", "", wrong(bob)); r.Outcome != devices.Rejected {
		t.Fatalf("bob's wrong code: %+v", r)
	}
	if err := e.Svc.SetSetting(ctx, "lockout-threshold", "0"); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.Svc.Verify(ctx, "alice", "", wrong(alice)); r.Outcome != devices.Rejected {
		t.Fatalf("alice's wrong code: %+v", r)
	}
	got, err := e.Svc.BlockedCounts(ctx)
	if err != nil || got != (service.BlockedCounts{LockedOut: 1, Throttled: 1}) {
		t.Errorf("counts: %+v %v, want 1 locked out (bob), 1 throttled (alice)", got, err)
	}
	list, err := e.Svc.Blocked(ctx, []string{"alice"})
	if err != nil || len(list) != 1 || list[0].User != "alice" || list[0].LockedOut || !list[0].Until.Equal(failedAt.Add(5*time.Second)) {
		t.Errorf("alice's blocked devices: %+v %v, want one throttled until %v", list, err, failedAt.Add(5*time.Second))
	}
	users, err := e.Svc.AllUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := e.Svc.Settings(ctx)
	want := map[string]service.UserStatus{"alice": service.UserThrottled, "bob": service.UserLockedOut}
	for i := range users {
		if st := service.UserStatusOf(&users[i], set.Policy(), e.Clock.Now()); st != want[users[i].Name] {
			t.Errorf("the user list shows %s as %v, want %v", users[i].Name, st, want[users[i].Name])
		}
	}
	e.Clock.Advance(5 * time.Second) // alice's back-off is over; bob's lockout is not
	if got, _ := e.Svc.BlockedCounts(ctx); got != (service.BlockedCounts{LockedOut: 1}) {
		t.Errorf("after the back-off: %+v, want only bob's lockout", got)
	}
}
