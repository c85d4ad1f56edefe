package db

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// groupFixture opens a store with group commit and records batch sizes.
func groupFixture(t *testing.T) (*SQLite, *[]int) {
	t.Helper()
	f := newFixture(t)
	f.open(t).Close() // create it
	s, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var mu sync.Mutex
	sizes := &[]int{}
	s.group.batchHook = func(n int) { mu.Lock(); *sizes = append(*sizes, n); mu.Unlock() }
	return s, sizes
}

// holdWriter blocks the writer inside a request until release is called,
// so that requests sent meanwhile queue up and form one batch.
func holdWriter(t *testing.T, s *SQLite) (release func()) {
	t.Helper()
	addTOTP(t, s, "gate", "phone", seed)
	in, out := make(chan struct{}), make(chan struct{})
	go s.Update(ctx, "test", "gate", func(*Unit) error { close(in); <-out; return nil })
	<-in
	return func() { close(out) }
}

// whenQueued waits until n requests wait for the writer, plus a margin
// for the last to reach its send.
func whenQueued(s *SQLite, n int64) {
	for s.group.sending.Load() < n {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
}

// acceptOnce is a login's rule in miniature: a code for step is accepted
// only above the device's replay floor, which then moves to it.
func acceptOnce(step int64, accepted *atomic.Int64) func(*Unit) error {
	return func(u *Unit) error {
		d := u.Devices[0]
		if d.LastStep >= step {
			u.Audit("verify", d, "replay", "")
			return nil
		}
		d.LastStep = step
		u.Save(d)
		u.Audit("verify", d, "ok", "")
		accepted.Add(1)
		return nil
	}
}

func TestGroupCommitSameCodeInOneBatchAcceptedOnce(t *testing.T) {
	s, sizes := groupFixture(t)
	addTOTP(t, s, "alice", "phone", seed)
	release := holdWriter(t, s)
	const clients = 40
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			if err := s.Update(ctx, "verifier", "alice", acceptOnce(1000, &accepted)); err != nil {
				t.Error(err)
			}
		})
	}
	whenQueued(s, clients)
	release()
	wg.Wait()
	if n := accepted.Load(); n != 1 {
		t.Errorf("the same code was accepted %d times in one batch, want 1", n)
	}
	if got := (*sizes)[len(*sizes)-1]; got != clients+1 {
		t.Errorf("batch sizes %v: the clients did not share the gate's batch", *sizes)
	}
	rows, err := s.Audit(ctx, AuditFilter{User: "alice", Action: "verify"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != clients {
		t.Errorf("%d audit rows for %d answers", len(rows), clients)
	}
	checkChain(t, s)
}

func checkChain(t *testing.T, s *SQLite) {
	t.Helper()
	v, err := s.VerifyAudit(ctx)
	if err != nil || !v.Intact || v.Pending != 0 {
		t.Errorf("audit chain after a batch: %+v, %v", v, err)
	}
}

// A request that fails after some of its writes ran, in the middle of a
// batch, is rolled back to its savepoint: its first device's new floor and
// its audit row are gone, it gets its error, and the requests before and
// after it in the batch commit. One whose fn panics is rolled back the same
// way and panics in its caller's goroutine, not in the writer's.
func TestGroupCommitFailedRequestRolledBackAlone(t *testing.T) {
	s, sizes := groupFixture(t)
	for _, u := range []string{"ann", "bob", "cat", "dan"} {
		addTOTP(t, s, u, "phone", seed)
	}
	addTOTP(t, s, "bob", "spare", seed)
	release := holdWriter(t, s)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	run := func(user string, fn func(*Unit) error) {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					errs[user] = errors.New("panicked")
					mu.Unlock()
				}
			}()
			err := s.Update(ctx, "verifier", user, fn)
			mu.Lock()
			errs[user] = err
			mu.Unlock()
		})
	}
	run("ann", acceptOnce(1000, &accepted))
	whenQueued(s, 1)
	run("bob", func(u *Unit) error {
		first, second := u.Devices[0], u.Devices[1]
		first.LastStep = 1000
		u.Save(first)    // written...
		second.Name = "" // ...then this one fails validation in the same apply
		u.Save(second)
		u.Audit("verify", first, "ok", "")
		return nil
	})
	whenQueued(s, 2)
	run("cat", func(u *Unit) error {
		d := u.Devices[0]
		d.LastStep = 1000
		u.Save(d)
		u.Audit("verify", d, "ok", "")
		panic("fn failed")
	})
	whenQueued(s, 3)
	run("dan", acceptOnce(1000, &accepted))
	whenQueued(s, 4)
	release()
	wg.Wait()
	if got := (*sizes)[len(*sizes)-1]; got != 5 {
		t.Fatalf("batch sizes %v: the requests did not share one batch", *sizes)
	}
	if errs["ann"] != nil || errs["dan"] != nil || accepted.Load() != 2 {
		t.Errorf("the requests around the failed ones: ann %v, dan %v, %d accepted", errs["ann"], errs["dan"], accepted.Load())
	}
	if errs["bob"] == nil || errs["cat"] == nil || errs["cat"].Error() != "panicked" {
		t.Errorf("the failed requests were answered bob %v, cat %v", errs["bob"], errs["cat"])
	}
	for user, want := range map[string]int{"ann": 1, "bob": 0, "cat": 0, "dan": 1} {
		rows, err := s.Audit(ctx, AuditFilter{User: user, Action: "verify"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want {
			t.Errorf("%s: %d audit rows, want %d", user, len(rows), want)
		}
		ds, err := s.Devices(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if floor := ds[0].LastStep; (floor == 1000) != (want == 1) {
			t.Errorf("%s: replay floor %d after the batch", user, floor)
		}
	}
	checkChain(t, s)
}
