package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// Hardware tokens on a Django site. A token with an owner is a django-otp
// device of that owner (its metadata in the side file's extras row). A
// token with no owner (imported for nobody, unassigned, retired) waits in
// the side file's inventory, its seed sealed under the master key like in
// the embedded store: Django has nowhere to keep a device without a user,
// and a vendor seed cannot be made again. Inventory rows have ids that are
// multiples of ten, so they never meet the extras rows (Django id times
// ten plus the table's digit, 1 to 4).

const inventoryWhere = " AND d.id % 10 = 0"

func (d *Django) Tokens(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	ds, err := d.tokens(ctx, f, false)
	return ds, err
}

func (d *Django) TokenSecrets(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	return d.tokens(ctx, f, true)
}

func (d *Django) tokens(ctx context.Context, f TokenFilter, secrets bool) ([]*devices.Device, error) {
	var out []*devices.Device
	if !f.Unassigned {
		ds, _, err := d.readDjangoDevices(ctx, d.side.db, "x.hardware = 1")
		if err != nil {
			return nil, d.wrap(err)
		}
		out = ds
	}
	inv, err := queryDevices(ctx, d.side.db, tokenWhere(f)+inventoryWhere)
	if err != nil {
		return nil, d.wrap(err)
	}
	if secrets && len(inv) > 0 {
		seal, err := d.side.latestSealer(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := loadSecrets(ctx, d.side.db, seal, inv, false); err != nil {
			return nil, err
		}
	}
	out = append(out, inv...)
	slices.SortFunc(out, func(a, b *devices.Device) int { return strings.Compare(a.Serial, b.Serial) })
	if !secrets {
		withoutSecrets(out)
	}
	return out, nil
}

// inventoryToken finds a token in the side file's inventory, secret
// decrypted (nil if there is none with that serial).
func (d *Django) inventoryToken(ctx context.Context, tx *sql.Tx, serial string) (*devices.Device, error) {
	ds, err := queryDevices(ctx, tx, "WHERE d.hardware AND d.serial = ?"+inventoryWhere, serial)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	seal, err := d.side.currentSealer(ctx, tx, false)
	if err != nil {
		return nil, err
	}
	_, err = loadSecrets(ctx, tx, seal, ds, false)
	return ds[0], err
}

// assignedToken finds a token that is a Django device, with its row.
func (d *Django) assignedToken(ctx context.Context, tx *sql.Tx, serial string) (*devices.Device, *djangoRow, error) {
	ds, rows, err := d.readDjangoDevices(ctx, tx, "x.hardware = 1 AND x.serial = ?", serial)
	if err != nil || len(ds) == 0 {
		return nil, nil, err
	}
	return ds[0], rows[ds[0]], nil
}

func nextInventoryID(ctx context.Context, tx *sql.Tx) (int64, error) {
	var top int64
	err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM main.devices WHERE id % 10 = 0").Scan(&top)
	return (top/10 + 1) * 10, err
}

// toInventory takes an assigned token from its owner: the Django row goes
// (as two_factor_disable would delete it), the seed and replay state wait
// in the inventory, unconfirmed, its throttling cleared.
func (d *Django) toInventory(ctx context.Context, tx *sql.Tx, r *djangoRow, dev *devices.Device) (int64, error) {
	if err := d.deleteRow(ctx, tx, r, dev); err != nil {
		return 0, err
	}
	seal, err := d.side.currentSealer(ctx, tx, true)
	if err != nil {
		return 0, err
	}
	id, err := nextInventoryID(ctx, tx)
	if err != nil {
		return 0, err
	}
	inv := *dev
	inv.UserID, inv.User, inv.Confirmed, inv.Enabled, inv.Failures, inv.LastFailure, inv.LockedOut = 0, "", false, true, 0, time.Time{}, false
	inv.Name = dev.Serial // its owner's "default" no more; handOutName names it again
	if err := insertDeviceAs(ctx, tx, seal, id, 0, &inv); err != nil {
		return 0, uniqueErr(err, dev)
	}
	return id, nil
}

// fromInventory gives an inventory token to a user as a confirmed
// django-otp device, keeping its replay state, under the name
// handOutName gives it.
func (d *Django) fromInventory(ctx context.Context, tx *sql.Tx, owner User, inv *devices.Device) (*devices.Device, error) {
	if _, err := tx.ExecContext(ctx, "DELETE FROM main.devices WHERE id = ?", inv.ID); err != nil {
		return nil, err
	}
	dev := *inv
	dev.Confirmed, dev.Enabled = true, true
	if err := d.handOutName(ctx, tx, owner, &dev); err != nil {
		return nil, err
	}
	return &dev, d.insertDevice(ctx, tx, owner, &dev)
}

// handOutName names an inventory token that becomes owner's django-otp
// device: `default` when none of owner's devices has that name, so that
// two-factor-auth asks for the token at login (under any other name a
// user's only token would protect nothing, and status would say
// disabled); otherwise its serial, as in the inventory. An import names
// the tokens it hands out in the service (service.djangoTokenNames), since
// a store keeps the names it is given.
func (d *Django) handOutName(ctx context.Context, tx *sql.Tx, owner User, dev *devices.Device) error {
	dev.Name = dev.Serial
	named := *dev
	named.Name = devices.DjangoDefaultName
	err := d.refuseDuplicateName(ctx, tx, owner.ID, &named, 0)
	switch {
	case err == nil:
		dev.Name = devices.DjangoDefaultName
	case !errors.Is(err, ErrExists):
		return err
	}
	return nil
}

func (d *Django) AssignToken(ctx context.Context, actor, serial, user string) error {
	return d.side.write(ctx, func(tx *sql.Tx) error {
		if dev, _, err := d.assignedToken(ctx, tx, serial); err != nil || dev != nil {
			if err == nil {
				err = Conflictf("token %s is assigned to %s already; unassign it first", serial, dev.User)
			}
			return err
		}
		inv, err := d.inventoryToken(ctx, tx, serial)
		switch {
		case err != nil:
			return err
		case inv == nil:
			return &NotFoundError{What: "token", Name: serial}
		case !inv.Retired.IsZero():
			return Conflictf("token %s was retired on %s and cannot be assigned", serial, inv.Retired.Format("2006-01-02"))
		}
		u, err := d.userByName(ctx, tx, user)
		if err != nil {
			return err
		}
		dev, err := d.fromInventory(ctx, tx, u, inv)
		if err != nil {
			return err
		}
		// Audited under the id it now has in Django, which later entries
		// about it (verifications) carry too.
		return d.side.audit(ctx, tx, AuditEntry{Actor: actor, Action: "token.assign", User: u.Name, DeviceID: dev.ID, Device: dev.Name, Outcome: "ok", Detail: "serial " + serial})
	})
}

func (d *Django) UnassignToken(ctx context.Context, actor, serial string) error {
	return d.detachToken(ctx, actor, serial, false)
}

func (d *Django) RetireToken(ctx context.Context, actor, serial string) error {
	return d.detachToken(ctx, actor, serial, true)
}

// detachToken returns an assigned token to the inventory, and with retire
// takes it (assigned or not) out of service for good.
func (d *Django) detachToken(ctx context.Context, actor, serial string, retire bool) error {
	return d.side.write(ctx, func(tx *sql.Tx) error {
		dev, r, err := d.assignedToken(ctx, tx, serial)
		if err != nil {
			return err
		}
		var id int64
		owner := ""
		var handed []AuditEntry
		if dev != nil {
			owner = dev.User
			// The name's one run (AnyShape) goes on with the token's.
			done := map[bool]string{false: "unassigned", true: "retired"}[retire]
			if handed, err = handOverEntries(ctx, tx, owner, []*devices.Device{dev}, func(*devices.Device) string { return AnyShape }, done); err != nil {
				return err
			}
			if id, err = d.toInventory(ctx, tx, r, dev); err != nil {
				return err
			}
		} else {
			inv, err := d.inventoryToken(ctx, tx, serial)
			switch {
			case err != nil:
				return err
			case inv == nil:
				return &NotFoundError{What: "token", Name: serial}
			case !inv.Retired.IsZero() && retire:
				return Conflictf("token %s is retired already", serial)
			case !retire:
				return Conflictf("token %s is not assigned to anyone", serial)
			}
			dev, id = inv, inv.ID
		}
		action := "token.unassign"
		if retire {
			action = "token.retire"
			if _, err := tx.ExecContext(ctx, "UPDATE main.devices SET retired_at = ? WHERE id = ?", d.now().UnixMilli(), id); err != nil {
				return err
			}
		}
		return d.side.auditBatch(ctx, tx, append(byActor(handed, actor), AuditEntry{Actor: actor, Action: action, User: owner, DeviceID: id, Device: dev.Name, Outcome: "ok", Detail: "serial " + serial}))
	})
}

// ImportTokens adds tokens in one transaction, all or nothing: a token
// for a user (with Assign) becomes a confirmed django-otp device of that
// user at once, one for nobody waits in the inventory. Replace overwrites
// an inventory token's seed; a token that is a Django device already is
// replaced by removing the device and importing it again.
func (d *Django) ImportTokens(ctx context.Context, actor string, items []ImportItem, opt ImportOptions) ([]ImportResult, error) {
	results := make([]ImportResult, 0, len(items))
	err := d.side.writeUnlessDryRun(ctx, opt.DryRun, func(tx *sql.Tx) error {
		seal, err := d.side.importSealer(ctx, tx, opt.DryRun)
		if err != nil {
			return err
		}
		var audits []AuditEntry
		for _, it := range items {
			r, audit, err := d.importOne(ctx, tx, seal, actor, it, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", it.Origin, err)
			}
			results = append(results, r)
			if audit != nil {
				audits = append(audits, *audit)
			}
		}
		return d.side.auditBatch(ctx, tx, audits)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func (d *Django) importOne(ctx context.Context, tx *sql.Tx, seal *sealer, actor string, it ImportItem, opt ImportOptions) (ImportResult, *AuditEntry, error) {
	dev := it.Device
	r := ImportResult{Origin: it.Origin, Serial: dev.Serial}
	dev.Enabled = true
	if err := dev.Validate(); err != nil {
		return r, nil, err
	}
	if _, err := d.checkDjangoDevice(dev); err != nil {
		return r, nil, err
	}
	owned := dev.User != "" && opt.Assign
	if dev.Serial == "" {
		return r, nil, errors.New("no serial number: a token needs one (an authenticator seed is enrolled for its user instead)")
	}
	assigned, _, err := d.assignedToken(ctx, tx, dev.Serial)
	if err != nil {
		return r, nil, err
	}
	inv, err := d.inventoryToken(ctx, tx, dev.Serial)
	if err != nil {
		return r, nil, err
	}
	switch {
	case (assigned != nil || inv != nil) && !opt.Replace:
		r.Action, r.Reason = ImportSkipped, "serial already known (use --replace to overwrite)"
		return r, nil, nil
	case assigned != nil:
		return r, nil, unavailable(fmt.Sprintf("replacing token %s, a device of %s (remove the device, then import the token again)", dev.Serial, assigned.User))
	}
	var owner User
	if owned {
		if owner, err = d.importOwner(ctx, tx, actor, dev.User, opt); err != nil {
			return r, nil, err
		}
	}
	r.Action = ImportAdded
	if inv != nil {
		r.Action = ImportReplaced
		replayFloor{lastStep: sql.NullInt64{Int64: inv.LastStep, Valid: inv.LastStep != otpcore.NoFloor}, counter: int64(inv.Counter)}.keep(dev)
		if _, err := tx.ExecContext(ctx, "DELETE FROM main.devices WHERE id = ?", inv.ID); err != nil {
			return r, nil, err
		}
	}
	if owned {
		dev.Confirmed = true
		if err := d.insertDevice(ctx, tx, owner, dev); err != nil {
			return r, nil, err
		}
		r.User = owner.Name
	} else {
		dev.Confirmed = false
		id := int64(0)
		if inv != nil {
			id = inv.ID
		} else if id, err = nextInventoryID(ctx, tx); err != nil {
			return r, nil, err
		}
		if err := insertDeviceAs(ctx, tx, seal, id, 0, dev); err != nil {
			return r, nil, uniqueErr(err, dev)
		}
		dev.ID = id
	}
	return r, &AuditEntry{Actor: actor, Action: "token.import", User: r.User, DeviceID: dev.ID, Device: dev.Name, Outcome: string(r.Action)}, nil
}

func (d *Django) importOwner(ctx context.Context, tx *sql.Tx, actor, name string, opt ImportOptions) (User, error) {
	u, err := d.userByName(ctx, tx, name)
	if !errors.Is(err, ErrNotFound) {
		return u, err
	}
	if !opt.CreateUsers {
		return u, fmt.Errorf("%w (pass --create-users to add it, or --no-assign)", err)
	}
	if u, err = d.insertUser(ctx, tx, name); err != nil {
		return u, err
	}
	return u, d.side.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: u.Name, Outcome: "ok", Detail: "created by import"})
}
