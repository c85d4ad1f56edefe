package db

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/two-factor/two-factor/devices"
)

// Unit is one user's devices inside an Update. Changes are recorded with
// its methods and written when the function passed to Update returns nil.
type Unit struct {
	User     User
	Devices  []*devices.Device // secrets decrypted
	Settings devices.Settings

	// runOf reads the name's run of failures with codes of a shape (see
	// NamelessRun); set only by UpdateAnyName. runsRead notes the audit
	// entry each run read was (0: none), for backends that write after
	// reading outside their write lock.
	runOf    func(shape string) (NamelessRun, error)
	runsRead map[string]int64

	added   []*devices.Device
	saved   []*devices.Device
	removed []*devices.Device
	samples []sample
	audits  []AuditEntry

	pendingAudit []pending

	// loaded holds a copy of each device's secret as it was read, so that
	// saving re-encrypts only a secret that changed (backup codes
	// regenerated): a verification saves its device on every login and
	// need not pay for a new ciphertext.
	loaded map[*devices.Device][]byte
	// keyless are the TOTP/HOTP devices read with their seed and no
	// keyed state: saving one writes its state (rows of older stores).
	keyless []*devices.Device
}

func snapshotSecrets(ds []*devices.Device) map[*devices.Device][]byte {
	m := make(map[*devices.Device][]byte, len(ds))
	for _, d := range ds {
		m[d] = bytes.Clone(d.Secret)
	}
	return m
}

// secretChanged reports whether d's secret differs from the one loaded.
// A device the unit did not load has nothing stored to compare with.
func (u *Unit) secretChanged(d *devices.Device) bool {
	orig, ok := u.loaded[d]
	return ok && !bytes.Equal(orig, d.Secret)
}

// storeSecrets writes what d's save needs of its secrets: the seed and
// its keyed state when the seed changed or the row had no keyed state.
func (u *Unit) storeSecrets(ctx context.Context, tx querier, seal *sealer, d *devices.Device) error {
	if u.secretChanged(d) {
		u.keyless = slices.DeleteFunc(u.keyless, func(k *devices.Device) bool { return k == d })
		return storeSecret(ctx, tx, seal, d)
	}
	if i := slices.Index(u.keyless, d); i >= 0 && len(d.Secret) > 0 {
		// The seed is sealed again with it: a state is bound to the
		// sealing of the seed it is stored beside.
		u.keyless = slices.Delete(u.keyless, i, i+1)
		return storeSecret(ctx, tx, seal, d)
	}
	return nil
}

// forgetLoaded wipes the copies, and the keyed states a login read, once
// the transaction is over.
func (u *Unit) forgetLoaded() {
	for d, s := range u.loaded {
		clear(s)
		clear(d.Keyed)
		d.Keyed = nil
	}
	u.loaded = nil
}

// pending links an audit entry to a device that has no ID yet.
type pending struct {
	device *devices.Device
	index  int
}

type sample struct {
	device *devices.Device
	s      devices.DriftSample
}

// Find looks a device of the unit's user up by id, name or serial.
func (u *Unit) Find(ref string) (*devices.Device, error) {
	return FindDevice(u.Devices, u.User.Name, ref)
}

// FindDevice looks a device of owner up among ds by id, name or serial.
func FindDevice(ds []*devices.Device, owner, ref string) (*devices.Device, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	isID := err == nil
	var match *devices.Device
	for _, d := range ds {
		if (isID && d.ID == id) || d.Name == ref || (d.Serial != "" && d.Serial == ref) {
			if match != nil && match != d {
				return nil, fmt.Errorf("%q names more than one device of %s; use the device id", ref, owner)
			}
			match = d
		}
	}
	if match == nil {
		return nil, &NotFoundError{What: "device", Name: ref}
	}
	return match, nil
}

// Add stores a new device for the user; its ID is set on commit.
func (u *Unit) Add(d *devices.Device) { u.added = append(u.added, d) }

// Save persists d's configuration and state.
func (u *Unit) Save(d *devices.Device) { u.saved = append(u.saved, d) }

// Remove deletes d.
func (u *Unit) Remove(d *devices.Device) { u.removed = append(u.removed, d) }

// RecordDrift adds a sample to d's drift history.
func (u *Unit) RecordDrift(d *devices.Device, s devices.DriftSample) {
	u.samples = append(u.samples, sample{d, s})
}

// Audit records an entry about d (nil for the user as a whole). The actor,
// time and user are filled in by the store.
func (u *Unit) Audit(action string, d *devices.Device, outcome, detail string) {
	e := AuditEntry{Action: action, Outcome: outcome, Detail: detail}
	if d != nil {
		e.DeviceID, e.Device = d.ID, d.Name
		if d.ID == 0 {
			// Not yet inserted: resolved when the device is.
			u.pendingAudit = append(u.pendingAudit, pending{d, len(u.audits)})
		}
	}
	u.audits = append(u.audits, e)
}

// changesDevices reports whether the unit recorded any change to devices
// (as opposed to audit entries alone).
func (u *Unit) changesDevices() bool {
	return len(u.added)+len(u.saved)+len(u.removed)+len(u.samples) > 0
}

// unitSQL is a backend's own statements for each kind of change a unit
// records; writeUnit runs them in the order every backend needs.
type unitSQL struct {
	insert func(*devices.Device) error
	remove func(*devices.Device) error
	save   func(*devices.Device) error
	sample func(*devices.Device, devices.DriftSample) error
	audit  func([]AuditEntry) error
}

// writeUnit writes what u recorded inside the caller's transaction: new
// devices first (their audit entries then learn the ids they got), removed
// ones next, then saves (a device removed in the same unit is not saved
// back), drift samples, and last the audit entries in one append, stamped
// with actor and the user.
func writeUnit(u *Unit, actor string, w unitSQL) error {
	if u.User.ID == 0 && u.changesDevices() {
		return fmt.Errorf("%w: user %q", ErrNotFound, u.User.Name) // only audit entries can be kept for no user
	}
	for _, d := range u.added {
		if err := w.insert(d); err != nil {
			return err
		}
	}
	for _, p := range u.pendingAudit {
		u.audits[p.index].DeviceID = p.device.ID
	}
	removed := map[*devices.Device]bool{}
	for _, d := range u.removed {
		removed[d] = true
		if err := w.remove(d); err != nil {
			return err
		}
	}
	for _, d := range u.saved {
		if removed[d] {
			continue
		}
		if err := w.save(d); err != nil {
			return err
		}
	}
	for _, smp := range u.samples {
		if err := w.sample(smp.device, smp.s); err != nil {
			return err
		}
	}
	if len(u.audits) == 0 {
		return nil
	}
	// One append for the unit's entries: the key, the chain head and the
	// next id are read once, not once per entry.
	for i := range u.audits {
		u.audits[i].Actor, u.audits[i].User = actor, u.User.Name
	}
	return w.audit(u.audits)
}
