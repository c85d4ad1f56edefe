package db

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// missingUser says what update does when the user does not exist.
type missingUser int

const (
	failMissing   missingUser = iota // ErrNotFound
	createMissing                    // add the user
	emptyMissing                     // run fn on an empty unit (see UpdateAnyName)
)

func (s *SQLite) Update(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return s.update(ctx, actor, user, failMissing, fn)
}

func (s *SQLite) UpdateOrCreate(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return s.update(ctx, actor, user, createMissing, fn)
}

func (s *SQLite) UpdateAnyName(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return s.update(ctx, actor, user, emptyMissing, fn)
}

func (s *SQLite) update(ctx context.Context, actor, user string, missing missingUser, fn func(*Unit) error) error {
	settings, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	if s.group != nil {
		return s.group.do(&groupRequest{ctx: ctx, actor: actor, user: user, missing: missing, settings: settings, fn: fn})
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		return s.updateIn(ctx, s.prepared.in(tx), actor, user, missing, settings, fn)
	})
}

// updateIn is one Update inside the caller's write transaction, through
// statements prepared once (the login path).
func (s *SQLite) updateIn(ctx context.Context, tx querier, actor, user string, missing missingUser, settings devices.Settings, fn func(*Unit) error) error {
	u, err := s.findOrAddUser(ctx, tx, actor, user, missing == createMissing, "")
	if errors.Is(err, ErrNotFound) && missing == emptyMissing {
		u, err = User{Name: AuditName(user)}, nil
	}
	if err != nil {
		return err
	}
	// For an unknown user too: the same query, finding nothing.
	ds, err := queryDevices(ctx, tx, "WHERE d.user_id = ? ORDER BY d.id", u.ID)
	if err != nil {
		return err
	}
	unit := &Unit{User: u, Devices: ds, Settings: settings}
	// Read only when asked for (a verification asks every time).
	unit.runOf = func(shape string) (NamelessRun, error) { return namelessRun(ctx, tx, u.Name, shape) }
	var seal *sealer
	if missing == emptyMissing && len(ds) == 0 {
		s.shadowDeviceWork(ctx, tx)
	}
	if len(ds) > 0 {
		if seal, err = s.currentSealer(ctx, tx, false); err != nil {
			return err
		}
		// A login (UpdateAnyName) reads keyed states, not seeds.
		keyless, err := loadSecrets(ctx, tx, seal, ds, missing == emptyMissing)
		if err != nil {
			return err
		}
		unit.keyless = keyless
		unit.loaded = snapshotSecrets(ds)
		defer unit.forgetLoaded()
	}
	if err := fn(unit); err != nil {
		return err
	}
	if len(unit.added) > 0 && seal == nil {
		if seal, err = s.currentSealer(ctx, tx, true); err != nil {
			return err
		}
	}
	return s.apply(ctx, tx, seal, actor, unit)
}

// shadowDeviceWork does for a name with no device what reading and saving
// a device costs (the key, the secret's query and decryption, the row
// update), matching no row, so that timing does not tell an unknown name
// or a user without devices from a wrong code. Errors are of no interest:
// nothing here can change the store.
func (s *SQLite) shadowDeviceWork(ctx context.Context, tx querier) {
	const noDevice = 0
	var blob, state []byte
	tx.QueryRowContext(ctx, loadSecretSQL, noDevice).Scan(&blob, &state)
	if seal, err := s.currentSealer(ctx, tx, false); err == nil {
		seal.openKeyed(noDevice, otpcore.SHA1, shadowCiphertext, bytes.Clone(shadowCiphertext)) // opened in place, like a row read
	}
	tx.ExecContext(ctx, updateDeviceSQL, nil, "", nil, "", "", 0, false, false, 0, nil, nil, 0, 0, nil, false, nil, noDevice)
}

// shadowCiphertext is shaped like what a login decrypts, the sealed keyed
// state of a SHA-1 device: version byte, 12-byte nonce, state, 16-byte
// tag. It never opens (the tag is wrong), but AES-GCM checks the tag over
// the whole text first, as for a real one.
var shadowCiphertext = append([]byte{sealVersion}, make([]byte, 12+otpcore.KeyedStateLen(otpcore.SHA1)+16)...)

func (s *SQLite) apply(ctx context.Context, tx querier, seal *sealer, actor string, u *Unit) error {
	return writeUnit(u, actor, unitSQL{
		insert: func(d *devices.Device) error {
			d.User = u.User.Name
			return insertDevice(ctx, tx, seal, u.User.ID, d)
		},
		remove: func(d *devices.Device) error {
			q := "DELETE FROM devices WHERE id = ?"
			if d.Hardware {
				q = detachSQL + " WHERE id = ?"
			}
			_, err := tx.ExecContext(ctx, q, d.ID)
			return err
		},
		save: func(d *devices.Device) error {
			if err := updateDevice(ctx, tx, d); err != nil {
				return err
			}
			return u.storeSecrets(ctx, tx, seal, d)
		},
		sample: func(d *devices.Device, smp devices.DriftSample) error {
			return addDriftSample(ctx, tx, d.ID, smp)
		},
		audit: func(entries []AuditEntry) error { return s.auditBatch(ctx, tx, entries) },
	})
}

func (s *SQLite) DriftHistory(ctx context.Context, deviceID int64) ([]devices.DriftSample, error) {
	return driftHistory(ctx, s.db, deviceID)
}

func driftHistory(ctx context.Context, q querier, deviceID int64) ([]devices.DriftSample, error) {
	rows, err := q.QueryContext(ctx, "SELECT at, drift FROM drift_samples WHERE device_id = ? ORDER BY at", deviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []devices.DriftSample
	for rows.Next() {
		var at sql.NullInt64
		var smp devices.DriftSample
		if err := rows.Scan(&at, &smp.Drift); err != nil {
			return nil, err
		}
		smp.At = fromMillis(at)
		out = append(out, smp)
	}
	return out, rows.Err()
}
