package storetest

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
)

// namelessRunsPerShape: a run of failures a unit audits for a name and a
// shape of code reads back in the next unit, from another handle too, for
// that shape alone; a later entry of the shape supersedes it; a run of no
// shape (written before runs had shapes, or a Django site's) counts for
// every shape until the shape has its own; and a run still in its
// back-off, or locked out, is listed as blocked.
func namelessRunsPerShape(t *testing.T, e *env) {
	failedAt := e.clock.Now().Truncate(time.Millisecond)
	six, backup := db.DigitsShape(6), db.BackupShape
	write := func(shape string, run db.NamelessRun) {
		t.Helper()
		if err := e.Store.UpdateAnyName(ctx, actor, "ghost", func(u *db.Unit) error {
			u.AuditNamelessFailure(shape, "unknown user", run)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	write(db.AnyShape, db.NamelessRun{Failures: 4, LastFailure: failedAt.Add(-time.Hour)})
	write(six, db.NamelessRun{Failures: 1, LastFailure: failedAt})
	write(six, db.NamelessRun{Failures: 2, LastFailure: failedAt.Add(time.Second)})
	write(backup, db.NamelessRun{Failures: 7, LastFailure: failedAt, LockedOut: true})
	// A run of no shape written again after them (audit prune keeps an
	// old store's runs so): still no shape's that has its own.
	write(db.AnyShape, db.NamelessRun{Failures: 5, LastFailure: failedAt.Add(-30 * time.Minute)})
	want := map[string]db.NamelessRun{
		six:               {Failures: 2, LastFailure: failedAt.Add(time.Second)},
		backup:            {Failures: 7, LastFailure: failedAt, LockedOut: true},
		db.DigitsShape(8): {Failures: 5, LastFailure: failedAt.Add(-30 * time.Minute)},
	}
	other := e.Open(t)
	if err := other.UpdateAnyName(ctx, actor, "ghost", func(u *db.Unit) error {
		for shape, w := range want {
			got, err := u.NamelessRun(shape)
			if err != nil {
				return err
			}
			if got.Failures != w.Failures || !got.LastFailure.Equal(w.LastFailure) || got.LockedOut != w.LockedOut {
				t.Errorf("run of %s: %+v, want %+v", shape, got, w)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	blocked, err := other.BlockedNamelessRuns(ctx, 10, failedAt.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, b := range blocked {
		if b.User != "ghost" {
			t.Errorf("blocked run of %q", b.User)
		}
		got[b.Shape] = b.LockedOut
	}
	if len(got) != 2 || got[six] || !got[backup] { // the run of no shape is long over
		t.Errorf("blocked runs %+v, want ghost's 6-digit run throttled and backup run locked out", blocked)
	}
}
