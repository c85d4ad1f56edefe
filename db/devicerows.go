package db

import (
	"context"
	"crypto/sha512"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

const deviceColumns = `d.id, d.user_id, coalesce(u.name, ''), d.name, d.kind, d.hardware, coalesce(d.serial, ''), d.model,
	d.manufacturer, d.seed_source, d.algorithm, d.digits, d.step, d.t0, d.tolerance, d.created_at,
	d.confirmed, d.enabled, d.drift, d.last_step, d.counter, d.failures, d.last_failure_at,
	d.locked_out, d.last_used_at, d.retired_at`

const deviceFrom = ` FROM devices d LEFT JOIN users u ON u.id = d.user_id `

type rowScanner interface{ Scan(dest ...any) error }

// scanDevice reads one row of deviceColumns (no secret), then into extra
// any columns the query adds after them.
func scanDevice(r rowScanner, extra ...any) (*devices.Device, error) {
	var (
		d                                 devices.Device
		userID, lastStep                  sql.NullInt64
		created, lastFailure, lastUsed    sql.NullInt64
		retired                           sql.NullInt64
		kind, alg, source                 string
		hardware, confirmed, enabled, out bool
		counter                           int64
	)
	err := r.Scan(append([]any{&d.ID, &userID, &d.User, &d.Name, &kind, &hardware, &d.Serial, &d.Model,
		&d.Manufacturer, &source, &alg, &d.Digits, &d.Step, &d.T0, &d.Tolerance, &created,
		&confirmed, &enabled, &d.Drift, &lastStep, &counter, &d.Failures, &lastFailure,
		&out, &lastUsed, &retired}, extra...)...)
	if err != nil {
		return nil, err
	}
	d.UserID = userID.Int64
	d.Kind, d.SeedSource = devices.Kind(kind), devices.SeedSource(source)
	d.Hardware, d.Confirmed, d.Enabled, d.LockedOut = hardware, confirmed, enabled, out
	if d.Kind.IsOTP() {
		if d.Algorithm, err = otpcore.ParseAlgorithm(alg); err != nil {
			return nil, fmt.Errorf("device %d: %w", d.ID, err)
		}
	}
	d.LastStep = otpcore.NoFloor
	if lastStep.Valid {
		d.LastStep = lastStep.Int64
	}
	d.Counter = uint64(counter)
	d.Created, d.LastFailure, d.LastUsed = fromMillis(created), fromMillis(lastFailure), fromMillis(lastUsed)
	d.Retired = fromMillis(retired)
	return &d, nil
}

func queryDevices(ctx context.Context, q querier, where string, args ...any) ([]*devices.Device, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+deviceColumns+deviceFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*devices.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// algorithmText is the stored hash name; backup codes have none of their own.
func algorithmText(d *devices.Device) string {
	if !d.Kind.IsOTP() {
		return ""
	}
	return d.Algorithm.String()
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullStep(step int64) sql.NullInt64 {
	if step == otpcore.NoFloor {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: step, Valid: true}
}

// floorSQL sets last_step to the larger of the stored floor and the
// parameter (bound twice). NULL is "no floor" (otpcore.NoFloor), below
// every step, and SQLite's max() returns NULL when any argument is NULL,
// hence the coalesces: NULL and NULL stay NULL, a NULL on either side
// yields the other value.
const floorSQL = `last_step = max(coalesce(?, last_step), coalesce(last_step, ?))`

// insertDevice stores a new device with its encrypted secret, setting
// d.ID. The id is chosen first because the ciphertext is bound to it.
func insertDevice(ctx context.Context, q querier, seal *sealer, userID int64, d *devices.Device) error {
	if err := d.Validate(); err != nil {
		return err
	}
	id, err := nextDeviceID(ctx, q)
	if err != nil {
		return err
	}
	return insertDeviceAs(ctx, q, seal, id, userID, d)
}

func nextDeviceID(ctx context.Context, q querier) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM devices").Scan(&id)
	return id, err
}

// insertDeviceAs inserts d (already validated) under the given id.
func insertDeviceAs(ctx context.Context, q querier, seal *sealer, id, userID int64, d *devices.Device) error {
	blob, err := sealSeed(seal, id, d)
	if err != nil {
		return err
	}
	if err := insertDeviceSealed(ctx, q, blob, id, userID, d); err != nil {
		return err
	}
	return storeKeyedState(ctx, q, seal, d, blob)
}

// sealSeed seals d's seed under id, refusing to store an empty one (a
// device read for verification carries its keyed state, not its seed).
func sealSeed(seal *sealer, id int64, d *devices.Device) ([]byte, error) {
	if len(d.Secret) == 0 {
		return nil, fmt.Errorf("device %q has no secret to store", d.Name)
	}
	return seal.seal(id, d.Secret)
}

// insertDeviceSealed inserts d (already validated) under the given id,
// with its secret already sealed under that id.
func insertDeviceSealed(ctx context.Context, q querier, blob []byte, id, userID int64, d *devices.Device) error {
	uid := sql.NullInt64{Int64: userID, Valid: userID != 0}
	_, err := q.ExecContext(ctx, `INSERT INTO devices (id, user_id, name, kind, hardware, serial, model, manufacturer,
		seed_source, algorithm, digits, step, t0, tolerance, created_at, confirmed, enabled, drift, last_step,
		counter, failures, last_failure_at, locked_out, last_used_at, secret)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, uid, d.Name, string(d.Kind), d.Hardware, nullString(d.Serial), d.Model, d.Manufacturer,
		string(d.SeedSource), algorithmText(d), d.Digits, d.Step, d.T0, d.Tolerance, toMillis(d.Created).Int64,
		d.Confirmed, d.Enabled, d.Drift, nullStep(d.LastStep), int64(d.Counter), d.Failures,
		toMillis(d.LastFailure), d.LockedOut, toMillis(d.LastUsed), blob)
	if err != nil {
		return uniqueErr(err, d)
	}
	d.ID, d.UserID = id, userID
	return syncBackupCodes(ctx, q, d)
}

// storeSecret writes d's seed and, in the same statement, the keyed state
// made from it.
func storeSecret(ctx context.Context, q querier, seal *sealer, d *devices.Device) error {
	blob, err := sealSeed(seal, d.ID, d)
	if err != nil {
		return err
	}
	state, err := sealedKeyedState(seal, d, blob)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, "UPDATE devices SET secret = ?, keyed_state = ? WHERE id = ?", blob, state, d.ID)
	return err
}

// storeKeyedState writes the keyed state made from d's seed, stored as
// seedBlob (NULL for a device without one).
func storeKeyedState(ctx context.Context, q querier, seal *sealer, d *devices.Device, seedBlob []byte) error {
	state, err := sealedKeyedState(seal, d, seedBlob)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, "UPDATE devices SET keyed_state = ? WHERE id = ?", state, d.ID)
	return err
}

// sealedKeyedState is d's HMAC keyed with its seed (otpcore's keyed
// state), sealed under d's id and algorithm and bound to seedBlob, the
// seed sealed beside it; nil (stored as NULL) for a device that does not
// compute codes, or a build that cannot restore keyed states: its logins
// key from the seed.
func sealedKeyedState(seal *sealer, d *devices.Device, seedBlob []byte) ([]byte, error) {
	if !d.Kind.IsOTP() {
		return nil, nil
	}
	var buf [2 * sha512.Size]byte
	state, err := otpcore.AppendKeyedState(buf[:0], d.Algorithm, d.Secret)
	defer clear(buf[:])
	if errors.Is(err, otpcore.ErrKeyedStateUnusable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("device %q: %w", d.Name, err)
	}
	return seal.sealKeyed(d.ID, d.Algorithm, seedBlob, state)
}

// updateDeviceSQL writes a device's configuration and state back. The
// replay floor (bound twice, see floorSQL) and next counter only ever move
// up here, whatever the device holds: defence in depth behind the rule in
// devices.
const updateDeviceSQL = `UPDATE devices SET user_id = ?, name = ?, serial = ?, model = ?, manufacturer = ?,
		tolerance = ?, confirmed = ?, enabled = ?, drift = ?, ` + floorSQL + `, counter = max(counter, ?), failures = ?,
		last_failure_at = ?, locked_out = ?, last_used_at = ? WHERE id = ?`

// updateDevice writes a device's configuration and state back.
func updateDevice(ctx context.Context, tx querier, d *devices.Device) error {
	if err := d.Validate(); err != nil {
		return err
	}
	uid := sql.NullInt64{Int64: d.UserID, Valid: d.UserID != 0}
	floor := nullStep(d.LastStep)
	_, err := tx.ExecContext(ctx, updateDeviceSQL,
		uid, d.Name, nullString(d.Serial), d.Model, d.Manufacturer, d.Tolerance, d.Confirmed, d.Enabled,
		d.Drift, floor, floor, int64(d.Counter), d.Failures, toMillis(d.LastFailure), d.LockedOut,
		toMillis(d.LastUsed), d.ID)
	if err != nil {
		return uniqueErr(err, d)
	}
	return syncBackupCodes(ctx, tx, d)
}

// syncBackupCodes makes the stored codes of a backup device those in
// d.Codes: codes no longer listed were used or replaced; codes without an
// ID are new.
func syncBackupCodes(ctx context.Context, tx querier, d *devices.Device) error {
	if d.Kind != devices.Backup {
		return nil
	}
	keep := make(map[int64]bool, len(d.Codes))
	for _, c := range d.Codes {
		if c.ID != 0 {
			keep[c.ID] = true
		}
	}
	rows, err := tx.QueryContext(ctx, "SELECT id FROM backup_codes WHERE device_id = ?", d.ID)
	if err != nil {
		return err
	}
	var stale []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if !keep[id] {
			stale = append(stale, id)
		}
	}
	rows.Close()
	for _, id := range stale {
		if _, err := tx.ExecContext(ctx, "DELETE FROM backup_codes WHERE id = ?", id); err != nil {
			return err
		}
	}
	for i := range d.Codes {
		if d.Codes[i].ID != 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO backup_codes (device_id, hash) VALUES (?, ?)", d.ID, d.Codes[i].Hash)
		if err != nil {
			return err
		}
		if d.Codes[i].ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

const loadSecretSQL = "SELECT secret, keyed_state FROM devices WHERE id = ?"

// loadSecrets decrypts the secrets (and backup code hashes) of ds. With
// keyedOnly (a login: see Store.UpdateAnyName) a TOTP or HOTP device whose
// row holds a usable keyed state gets that in Keyed and not its seed.
// It returns the TOTP and HOTP devices read with their seed whose row
// holds no usable keyed state, for apply to write one when they are saved.
func loadSecrets(ctx context.Context, q querier, seal *sealer, ds []*devices.Device, keyedOnly bool) (keyless []*devices.Device, err error) {
	defer func() {
		if err != nil { // the caller never sees these devices: wipe them here
			wipeSecrets(ds)
		}
	}()
	for _, d := range ds {
		var blob, state []byte
		if err := q.QueryRowContext(ctx, loadSecretSQL, d.ID).Scan(&blob, &state); err != nil {
			return nil, err
		}
		usable := d.Kind.IsOTP() && state != nil && otpcore.KeyedStatesSupported(d.Algorithm)
		if keyedOnly && usable {
			if d.Keyed, err = openKeyedState(seal, d, blob, state); err != nil {
				return nil, err
			}
			if d.Keyed != nil {
				if loadHook != nil {
					loadHook(d)
				}
				continue
			}
			usable = false // an older layout's: the seed serves, and a new state is written
		}
		if d.Kind.IsOTP() && !usable {
			keyless = append(keyless, d)
		}
		plain, err := seal.open(d.ID, blob)
		if err != nil {
			return nil, fmt.Errorf("device %d (%s): %w", d.ID, d.Name, err)
		}
		d.Secret = plain
		if loadHook != nil {
			loadHook(d)
		}
		if d.Kind != devices.Backup {
			continue
		}
		rows, err := q.QueryContext(ctx, "SELECT id, hash FROM backup_codes WHERE device_id = ? ORDER BY id", d.ID)
		if err != nil {
			return nil, err
		}
		d.Codes = nil
		for rows.Next() {
			var c devices.BackupCode
			if err := rows.Scan(&c.ID, &c.Hash); err != nil {
				rows.Close()
				return nil, err
			}
			d.Codes = append(d.Codes, c)
		}
		rows.Close()
	}
	return keyless, nil
}

// loadHook lets tests see each device loadSecrets has decrypted.
var loadHook func(*devices.Device)

// wipeSecrets wipes and drops the seeds and keyed states of ds.
func wipeSecrets(ds []*devices.Device) {
	for _, d := range ds {
		clear(d.Secret)
		clear(d.Keyed)
		d.Secret, d.Keyed = nil, nil
	}
}

// openKeyedState decrypts d's sealed keyed state in place in blob (the
// row's buffer; see sealer.openKeyed): nil if, though authentic, it is not
// of the length this build restores.
func openKeyedState(seal *sealer, d *devices.Device, seedBlob, blob []byte) ([]byte, error) {
	state, err := seal.openKeyed(d.ID, d.Algorithm, seedBlob, blob)
	if err != nil {
		return nil, fmt.Errorf("device %d (%s): keyed state: %w", d.ID, d.Name, err)
	}
	if !otpcore.KeyedStateUsable(d.Algorithm, state) {
		clear(state)
		return nil, nil
	}
	return state, nil
}

func uniqueErr(err error, d *devices.Device) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "devices.serial"):
		return fmt.Errorf("a device with serial %q %w", d.Serial, ErrExists)
	case strings.Contains(msg, "devices.user_id, devices.name"):
		return fmt.Errorf("the user already has a device named %q: %w", d.Name, ErrExists)
	}
	return err
}
