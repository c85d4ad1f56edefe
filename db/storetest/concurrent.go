package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// Several processes verify the same fresh code at the same instant, each
// through its own handle (and two goroutines on each): exactly one is
// accepted. This is the store's compare-and-set: reading the replay floor
// and raising it must be one transaction.
func codeAcceptedExactlyOnce(t *testing.T, e *env) {
	admin := e.service(e.Store, actor)
	en, err := admin.StartEnrollment(ctx, "alice", service.EnrollOptions{CreateUser: true})
	if err != nil {
		t.Fatal(err)
	}
	dev := *en.Device
	dev.Secret = append([]byte(nil), en.Device.Secret...)
	// Confirm with the previous step's code, so the current one is fresh.
	e.clock.Set(servicetest.Start.Add(-30 * time.Second))
	if r, err := admin.Confirm(ctx, en, servicetest.Code(t, &dev, e.clock.Now(), 0), true); err != nil || !r.Accepted() {
		t.Fatalf("confirm: %v %v", r.Outcome, err)
	}
	e.clock.Set(servicetest.Start)
	fresh := servicetest.Code(t, &dev, e.clock.Now(), 0)

	const handles, perHandle = 4, 2
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		outcomes = make([]devices.Outcome, handles*perHandle)
		errs     = make([]error, handles*perHandle)
	)
	for h := range handles {
		svc := e.service(e.Open(t), fmt.Sprintf("process %d", h))
		for g := range perHandle {
			i := h*perHandle + g
			wg.Go(func() {
				<-start
				r, err := svc.Verify(ctx, "alice", "", fresh)
				outcomes[i], errs[i] = r.Outcome, err
			})
		}
	}
	close(start)
	wg.Wait()
	accepted := 0
	for i, o := range outcomes {
		switch {
		case errs[i] != nil:
			t.Errorf("verifier %d: %v", i, errs[i])
		case o == devices.Accepted:
			accepted++
		case o == devices.Rejected, o == devices.Throttled: // a replay is a failure, so later ones may be throttled
		default:
			t.Errorf("verifier %d: %s", i, o)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d verifications accepted the same code, want exactly 1: %v", accepted, outcomes)
	}
	// And the code stays used for any handle.
	if r, err := e.service(e.Open(t), "later").Verify(ctx, "alice", "", fresh); err != nil || r.Accepted() {
		t.Fatalf("the code replayed later: %v %v", r.Outcome, err)
	}
}

// Two processes adding look-alike names at the same moment: exactly one
// wins, so one person never becomes two users.
func lookAlikeRaces(t *testing.T, e *env) {
	a, b := e.Store, e.Open(t)
	for i, pair := range [][2]string{{"dave", "DAVE"}, {"erin", "\uff45rin"}, {"frank", "Frank "}} {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, s := range []db.Store{a, b} {
			wg.Go(func() { _, errs[j] = s.AddUser(ctx, actor, pair[j]) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("pair %d %q: errors %v / %v: want exactly one success", i, pair, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, db.ErrExists) {
				t.Errorf("pair %d: the loser got %v, want ErrExists", i, err)
			}
		}
	}
	if us, _ := a.Users(ctx); len(us) != 3 {
		t.Fatalf("%d users after the races, want 3", len(us))
	}
}
