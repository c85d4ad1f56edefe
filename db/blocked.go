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
type BlockedDevice struct {
	User      string
	DeviceID  int64
	Device    string
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

// BlockedDeviceCounts counts the devices locked out and those throttled
// at now under the throttle factor (seconds), in one query: cheap enough
// for every scrape of the verifier's metrics.
func (s *SQLite) BlockedDeviceCounts(ctx context.Context, factor int, now time.Time) (locked, throttled int, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT coalesce(sum(d.locked_out), 0), coalesce(sum(NOT d.locked_out), 0)"+blockedSQL,
		blockedArgs(factor, now)...).Scan(&locked, &throttled)
	return locked, throttled, err
}

// BlockedDevices lists the blocked devices of the named users (all users
// when names is empty), by user and device id. Named users are found by
// the users' name index, so the cost does not grow with the store.
func (s *SQLite) BlockedDevices(ctx context.Context, factor int, now time.Time, names []string) ([]BlockedDevice, error) {
	q := "SELECT u.name, d.id, d.name, d.locked_out, d.failures, d.last_failure_at" + blockedSQL
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
		if err := rows.Scan(&b.User, &b.DeviceID, &b.Device, &b.LockedOut, &failures, &last); err != nil {
			return nil, err
		}
		if !b.LockedOut {
			b.Until = fromMillis(last).Add(devices.ThrottleDelay(factor, failures))
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
