package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

func (s *SQLite) Settings(ctx context.Context) (devices.Settings, error) {
	host, _ := os.Hostname()
	set := devices.DefaultSettings(host)
	rows, err := s.db.QueryContext(ctx, "SELECT key, value FROM settings")
	if err != nil {
		return set, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return set, s.wrap(err)
		}
		if err := set.Set(k, v); err != nil {
			// A key from a newer version, or a bad value: keep the default
			// rather than refuse to start.
			continue
		}
	}
	return set, s.wrap(rows.Err())
}

func (s *SQLite) SetSetting(ctx context.Context, actor, key, value string) error {
	set, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	if err := set.Set(key, value); err != nil {
		return err
	}
	norm, _ := set.Get(key)
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, norm); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "config.set", Outcome: "ok", Detail: key + "=" + norm})
	})
}

func (s *SQLite) AddUser(ctx context.Context, actor, name string) (User, error) {
	if err := devices.ValidateName("user name", name); err != nil {
		return User{}, err
	}
	var u User
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = insertUser(ctx, tx, name, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: name, Outcome: "ok"})
	})
	return u, err
}

func insertUser(ctx context.Context, q querier, name string, now time.Time) (User, error) {
	if err := devices.ValidateName("user name", name); err != nil {
		return User{}, err
	}
	u := User{Name: name, Created: now}
	res, err := q.ExecContext(ctx, "INSERT INTO users(name, created_at) VALUES (?, ?)", name, now.UnixMilli())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return u, fmt.Errorf("user %q %w", name, ErrExists)
		}
		return u, err
	}
	u.ID, err = res.LastInsertId()
	return u, err
}

func userByName(ctx context.Context, q querier, name string) (User, error) {
	var u User
	var created sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT id, name, created_at FROM users WHERE name = ?", name).Scan(&u.ID, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, &NotFoundError{What: "user", Name: name}
	}
	u.Created = fromMillis(created)
	return u, err
}

func (s *SQLite) RemoveUser(ctx context.Context, actor, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		u, err := userByName(ctx, tx, name)
		if err != nil {
			return err
		}
		n, err := removeDevicesOf(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.remove", User: name, Outcome: "ok", Detail: fmt.Sprintf("%d device(s) removed", n)})
	})
}

// removeDevicesOf takes every device away from a user: apps and backup
// codes are deleted; hardware tokens go back to the inventory (their seeds
// came from a vendor file and cannot be made again). It returns the count.
func removeDevicesOf(ctx context.Context, tx *sql.Tx, userID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM devices WHERE user_id = ? AND NOT hardware", userID)
	if err != nil {
		return 0, err
	}
	deleted, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	res, err = tx.ExecContext(ctx, detachSQL+" WHERE user_id = ?", userID)
	if err != nil {
		return 0, err
	}
	returned, err := res.RowsAffected()
	return deleted + returned, err
}

func (s *SQLite) DisableUsers(ctx context.Context, actor string, names []string) ([]int, error) {
	counts := make([]int, len(names))
	err := s.write(ctx, func(tx *sql.Tx) error {
		users := make([]User, len(names))
		var missing []string
		for i, n := range names {
			u, err := userByName(ctx, tx, n)
			if errors.Is(err, ErrNotFound) {
				missing = append(missing, fmt.Sprintf("%q", n))
				continue
			} else if err != nil {
				return err
			}
			users[i] = u
		}
		if len(missing) > 0 {
			return &NotFoundError{What: "user", Name: strings.Join(missing, ", ")}
		}
		for i, u := range users {
			n, err := removeDevicesOf(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			counts[i] = int(n)
			if err := s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.disable", User: u.Name, Outcome: "ok", Detail: fmt.Sprintf("%d device(s) removed", n)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// The user list aggregates in SQL so that 100,000 users come back in one
// pass over the devices table.
const userSummaryQuery = `
SELECT u.id, u.name, u.created_at,
	count(d.id),
	coalesce(sum(d.kind IN ('totp', 'hotp') AND d.confirmed AND d.enabled), 0),
	coalesce(sum((SELECT count(*) FROM backup_codes b WHERE b.device_id = d.id)), 0),
	coalesce(sum(d.locked_out), 0),
	coalesce(max(d.failures), 0),
	max(d.last_failure_at),
	max(d.last_used_at)
FROM users u LEFT JOIN devices d ON d.user_id = u.id
GROUP BY u.id
ORDER BY u.name`

func (s *SQLite) Users(ctx context.Context) ([]UserSummary, error) {
	rows, err := s.db.QueryContext(ctx, userSummaryQuery)
	if err != nil {
		return nil, s.wrap(err)
	}
	out, err := scanUserSummaries(rows, 0)
	return out, s.wrap(err)
}

// scanUserSummaries reads the columns of userSummaryQuery and closes rows.
func scanUserSummaries(rows *sql.Rows, sizeHint int) ([]UserSummary, error) {
	defer rows.Close()
	out := make([]UserSummary, 0, sizeHint)
	for rows.Next() {
		var (
			u                          UserSummary
			created, lastFail, lastUse sql.NullInt64
		)
		if err := rows.Scan(&u.ID, &u.Name, &created, &u.Devices, &u.Active, &u.BackupCodes, &u.LockedOut, &u.MaxFailures, &lastFail, &lastUse); err != nil {
			return nil, err
		}
		u.Created, u.LastFailure, u.LastUsed = fromMillis(created), fromMillis(lastFail), fromMillis(lastUse)
		out = append(out, u)
	}
	return out, rows.Err()
}

const statusQuery = `
SELECT u.name, EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id
	AND d.kind IN ('totp', 'hotp') AND d.confirmed AND d.enabled)
FROM users u`

func (s *SQLite) Statuses(ctx context.Context, names []string) ([]UserStatus, error) {
	rows, err := s.db.QueryContext(ctx, statusQuery+" ORDER BY u.name")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	all := map[string]bool{}
	var order []string
	for rows.Next() {
		var n string
		var on bool
		if err := rows.Scan(&n, &on); err != nil {
			return nil, s.wrap(err)
		}
		all[n] = on
		order = append(order, n)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err)
	}
	if len(names) == 0 {
		names = order
	}
	out := make([]UserStatus, len(names))
	for i, n := range names {
		on, ok := all[n]
		out[i] = UserStatus{Name: n, Exists: ok, Enabled: on}
	}
	return out, nil
}

func (s *SQLite) Devices(ctx context.Context, user string) ([]*devices.Device, error) {
	u, err := userByName(ctx, s.db, user)
	if err != nil {
		return nil, s.wrap(err)
	}
	ds, err := queryDevices(ctx, s.db, "WHERE d.user_id = ? ORDER BY d.id", u.ID)
	if err != nil {
		return nil, s.wrap(err)
	}
	for _, d := range ds {
		if d.Kind == devices.Backup {
			var n int
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM backup_codes WHERE device_id = ?", d.ID).Scan(&n); err != nil {
				return nil, s.wrap(err)
			}
			d.Codes = make([]devices.BackupCode, n) // count only; hashes stay in the store
		}
	}
	return ds, nil
}
