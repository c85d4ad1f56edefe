package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

const (
	hourMillis = int64(time.Hour / time.Millisecond)
	dayMillis  = 24 * hourMillis
)

// addDriftSample records a drift sample and keeps the device's history
// within devices.DriftHourlyFor / DriftKeepFor, in the caller's
// transaction. A sample replaces an earlier one of the same hour (one
// indexed delete, what nearly every login costs); the first sample of an
// hour also thins the rest of the history: the latest sample of each hour
// in the last week, of each day before that, nothing older than
// DriftKeepFor. So a device never holds more than devices.MaxDriftSamples
// rows, and a store with a long unthinned history is thinned by the next
// login.
func addDriftSample(ctx context.Context, tx querier, deviceID int64, s devices.DriftSample) error {
	at := s.At.UnixMilli()
	hour := at - at%hourMillis
	if at < 0 && at%hourMillis != 0 {
		hour -= hourMillis // floor, for the odd clock before 1970
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM drift_samples WHERE device_id = ? AND at >= ? AND at < ?", deviceID, hour, hour+hourMillis)
	if err != nil {
		return err
	}
	replaced, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO drift_samples(device_id, at, drift) VALUES (?, ?, ?)", deviceID, at, s.Drift); err != nil {
		return err
	}
	if replaced > 0 {
		return nil // the rest was thinned when this hour's first sample came
	}
	hourlyFrom := at - devices.DriftHourlyFor.Milliseconds()
	keepFrom := at - devices.DriftKeepFor.Milliseconds()
	// Hourly buckets are at/hour (positive), daily ones -1-at/day, so the
	// two never share a key.
	_, err = tx.ExecContext(ctx, `DELETE FROM drift_samples WHERE device_id = ?1 AND (at < ?3 OR rowid NOT IN (
		SELECT max(rowid) FROM drift_samples WHERE device_id = ?1 AND at >= ?3
		GROUP BY CASE WHEN at >= ?2 THEN at / ?4 ELSE -1 - at / ?5 END))`,
		deviceID, hourlyFrom, keepFrom, hourMillis, dayMillis)
	return err
}

// tokenSamplesSQL is each device's drift history as "at:drift,..." in
// time order, so the drift report reads every token's history in the same
// query as the tokens.
const tokenSamplesSQL = `, (SELECT group_concat(s.at || ':' || s.drift, ',' ORDER BY s.at) FROM drift_samples s WHERE s.device_id = d.id)`

func (s *SQLite) TOTPTokens(ctx context.Context, hardwareOnly bool) ([]TokenRow, error) {
	where := " WHERE d.kind = 'totp' AND d.user_id IS NOT NULL"
	if hardwareOnly {
		where += " AND d.hardware"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+deviceColumns+tokenSamplesSQL+deviceFrom+where+" ORDER BY u.name, d.id")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []TokenRow
	for rows.Next() {
		var history sql.NullString
		d, err := scanDevice(rows, &history)
		if err != nil {
			return nil, s.wrap(err)
		}
		smp, err := parseSamples(history.String)
		if err != nil {
			return nil, fmt.Errorf("device %d's drift history: %w", d.ID, err)
		}
		out = append(out, TokenRow{Device: d, Samples: smp})
	}
	return out, s.wrap(rows.Err())
}

// parseSamples reads tokenSamplesSQL's "at:drift,..." list.
func parseSamples(list string) ([]devices.DriftSample, error) {
	if list == "" {
		return nil, nil
	}
	out := make([]devices.DriftSample, 0, strings.Count(list, ",")+1)
	for item := range strings.SplitSeq(list, ",") {
		atText, driftText, ok := strings.Cut(item, ":")
		at, err1 := strconv.ParseInt(atText, 10, 64)
		drift, err2 := strconv.ParseInt(driftText, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("unreadable sample %q", item)
		}
		out = append(out, devices.DriftSample{At: fromMillis(sql.NullInt64{Int64: at, Valid: true}), Drift: drift})
	}
	return out, nil
}
