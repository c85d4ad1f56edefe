package db

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// BlockedDevice is an assigned, enabled device that cannot take a code
// now: locked out until an admin unlocks it, or throttled until a time.
// From BlockedNamelessRuns, it is a name's run of failures with codes of
// Shape (DeviceID 0, no Device).
type BlockedDevice struct {
	User      string
	DeviceID  int64
	Device    string
	Shape     string // of the codes it takes (ShapeOf)
	LockedOut bool
	Until     time.Time // throttled: when it takes codes again
}

// blockedSQL picks the devices a login would be refused on without being
// tried, with devices.ThrottleDelay written in SQL (factor·2^(n−1) s, the
// exponent capped the same way) so that the store answers in one query.
// Parameters: throttle factor (s), now (ms).
const blockedSQL = ` FROM devices d JOIN users u ON u.id = d.user_id
	WHERE d.enabled AND (d.locked_out OR (? > 0 AND d.failures > 0 AND d.last_failure_at IS NOT NULL
		AND d.last_failure_at + ? * 1000 * (1 << min(d.failures - 1, 30)) > ?))`

func blockedArgs(factor int, now time.Time) []any {
	return []any{factor, factor, now.UnixMilli()}
}

// BlockedDevices lists the blocked devices of the named users (all users
// when names is empty), by user and device id. Named users are found by
// the users' name index, so the cost does not grow with the store.
func (s *SQLite) BlockedDevices(ctx context.Context, factor int, now time.Time, names []string) ([]BlockedDevice, error) {
	q := "SELECT u.name, d.id, d.name, d.kind, d.digits, d.locked_out, d.failures, d.last_failure_at" + blockedSQL
	args := blockedArgs(factor, now)
	if len(names) > 0 {
		q += " AND u.name IN (?" + strings.Repeat(", ?", len(names)-1) + ")"
		for _, n := range names {
			args = append(args, n)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY u.name, d.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BlockedDevice
	for rows.Next() {
		var b BlockedDevice
		var failures int
		var last sql.NullInt64
		var kind devices.Kind
		var digits int
		if err := rows.Scan(&b.User, &b.DeviceID, &b.Device, &kind, &digits, &b.LockedOut, &failures, &last); err != nil {
			return nil, err
		}
		b.Shape = ShapeOf(&devices.Device{Kind: kind, Digits: digits})
		if !b.LockedOut {
			b.Until = fromMillis(last).Add(devices.ThrottleDelay(factor, failures))
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BlockedNamelessRuns lists the names' runs of failures that refuse codes
// at now, one per name and shape. It reads the latest entry of every run
// in the log (the partial index's entries alone), which audit prune keeps
// to runs that are blocked or newer than its cut.
func (s *SQLite) BlockedNamelessRuns(ctx context.Context, factor int, now time.Time) ([]BlockedDevice, error) {
	var out []BlockedDevice
	err := latestRuns(ctx, s.db, func(name, shape string, run NamelessRun) error {
		if b, blocked := run.blockedAt(factor, now); blocked {
			b.User, b.Shape = name, shape
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// blockedAt says whether a run refuses codes at now, and until when.
func (r NamelessRun) blockedAt(factor int, now time.Time) (BlockedDevice, bool) {
	if r.LockedOut {
		return BlockedDevice{LockedOut: true}, true
	}
	delay := devices.ThrottleDelay(factor, r.Failures)
	until := r.LastFailure.Add(delay)
	return BlockedDevice{Until: until}, delay > 0 && !r.LastFailure.IsZero() && now.Before(until)
}
