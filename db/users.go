package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/two-factor/two-factor/devices"
)

func (s *SQLite) Settings(ctx context.Context) (devices.Settings, error) {
	set := devices.DefaultSettings(s.host)
	st, err := s.prepared.stmt(ctx, "SELECT key, value FROM settings") // read before every login
	if err != nil {
		return set, s.wrap(err)
	}
	rows, err := st.QueryContext(ctx)
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
	var u User
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = insertUser(ctx, tx, name, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: u.Name, Outcome: "ok"})
	})
	return u, err
}

// findOrAddUser looks name up and, when it is missing and create is set,
// adds it with its audit entry in the caller's transaction. Every path that
// can create a user goes through insertUser, here or in AddUser.
func (s *SQLite) findOrAddUser(ctx context.Context, tx querier, actor, name string, create bool, detail string) (User, error) {
	u, err := userByName(ctx, tx, name)
	if !create || !errors.Is(err, ErrNotFound) {
		return u, err
	}
	if u, err = insertUser(ctx, tx, name, s.now()); err != nil {
		return u, err
	}
	return u, s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: u.Name, Outcome: "ok", Detail: detail})
}

// insertUser is the one place a user row is made. The name is stored
// normalised, and a name that reads like an existing one is refused. The
// check is a courtesy that names the existing user; the UNIQUE index on
// name_key is what makes it hold when two processes add look-alikes at the
// same moment.
func insertUser(ctx context.Context, q querier, name string, now time.Time) (User, error) {
	norm := devices.NormalizeUserName(name)
	if err := devices.ValidateName("user name", norm); err != nil {
		return User{}, err
	}
	key := devices.UserNameKey(norm)
	if err := refuseLookAlike(ctx, q, name, norm, key); err != nil {
		return User{}, err
	}
	u := User{Name: norm, Created: now}
	res, err := q.ExecContext(ctx, "INSERT INTO users(name, name_key, created_at) VALUES (?, ?, ?)", norm, key, now.UnixMilli())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			if lerr := refuseLookAlike(ctx, q, name, norm, key); lerr != nil {
				return u, lerr
			}
			return u, fmt.Errorf("user %q %w", norm, ErrExists)
		}
		return u, err
	}
	u.ID, err = res.LastInsertId()
	return u, err
}

// refuseLookAlike reports a stored user named norm, or whose key is key.
// Legacy look-alikes have no key, hence the test on the name as well.
func refuseLookAlike(ctx context.Context, q querier, name, norm, key string) error {
	var existing string
	err := q.QueryRowContext(ctx, "SELECT name FROM users WHERE name_key = ? OR name = ? ORDER BY name = ? DESC, id LIMIT 1",
		key, norm, norm).Scan(&existing)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case existing == norm:
		return fmt.Errorf("user %q %w", norm, ErrExists)
	}
	return &LookAlikeError{Name: name, Existing: existing}
}

// userByName finds a user by name as typed: the exact stored name first
// (so a user stored before names were normalised can still be reached),
// then the normalised name. A miss that reads like a stored user names it.
func userByName(ctx context.Context, q querier, name string) (User, error) {
	var u User
	var created sql.NullInt64
	norm := devices.NormalizeUserName(name)
	err := q.QueryRowContext(ctx, "SELECT id, name, created_at FROM users WHERE name IN (?, ?) ORDER BY name = ? DESC LIMIT 1",
		name, norm, name).Scan(&u.ID, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		var existing string
		err := q.QueryRowContext(ctx, "SELECT name FROM users WHERE name_key = ?", devices.UserNameKey(norm)).Scan(&existing)
		if err == nil {
			return u, &LookAlikeError{Name: name, Existing: existing}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return u, err
		}
		return u, &NotFoundError{What: "user", Name: name}
	}
	u.Created = fromMillis(created)
	return u, err
}

// init lets SQL compute a name's key, for the migration that adds name_key.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("two_factor_name_key", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return devices.UserNameKey(v), nil
			case []byte:
				return devices.UserNameKey(string(v)), nil
			}
			return nil, nil
		})
}

func (s *SQLite) RemoveUser(ctx context.Context, actor, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		u, err := userByName(ctx, tx, name)
		if err != nil {
			return err
		}
		handed, err := handOverRunsOf(ctx, tx, u, "removed with its user")
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
		return s.auditBatch(ctx, tx, append(byActor(handed, actor), AuditEntry{Actor: actor, Action: "user.remove", User: u.Name, Outcome: "ok", Detail: fmt.Sprintf("%d device(s) removed", n)}))
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
	return s.disableUsers(ctx, actor, names, userByName, handOverRunsOf, removeDevicesOf)
}

// disableUsers removes the devices of each named user (remove says which,
// and counts them) and audits it, in one write transaction of s, the
// store that keeps the audit log: all or nothing, an unknown name (as
// find looks names up) changes nothing and names every unknown one.
// handOver gives the name the runs of failures of the devices that go.
func (s *SQLite) disableUsers(ctx context.Context, actor string, names []string,
	find func(context.Context, querier, string) (User, error),
	handOver func(context.Context, *sql.Tx, User, string) ([]AuditEntry, error),
	remove func(context.Context, *sql.Tx, int64) (int64, error)) ([]int, error) {
	counts := make([]int, len(names))
	err := s.write(ctx, func(tx *sql.Tx) error {
		users := make([]User, len(names))
		var missing []string
		for i, n := range names {
			u, err := find(ctx, tx, n)
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
			handed, err := handOver(ctx, tx, u, "removed by user disable")
			if err != nil {
				return err
			}
			n, err := remove(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			counts[i] = int(n)
			if err := s.auditBatch(ctx, tx, append(byActor(handed, actor), AuditEntry{Actor: actor, Action: "user.disable", User: u.Name, Outcome: "ok", Detail: fmt.Sprintf("%d device(s) removed", n)})); err != nil {
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
// lookAlikeSQL flags a user u that reads like another one: only users kept
// from before names were checked have no key (see migration 4), so the key
// is computed for those alone.
const lookAlikeSQL = `(u.name_key IS NULL AND EXISTS (SELECT 1 FROM users o WHERE o.name_key = two_factor_name_key(u.name)))`

const userSummaryQuery = `
SELECT u.id, u.name, u.created_at, ` + lookAlikeSQL + `,
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
		if err := rows.Scan(&u.ID, &u.Name, &created, &u.LookAlike, &u.Devices, &u.Active, &u.BackupCodes, &u.LockedOut, &u.MaxFailures, &lastFail, &lastUse); err != nil {
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
	if len(names) == 0 {
		return s.allStatuses(ctx)
	}
	// Named users are looked up one by one through the name index, so
	// `status alice` costs the same on 1,000 users as on 100,000.
	// No transaction: ours begin IMMEDIATE, taking the write lock logins
	// need, and each name's answer stands on its own.
	// As userByName: the exact stored name, else the normalised one.
	stmt, err := s.db.PrepareContext(ctx, statusQuery+" WHERE u.name IN (?, ?) ORDER BY u.name = ? DESC LIMIT 1")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer stmt.Close()
	out, err := namedStatuses(ctx, stmt, names, func(n string) []any { return []any{n, devices.NormalizeUserName(n), n} })
	return out, s.wrap(err)
}

// namedStatuses asks stmt, whose row is (name, enabled), about each name
// in turn; a name without a row is a user that does not exist.
func namedStatuses(ctx context.Context, stmt *sql.Stmt, names []string, args func(name string) []any) ([]UserStatus, error) {
	out := make([]UserStatus, len(names))
	for i, n := range names {
		st := UserStatus{Name: n}
		err := stmt.QueryRowContext(ctx, args(n)...).Scan(&st.Name, &st.Enabled)
		switch {
		case err == nil:
			st.Exists = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// allStatuses is `status` without names: every user, in name order.
func (s *SQLite) allStatuses(ctx context.Context) ([]UserStatus, error) {
	rows, err := s.db.QueryContext(ctx, statusQuery+" ORDER BY u.name")
	if err != nil {
		return nil, s.wrap(err)
	}
	out, err := scanStatuses(rows)
	return out, s.wrap(err)
}

// scanStatuses reads (name, enabled) rows, every one an existing user,
// and closes rows.
func scanStatuses(rows *sql.Rows) ([]UserStatus, error) {
	defer rows.Close()
	var out []UserStatus
	for rows.Next() {
		st := UserStatus{Exists: true}
		if err := rows.Scan(&st.Name, &st.Enabled); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
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

// handOverRunsOf returns the entries that make the runs of failures of a
// user's devices on our store the name's, each the run of its shape, as
// the devices go (see handOverEntries).
func handOverRunsOf(ctx context.Context, tx *sql.Tx, u User, done string) ([]AuditEntry, error) {
	ds, err := queryDevices(ctx, tx, "WHERE d.user_id = ? ORDER BY d.id", u.ID)
	if err != nil {
		return nil, err
	}
	return handOverEntries(ctx, tx, u.Name, ds, ShapeOf, done)
}
