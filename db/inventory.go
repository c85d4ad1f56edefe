package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/two-factor/two-factor/devices"
)

// detachSQL returns a hardware token to the inventory: no owner, state
// cleared. The drift and replay floor stay: they belong to the token's
// clock, not to its owner.
const detachSQL = `UPDATE devices SET user_id = NULL, confirmed = 0, enabled = 1, failures = 0,
	last_failure_at = NULL, locked_out = 0, last_used_at = NULL`

// ImportItem is one hardware token to import. Device.User names whom the
// file assigns it to (may be empty); Origin is where in the file it came
// from, for messages.
type ImportItem struct {
	Origin string
	Device *devices.Device
}

// ImportOptions steer ImportTokens.
type ImportOptions struct {
	Replace     bool // replace tokens whose serial is already known (default: skip them)
	Assign      bool // assign tokens to the users the file names
	CreateUsers bool // create users the file names that do not exist yet
	DryRun      bool // do everything, then roll back
}

// ImportAction says what happened to one token.
type ImportAction string

const (
	ImportAdded    ImportAction = "added"
	ImportReplaced ImportAction = "replaced"
	ImportSkipped  ImportAction = "skipped" // serial already known
)

// ImportResult reports one token of an import.
type ImportResult struct {
	Origin string
	Serial string
	Action ImportAction
	User   string // assigned to
	Reason string // why skipped
}

// ImportTokens adds hardware tokens in one transaction: everything or, on
// any error, nothing.
func (s *SQLite) ImportTokens(ctx context.Context, actor string, items []ImportItem, opt ImportOptions) ([]ImportResult, error) {
	results := make([]ImportResult, 0, len(items))
	errDryRun := errors.New("dry run")
	err := s.write(ctx, func(sqlTx *sql.Tx) error {
		tx := newStmtCache(sqlTx)
		defer tx.close()
		seal, err := s.currentSealer(ctx, tx, !opt.DryRun)
		if opt.DryRun && errors.Is(err, ErrKeyMissing) {
			// A dry run on a store that has no key yet must not create
			// one; it encrypts under a throwaway key and rolls back.
			if fp, ferr := metaGet(ctx, tx, "key_fingerprint"); ferr == nil && fp == "" {
				var key []byte
				if key, err = newMasterKey(); err == nil {
					seal, err = newSealer(key)
				}
			}
		}
		if err != nil {
			return err
		}
		users := map[string]int64{}
		userID := func(it ImportItem) (int64, error) {
			name := it.Device.User
			if name == "" || !opt.Assign {
				return 0, nil
			}
			if id, ok := users[name]; ok {
				return id, nil
			}
			u, err := s.findOrAddUser(ctx, tx, actor, name, opt.CreateUsers, "created by import")
			if errors.Is(err, ErrNotFound) && !opt.CreateUsers {
				return 0, fmt.Errorf("%w (pass --create-users to add it, or --no-assign)", err)
			} else if err != nil {
				return 0, err
			}
			users[name] = u.ID
			return u.ID, nil
		}
		byName := map[int64]map[string]bool{}
		var audits []AuditEntry
		nextID, err := nextDeviceID(ctx, tx)
		if err != nil {
			return err
		}
		for _, it := range items {
			d := it.Device
			where := func(err error) error { return fmt.Errorf("%s: %w", it.Origin, err) }
			uid, err := userID(it)
			if err != nil {
				return where(err)
			}
			if d.Serial == "" && (uid == 0 || d.Hardware) {
				return where(errors.New("no serial number and no user to give it to: a token needs a serial, an authenticator seed an owner"))
			}
			r := ImportResult{Origin: it.Origin, Serial: d.Serial}
			if uid != 0 {
				r.User = d.User
			}
			var existing int64
			var owner sql.NullInt64
			if d.Serial != "" {
				err = tx.QueryRowContext(ctx, "SELECT id, user_id FROM devices WHERE serial = ?", d.Serial).Scan(&existing, &owner)
			} else { // an authenticator seed is known by its owner and name
				err = tx.QueryRowContext(ctx, "SELECT id, user_id FROM devices WHERE user_id = ? AND name = ?", uid, d.Name).Scan(&existing, &owner)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				existing = 0
			case err != nil:
				return err
			}
			if existing != 0 && !opt.Replace {
				r.Action, r.Reason, r.User = ImportSkipped, "serial already known (use --replace to overwrite)", ""
				if d.Serial == "" {
					r.Action, r.Reason, r.User = ImportSkipped, fmt.Sprintf("%s already has a device named %q (use --replace to overwrite)", d.User, d.Name), ""
				}
				results = append(results, r)
				continue
			}
			if uid == 0 && existing != 0 {
				uid = owner.Int64 // a replacement keeps its owner unless the file names one
			}
			// An admin-assigned factory token, or an authenticator seed
			// migrated from a system where it was in use, is active at once.
			d.Confirmed = uid != 0
			if uid != 0 {
				if byName[uid] == nil {
					byName[uid] = map[string]bool{}
				}
				if byName[uid][d.Name] {
					return where(fmt.Errorf("two tokens for %s are named %q", d.User, d.Name))
				}
				byName[uid][d.Name] = true
			}
			if existing != 0 {
				d.ID = existing
				if err := replaceToken(ctx, tx, seal, uid, d); err != nil {
					return where(err)
				}
				r.Action = ImportReplaced
			} else {
				if err := d.Validate(); err != nil {
					return where(err)
				}
				if err := insertDeviceAs(ctx, tx, seal, nextID, uid, d); err != nil {
					return where(err)
				}
				nextID++
				r.Action = ImportAdded
			}
			detail := fmt.Sprintf("%s serial %s from %s", d.KindLabel(), d.Serial, it.Origin)
			if d.Serial == "" {
				detail = fmt.Sprintf("%s %q from %s", d.KindLabel(), d.Name, it.Origin)
				r.Serial = d.Name
			}
			audits = append(audits, AuditEntry{Actor: actor, Action: "token.import", User: r.User, DeviceID: d.ID, Device: d.Name, Outcome: string(r.Action), Detail: detail})
			results = append(results, r)
		}
		if err := s.auditBatch(ctx, tx, audits); err != nil {
			return err
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return results, nil
	}
	if err != nil {
		return nil, err
	}
	// A key created by this import is now recorded.
	_, err = s.currentSealer(ctx, s.db, false)
	return results, err
}

// replaceToken overwrites a known token's seed and parameters and clears
// its state, as when a token is re-seeded or a seed file corrected.
func replaceToken(ctx context.Context, tx querier, seal *sealer, userID int64, d *devices.Device) error {
	if err := d.Validate(); err != nil {
		return err
	}
	uid := sql.NullInt64{Int64: userID, Valid: userID != 0}
	_, err := tx.ExecContext(ctx, `UPDATE devices SET user_id = ?, name = ?, kind = ?, model = ?, manufacturer = ?,
		seed_source = ?, algorithm = ?, digits = ?, step = ?, t0 = ?, tolerance = ?, confirmed = ?, enabled = 1,
		drift = ?, last_step = NULL, counter = ?, failures = 0, last_failure_at = NULL, locked_out = 0,
		last_used_at = NULL, retired_at = NULL WHERE id = ?`,
		uid, d.Name, string(d.Kind), d.Model, d.Manufacturer, string(d.SeedSource), algorithmText(d), d.Digits,
		d.Step, d.T0, d.Tolerance, d.Confirmed, d.Drift, int64(d.Counter), d.ID)
	if err != nil {
		return uniqueErr(err, d)
	}
	d.UserID = userID
	return storeSecret(ctx, tx, seal, d)
}

// TokenFilter selects hardware tokens.
type TokenFilter struct {
	Unassigned bool // only tokens in the inventory
	Retired    bool // include retired tokens
}

func tokenWhere(f TokenFilter) string {
	w := "WHERE d.hardware"
	if f.Unassigned {
		w += " AND d.user_id IS NULL"
	}
	if !f.Retired {
		w += " AND d.retired_at IS NULL"
	}
	return w
}

// Tokens lists hardware tokens without their secrets, by serial.
func (s *SQLite) Tokens(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	ds, err := queryDevices(ctx, s.db, tokenWhere(f)+" ORDER BY d.serial")
	return ds, s.wrap(err)
}

// TokenSecrets lists hardware tokens with their secrets decrypted, for
// identifying a token in hand and for export.
func (s *SQLite) TokenSecrets(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	for range settleAttempts - 1 {
		ds, err := s.tokenSecretsOnce(ctx, f)
		if !errors.Is(err, ErrKeyMismatch) {
			return ds, err
		}
		// A rekey committed and replaced the key file after our
		// snapshot began: read again from a newer snapshot.
	}
	return s.tokenSecretsOnce(ctx, f)
}

// tokenSecretsOnce reads in one read transaction, so the key fingerprint
// and the ciphertexts come from the same snapshot even if another process
// rekeys meanwhile.
func (s *SQLite) tokenSecretsOnce(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.wrap(err)
	}
	defer tx.Rollback()
	ds, err := queryDevices(ctx, tx, tokenWhere(f)+" ORDER BY d.serial")
	if err != nil || len(ds) == 0 {
		return ds, s.wrap(err)
	}
	seal, err := s.currentSealer(ctx, tx, false)
	if err != nil {
		return nil, err
	}
	// One query for all secrets rather than one per token.
	rows, err := tx.QueryContext(ctx, "SELECT d.id, d.secret FROM devices d "+tokenWhere(f))
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	byID := make(map[int64]*devices.Device, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
	}
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, s.wrap(err)
		}
		d := byID[id]
		if d == nil {
			continue
		}
		if d.Secret, err = seal.open(id, blob); err != nil {
			return nil, fmt.Errorf("token %s: %w", d.Serial, err)
		}
	}
	return ds, s.wrap(rows.Err())
}

// tokenBySerial finds a hardware token.
func tokenBySerial(ctx context.Context, tx *sql.Tx, serial string) (*devices.Device, error) {
	ds, err := queryDevices(ctx, tx, "WHERE d.hardware AND d.serial = ?", serial)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, &NotFoundError{What: "token", Name: serial}
	}
	return ds[0], nil
}

// AssignToken gives an inventory token to a user. A factory-seeded token
// assigned by an admin is active at once: there is no QR code to get wrong.
func (s *SQLite) AssignToken(ctx context.Context, actor, serial, user string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		switch {
		case !d.Retired.IsZero():
			return fmt.Errorf("token %s was retired on %s and cannot be assigned", serial, d.Retired.Format("2006-01-02"))
		case d.UserID != 0:
			return fmt.Errorf("token %s is assigned to %s already; unassign it first", serial, d.User)
		}
		u, err := userByName(ctx, tx, user)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE devices SET user_id = ?, confirmed = 1, enabled = 1 WHERE id = ?", u.ID, d.ID); err != nil {
			return uniqueErr(err, d)
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "token.assign", User: u.Name, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial})
	})
}

// UnassignToken returns a token to the inventory.
func (s *SQLite) UnassignToken(ctx context.Context, actor, serial string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		if d.UserID == 0 {
			return fmt.Errorf("token %s is not assigned to anyone", serial)
		}
		if _, err := tx.ExecContext(ctx, detachSQL+" WHERE id = ?", d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "token.unassign", User: d.User, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial})
	})
}

// RetireToken takes a token out of service for good (lost, broken, battery
// flat): it leaves its owner and is never offered for assignment again.
func (s *SQLite) RetireToken(ctx context.Context, actor, serial string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		if !d.Retired.IsZero() {
			return fmt.Errorf("token %s is retired already", serial)
		}
		if _, err := tx.ExecContext(ctx, detachSQL+", retired_at = ? WHERE id = ?", s.now().UnixMilli(), d.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "token.retire", User: d.User, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial})
	})
}
