package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// staleRuns says what audit prune does with a run of failures whose last
// failure is older than the cut.
type staleRuns int

const (
	// forgetStaleRuns: a run older than the cut, not locked out and past
	// its back-off is forgotten, a device's and a name's alike (our
	// store: prune clears such devices' failure counts too).
	forgetStaleRuns staleRuns = iota
	// keepEveryRun: every name's run is kept (a Django site's database,
	// whose devices' failure counts are the site's and not ours to
	// clear, and which django-otp keeps until a code is accepted).
	keepEveryRun
)

// runsThroughPrune keeps, in the pruning transaction, the runs of
// failures that prune must not forget (see NamelessRun): the latest
// entry of each name and shape that is about to be removed (id <=
// lastID) is written again, after the removal, unless the run is stale.
// Runs that prune forgets go for devices too, so that what a run of
// wrong codes answers afterwards is still the same for any name:
// forgetting only the names' would tell them from users. A run carried
// over by an earlier prune that has gone stale since is written again as
// forgotten. Returns the entries to append and how many devices'
// failure counts were cleared.
//
// The bound: after a prune, the log holds at most one run entry per name
// and shape whose run is locked out or still in its back-off (each
// locked-out run took lockout-threshold counted failures; a run still in
// back-off after the cut took enough failures for its back-off to outlast
// the time since, about log2(age/factor) of them, each waited out), plus
// entries newer than the cut. Spraying names thus leaves prune fewer
// entries than it removes, and a repeated prune rewrites each kept run
// once, never adding up.
func (s *SQLite) runsThroughPrune(ctx context.Context, tx *sql.Tx, lastID int64, before, now time.Time, mode staleRuns) ([]AuditEntry, int, error) {
	factor := 0
	if mode == forgetStaleRuns {
		set, err := s.Settings(ctx)
		if err != nil {
			return nil, 0, err
		}
		factor = set.ThrottleFactor
	}
	stale := func(r NamelessRun) bool {
		return mode == forgetStaleRuns && !r.LockedOut && r.LastFailure.Before(before) &&
			!now.Before(r.LastFailure.Add(devices.ThrottleDelay(factor, r.Failures)))
	}
	var keep []AuditEntry
	err := latestRuns(ctx, tx, func(name, shape string, run NamelessRun) error {
		var why string
		switch id := run.id; {
		case id <= lastID && run.Failures > 0 && !stale(run):
			why = fmt.Sprintf("kept by audit prune from entry %d", id)
		case id > lastID && run.Failures > 0 && stale(run):
			why, run = fmt.Sprintf("forgotten by audit prune (last failure before %s)", before.UTC().Format(time.RFC3339)), NamelessRun{}
		default:
			return nil
		}
		keep = append(keep, AuditEntry{User: name, Action: namelessAction, Device: shape, Outcome: namelessOutcome, Detail: carriedDetail(why, run)})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if mode != forgetStaleRuns {
		return keep, 0, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE devices SET failures = 0, last_failure_at = NULL
		WHERE failures > 0 AND NOT locked_out AND last_failure_at IS NOT NULL AND last_failure_at < ?
			AND last_failure_at + ? * 1000 * (1 << min(failures - 1, 30)) <= ?`, before.UnixMilli(), factor, now.UnixMilli())
	if err != nil {
		return nil, 0, err
	}
	cleared, _ := res.RowsAffected()
	return keep, int(cleared), nil
}
