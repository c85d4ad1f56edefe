package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// TestPruneInAnotherProcessKeepsRunsUnderVerification: one process
// verifies wrong codes (a user's and unknown names') while a second, on
// the same store file, prunes the whole log again and again, each prune
// rewriting every run still in its back-off. No run may be lost or
// counted twice between them: every name answers rejected once and then
// throttled, the user exactly as the unknown names, and the log verifies.
func TestPruneInAnotherProcessKeepsRunsUnderVerification(t *testing.T) {
	ctx := context.Background()
	verifier := servicetest.NewEnv(t)
	verifier.AddUser(t, "alice")
	verifier.Enroll(t, "alice", service.EnrollOptions{Name: "phone"})
	if err := verifier.Svc.SetSetting(ctx, "throttle-factor", "3600"); err != nil {
		t.Fatal(err)
	}
	verifier.Clock.Advance(2 * time.Hour)
	admin := servicetest.OpenEnv(t, verifier.Path)
	admin.Clock.Set(verifier.Clock.Now())
	names := []string{"alice"}
	for i := range 30 {
		names = append(names, fmt.Sprint("nobody", i))
	}
	answers := make(map[string][]string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	prunes := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			// The cut is after every entry: all are removed, and the
			// runs in their back-off written again.
			if _, err := admin.Svc.PruneAudit(ctx, admin.Clock.Now().Add(time.Millisecond)); err != nil {
				t.Error(err)
				return
			}
			prunes++
			// An administrator's prunes, not a loop that holds the
			// write lock back to back (SQLite's busy wait is not fair).
			time.Sleep(5 * time.Millisecond)
		}
	})
	for range 3 {
		var round sync.WaitGroup
		for _, n := range names {
			round.Go(func() {
				r, err := verifier.Svc.Verify(ctx, n, "", "000000")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				answers[n] = append(answers[n], visible(r))
				mu.Unlock()
			})
		}
		round.Wait()
		time.Sleep(20 * time.Millisecond) // a prune or more between rounds
	}
	close(stop)
	wg.Wait()
	if prunes < 3 {
		t.Fatalf("only %d prune(s) ran beside the verifications", prunes)
	}
	want := fmt.Sprint([]string{"rejected retry_after 0s device none", "throttled retry_after 1h0m0s device none", "throttled retry_after 1h0m0s device none"})
	for _, n := range names {
		if got := fmt.Sprint(answers[n]); got != want {
			t.Errorf("%s: %s, want %s", n, got, want)
		}
	}
	if v, err := verifier.Svc.VerifyAudit(ctx); err != nil || !v.Intact {
		t.Fatalf("audit verify after prunes under verification: %+v %v", v, err)
	}
}
