package db

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// djangoUpdateAttempts bounds how often an Update is run again because
// Django changed a row between our read and our write. Each retry means a
// login of the same user committed meanwhile, so a handful is plenty.
const djangoUpdateAttempts = 8

// errDjangoRaced is a conditional write that matched no row: Django (or
// another two-factor) changed it after we read it.
var errDjangoRaced = errors.New("the row changed since it was read")

func (d *Django) Update(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return d.update(ctx, actor, user, failMissing, fn)
}

func (d *Django) UpdateOrCreate(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return d.update(ctx, actor, user, createMissing, fn)
}

func (d *Django) UpdateAnyName(ctx context.Context, actor, user string, fn func(*Unit) error) error {
	return d.update(ctx, actor, user, emptyMissing, fn)
}

// update reads the user's devices, runs fn, and writes what it marked
// with conditional updates; if Django changed a row in between, it starts
// again from a fresh read (so fn runs again on the current state).
func (d *Django) update(ctx context.Context, actor, user string, missing missingUser, fn func(*Unit) error) error {
	var err error
	for range djangoUpdateAttempts {
		if err = d.updateOnce(ctx, actor, user, missing, fn); !errors.Is(err, errDjangoRaced) {
			return err
		}
	}
	return fmt.Errorf("%w: %s: the user's devices kept changing under us (%d attempts): %v", ErrLocked, d.path, djangoUpdateAttempts, err)
}

// djangoUnit is one attempt's read: the unit and the rows as read.
type djangoUnit struct {
	*Unit
	rows   map[*devices.Device]*djangoRow
	create bool // the user does not exist yet and is added on commit
}

func (d *Django) updateOnce(ctx context.Context, actor, user string, missing missingUser, fn func(*Unit) error) error {
	settings, err := d.Settings(ctx)
	if err != nil {
		return err
	}
	q := d.side.db
	du := &djangoUnit{rows: map[*devices.Device]*djangoRow{}}
	u, err := d.userByName(ctx, q, user)
	switch {
	case errors.Is(err, ErrNotFound) && missing == emptyMissing:
		// As given: the site found no user by this exact name, and its
		// run must not be the run of one it would find.
		u, err = User{Name: auditNameAsGiven(user)}, nil
	case errors.Is(err, ErrNotFound) && missing == createMissing:
		u, err = User{Name: user}, d.checkNewUser(user)
		du.create = true
	}
	if err != nil {
		return err
	}
	// For an unknown name too (user id 0): the same queries, finding
	// nothing, so that timing tells no more than the answer does.
	ds, rows, err := d.readDjangoDevices(ctx, q, "t.user_id = ?", u.ID)
	if err != nil {
		return d.wrap(err)
	}
	du.rows = rows
	du.Unit = &Unit{User: u, Devices: ds, Settings: settings, loaded: snapshotSecrets(ds)}
	// Read (when asked for) outside the write like the devices; apply
	// checks that a run counted on is still the latest, as the devices'
	// conditional writes do for theirs.
	du.Unit.runOf = func(shape string) (NamelessRun, error) {
		run, err := namelessRun(ctx, q, u.Name, shape)
		return run, d.wrap(err)
	}
	defer du.forgetLoaded()
	if err := fn(du.Unit); err != nil {
		return err
	}
	if u := du.Unit; !du.create && !u.changesDevices() && len(u.audits) == 0 {
		return nil // nothing to write: Django's logins need not wait for our lock
	}
	restore := rememberIDs(du.Unit)
	err = d.side.write(ctx, func(tx *sql.Tx) error { return d.apply(ctx, tx, actor, du) })
	if err != nil {
		restore()
	}
	return err
}

// rememberIDs notes the ids a write gives the unit's new devices and
// static tokens and returns what puts them back: after a rollback (above
// all a retry, whose fn may add the same device values again) nothing may
// look stored that is not.
func rememberIDs(u *Unit) (restore func()) {
	type ids struct {
		dev        *devices.Device
		id, userID int64
		user       string
		codes      []int64
	}
	var saved []ids
	for _, d := range slices.Concat(u.added, u.saved) {
		r := ids{dev: d, id: d.ID, userID: d.UserID, user: d.User}
		for _, c := range d.Codes {
			r.codes = append(r.codes, c.ID)
		}
		saved = append(saved, r)
	}
	return func() {
		for _, r := range saved {
			r.dev.ID, r.dev.UserID, r.dev.User = r.id, r.userID, r.user
			for i := range min(len(r.codes), len(r.dev.Codes)) {
				r.dev.Codes[i].ID = r.codes[i]
			}
		}
	}
}

// apply writes a unit in the side file's write transaction, which holds
// both files' write locks.
func (d *Django) apply(ctx context.Context, tx *sql.Tx, actor string, du *djangoUnit) error {
	u := du.Unit
	if err := d.claimUser(ctx, tx, actor, du); err != nil {
		return err
	}
	if err := runsUnchanged(ctx, tx, u); err != nil {
		return err
	}
	return writeUnit(u, actor, unitSQL{
		insert: func(dev *devices.Device) error { return d.insertDevice(ctx, tx, u.User, dev) },
		remove: func(dev *devices.Device) error { return d.deleteDevice(ctx, tx, du.rows[dev], dev) },
		save:   func(dev *devices.Device) error { return d.saveDevice(ctx, tx, u.User, du.rows[dev], dev) },
		sample: func(dev *devices.Device, smp devices.DriftSample) error {
			if err := d.ensureExtras(ctx, tx, dev); err != nil {
				return err
			}
			return addDriftSample(ctx, tx, dev.ID, smp)
		},
		audit: func(entries []AuditEntry) error { return d.side.auditBatch(ctx, tx, entries) },
	})
}

// claimUser makes sure the unit's user is there at commit: still the
// same row for an existing one (a user deleted or renamed in Django's
// admin meanwhile sends the update round again), inserted for a new one.
func (d *Django) claimUser(ctx context.Context, tx *sql.Tx, actor string, du *djangoUnit) error {
	u := &du.Unit.User
	if du.create {
		nu, err := d.insertUser(ctx, tx, u.Name)
		if errors.Is(err, ErrExists) {
			return errDjangoRaced // added by Django meanwhile: use that user
		}
		if err != nil {
			return err
		}
		*u = nu
		for _, dev := range du.Unit.Devices {
			dev.UserID = u.ID
		}
		return d.side.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: u.Name, Outcome: "ok"})
	}
	if u.ID == 0 {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+d.schema.userTable+" WHERE id = ? AND username = ?", u.ID, u.Name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errDjangoRaced
	}
	return err
}

// checkDjangoDevice refuses what a Django table cannot hold or django-otp
// would not load, in a device to insert.
func (d *Django) checkDjangoDevice(dev *devices.Device) (*djangoTable, error) {
	return d.checkDjangoChange(dev, nil)
}

// checkDjangoChange is checkDjangoDevice for a device saved over its row
// as read (asRead; nil for a new row): a value the row already held is
// not refused, whatever the limit, since Django wrote it or its ORM let
// it in (a 41-byte key, a drift its verify_token followed past the
// column's range) and Django goes on using it; only what we change must
// fit.
func (d *Django) checkDjangoChange(dev, asRead *devices.Device) (*djangoTable, error) {
	kept := func(same func(r *devices.Device) bool) bool { return asRead != nil && same(asRead) }
	if dev.Kind == devices.Phone {
		return nil, unavailable("phone devices belong to django-two-factor-auth and cannot be written here")
	}
	t := d.schema.table(dev.Kind)
	if t == nil {
		return nil, unavailable(fmt.Sprintf("%s devices (the site has no %s table: add %s to INSTALLED_APPS and migrate)",
			dev.Kind, map[devices.Kind]string{devices.HOTP: "otp_hotp_hotpdevice", devices.Backup: "otp_static_staticdevice"}[dev.Kind],
			map[devices.Kind]string{devices.HOTP: "django_otp.plugins.otp_hotp", devices.Backup: "django_otp.plugins.otp_static"}[dev.Kind]))
	}
	switch {
	case !dev.Enabled:
		return nil, unavailable("disabling a device (django-otp has no such state; remove the device instead)")
	case dev.LockedOut:
		return nil, unavailable("a hard lockout (django-otp only throttles)")
	case !dev.Retired.IsZero():
		return nil, unavailable("retiring a token")
	case utf8.RuneCountInString(dev.Name) > 64 && !kept(func(r *devices.Device) bool { return r.Name == dev.Name }):
		return nil, unavailable("device names longer than 64 characters")
	}
	if dev.Kind == devices.Backup {
		for _, c := range dev.Codes {
			if c.ID == 0 && c.Plain == "" {
				return nil, unavailable("hashed backup codes (django-otp keeps static tokens in plain text; generate them under django-otp rules)")
			}
			if c.ID == 0 && utf8.RuneCountInString(c.Plain) > 16 {
				return nil, unavailable("static tokens longer than 16 characters")
			}
		}
		return t, nil
	}
	switch {
	case dev.Algorithm != otpcore.SHA1:
		return nil, unavailable(fmt.Sprintf("the %v algorithm (django-otp only has SHA-1)", dev.Algorithm))
	case dev.Digits != 6 && dev.Digits != 8 && !kept(func(r *devices.Device) bool { return r.Digits == dev.Digits }):
		return nil, unavailable(fmt.Sprintf("%d-digit codes (django-otp's forms only know 6 and 8)", dev.Digits))
	case (len(dev.Secret) == 0 || len(dev.Secret) > 40) && !kept(func(r *devices.Device) bool { return bytes.Equal(r.Secret, dev.Secret) }):
		return nil, unavailable(fmt.Sprintf("a %d-byte key (django-otp keys are 1 to 40 bytes)", len(dev.Secret)))
	case (dev.Tolerance < 0 || dev.Tolerance > 32767) && !kept(func(r *devices.Device) bool { return r.Tolerance == dev.Tolerance }):
		return nil, unavailable(fmt.Sprintf("tolerance %d", dev.Tolerance))
	case dev.Kind == devices.TOTP && (dev.Step < 1 || dev.Step > 32767) && !kept(func(r *devices.Device) bool { return r.Step == dev.Step }):
		return nil, unavailable(fmt.Sprintf("a %d-second step (Django's column holds 1 to 32767)", dev.Step))
	case dev.Kind == devices.TOTP && (dev.Drift < -32768 || dev.Drift > 32767) && !kept(func(r *devices.Device) bool { return r.Drift == dev.Drift }):
		return nil, unavailable(fmt.Sprintf("a drift of %d steps (Django's column holds -32768 to 32767)", dev.Drift))
	case dev.Kind == devices.HOTP && dev.Counter > otpcore.MaxCounter:
		return nil, unavailable(fmt.Sprintf("counter %d", dev.Counter))
	}
	return t, nil
}

// refuseDuplicateName keeps device names unique per user, as the embedded
// store does (Django itself does not insist).
func (d *Django) refuseDuplicateName(ctx context.Context, tx *sql.Tx, userID int64, dev *devices.Device, selfID int64) error {
	for _, t := range d.schema.present() {
		var id int64
		err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT id * 10 + %d FROM dj.%s WHERE user_id = ? AND name = ? AND id * 10 + %d != ? LIMIT 1", t.digit, t.name, t.digit),
			userID, dev.Name, selfID).Scan(&id)
		if err == nil {
			return fmt.Errorf("the user already has a device named %q: %w", dev.Name, ErrExists)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// insertDevice adds a device with every NOT NULL column supplied (Django
// has no SQL defaults).
func (d *Django) insertDevice(ctx context.Context, tx *sql.Tx, owner User, dev *devices.Device) error {
	t, err := d.checkDjangoDevice(dev)
	if err != nil {
		return err
	}
	if err := d.refuseDuplicateName(ctx, tx, owner.ID, dev, 0); err != nil {
		return err
	}
	vals := djangoValues(t, dev)
	vals["user_id"] = owner.ID
	if t.stamps {
		created := dev.Created
		if created.IsZero() {
			created = d.now()
		}
		vals["created_at"] = djangoTime(created)
	}
	cols := slices.Sorted(maps.Keys(vals))
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = vals[c]
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO dj.%s (%s) VALUES (?%s)", t.name, strings.Join(cols, ", "), strings.Repeat(", ?", len(cols)-1)), args...)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	dev.ID, dev.UserID, dev.User = id*10+t.digit, owner.ID, owner.Name
	if t.kind == devices.Backup {
		if err := insertStaticTokens(ctx, tx, id, dev.Codes); err != nil {
			return err
		}
	}
	if needsExtras(t, dev) {
		return d.writeExtras(ctx, tx, t, dev)
	}
	return nil
}

func insertStaticTokens(ctx context.Context, tx *sql.Tx, deviceID int64, codes []devices.BackupCode) error {
	for i := range codes {
		if codes[i].ID != 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO dj.otp_static_statictoken (token, device_id) VALUES (?, ?)", codes[i].Plain, deviceID)
		if err != nil {
			return err
		}
		if codes[i].ID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return nil
}

// saveDevice writes what changed in dev, on condition that its row is
// still exactly as read.
func (d *Django) saveDevice(ctx context.Context, tx *sql.Tx, owner User, r *djangoRow, dev *devices.Device) error {
	if r == nil {
		return fmt.Errorf("device %d was not read in this update", dev.ID)
	}
	t := r.table
	newVals, oldVals := djangoValues(t, dev), djangoValues(t, &r.orig)
	// The last line of defence for the replay state, as in the embedded
	// store: the TOTP floor and HOTP next counter never go down, whatever
	// a unit saves.
	for _, c := range []string{"last_t", "counter"} {
		if n, ok := newVals[c].(int64); ok && n < oldVals[c].(int64) {
			newVals[c] = oldVals[c]
		}
	}
	var set []string
	var args []any
	for _, c := range slices.Sorted(maps.Keys(newVals)) {
		if newVals[c] != oldVals[c] {
			set = append(set, c+" = ?")
			args = append(args, newVals[c])
		}
	}
	if len(set) > 0 || codesChanged(dev.Codes, r.orig.Codes) || !dev.Enabled || dev.LockedOut || !dev.Retired.IsZero() ||
		dev.Algorithm != r.orig.Algorithm {
		if _, err := d.checkDjangoChange(dev, &r.orig); err != nil {
			return err
		}
	}
	if dev.Name != r.orig.Name {
		if err := d.refuseDuplicateName(ctx, tx, owner.ID, dev, dev.ID); err != nil {
			return err
		}
	}
	if len(set) == 0 {
		set = []string{"id = id"} // still insist the row is as read
	}
	where, whereArgs := r.unchanged()
	res, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE dj.%s SET %s WHERE %s", t.name, strings.Join(set, ", "), where), append(args, whereArgs...)...)
	if err := oneRow(res, err); err != nil {
		return err
	}
	if t.kind == devices.Backup {
		if err := saveStaticTokens(ctx, tx, r, dev); err != nil {
			return err
		}
	}
	if r.extras || needsExtras(t, dev) {
		return d.writeExtras(ctx, tx, t, dev)
	}
	return nil
}

// unchanged is the condition that the row still holds what was read.
func (r *djangoRow) unchanged() (string, []any) {
	cond := []string{"id = ?"}
	args := []any{r.id}
	for _, c := range slices.Sorted(maps.Keys(r.values)) {
		cond = append(cond, c+" IS ?")
		args = append(args, r.values[c])
	}
	return strings.Join(cond, " AND "), args
}

// oneRow turns a conditional write that matched nothing into a retry.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errDjangoRaced
	}
	return nil
}

// saveStaticTokens deletes the tokens read that the device no longer has
// (consumed, or replaced by a regeneration), each checked to be still
// there, and inserts the new ones.
func saveStaticTokens(ctx context.Context, tx *sql.Tx, r *djangoRow, dev *devices.Device) error {
	keep := map[int64]bool{}
	for _, c := range dev.Codes {
		if c.ID != 0 {
			if !slices.Contains(r.tokens, c.ID) {
				return fmt.Errorf("static token %d does not belong to device %d", c.ID, dev.ID)
			}
			keep[c.ID] = true
		}
	}
	for _, id := range r.tokens {
		if keep[id] {
			continue
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM dj.otp_static_statictoken WHERE id = ? AND device_id = ?", id, r.id)
		if err := oneRow(res, err); err != nil {
			return err
		}
	}
	return insertStaticTokens(ctx, tx, r.id, dev.Codes)
}

// deleteDevice removes a device; a hardware token goes back to the
// inventory (its vendor seed cannot be made again), as in the embedded
// store.
func (d *Django) deleteDevice(ctx context.Context, tx *sql.Tx, r *djangoRow, dev *devices.Device) error {
	if r == nil {
		return fmt.Errorf("device %d was not read in this update", dev.ID)
	}
	if dev.Hardware && r.table.kind.IsOTP() {
		_, err := d.toInventory(ctx, tx, r, dev)
		return err
	}
	return d.deleteRow(ctx, tx, r, dev)
}

// deleteRow removes a device row (a static device's tokens first, the
// foreign key being checked at commit) on condition that it is still as
// read, with its extras and drift history.
func (d *Django) deleteRow(ctx context.Context, tx *sql.Tx, r *djangoRow, dev *devices.Device) error {
	if r.table.kind == devices.Backup {
		if _, err := tx.ExecContext(ctx, "DELETE FROM dj.otp_static_statictoken WHERE device_id = ?", r.id); err != nil {
			return err
		}
	}
	where, args := r.unchanged()
	res, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM dj.%s WHERE %s", r.table.name, where), args...)
	if err := oneRow(res, err); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM main.devices WHERE id = ?", dev.ID)
	return err
}

// needsExtras says whether dev has anything only the side file can keep.
func needsExtras(t *djangoTable, dev *devices.Device) bool {
	return dev.Hardware || dev.Serial != "" || dev.Model != "" || dev.Manufacturer != "" || dev.SeedSource != "" ||
		(!t.stamps && !dev.LastUsed.IsZero())
}

// writeExtras stores dev's side record under its id: hardware metadata,
// and its last use where Django has no column for it.
func (d *Django) writeExtras(ctx context.Context, tx *sql.Tx, t *djangoTable, dev *devices.Device) error {
	used := toMillis(dev.LastUsed)
	if t.stamps {
		used = sql.NullInt64{}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO main.devices(id, user_id, name, kind, hardware, serial, model, manufacturer, seed_source, created_at, last_used_at)
		VALUES (?, NULL, '', ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET hardware = excluded.hardware, serial = excluded.serial, model = excluded.model,
			manufacturer = excluded.manufacturer, seed_source = excluded.seed_source, last_used_at = excluded.last_used_at`,
		dev.ID, string(t.kind), dev.Hardware, nullString(dev.Serial), dev.Model, dev.Manufacturer, string(dev.SeedSource), d.now().UnixMilli(), used)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return uniqueErr(err, dev)
	}
	return err
}

// ensureExtras gives a device the side row its drift samples hang on.
func (d *Django) ensureExtras(ctx context.Context, tx *sql.Tx, dev *devices.Device) error {
	t, _ := d.schema.tableOf(dev.ID)
	if t == nil || t.kind == devices.Phone {
		return fmt.Errorf("device %d is not a Django TOTP/HOTP/static device", dev.ID)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO main.devices(id, user_id, name, kind, created_at) VALUES (?, NULL, '', ?, ?) ON CONFLICT(id) DO NOTHING`,
		dev.ID, string(t.kind), d.now().UnixMilli())
	return err
}

func codesChanged(now, read []devices.BackupCode) bool {
	return !slices.EqualFunc(now, read, func(a, b devices.BackupCode) bool { return a.ID == b.ID && a.Plain == b.Plain })
}

// runsUnchanged sends the update round again (errDjangoRaced) when a run
// of failures the unit counts a failure on gained an entry since it was
// read outside the write lock: two wrong codes for an unknown name at
// the same moment then count twice and the second is throttled, exactly
// as two for a real device do (its conditional write fails the same way).
func runsUnchanged(ctx context.Context, tx *sql.Tx, u *Unit) error {
	for _, e := range u.audits {
		if e.Action != namelessAction || e.DeviceID != 0 || e.Outcome != namelessOutcome {
			continue
		}
		read, ok := u.runsRead[e.Device]
		if !ok {
			continue
		}
		now, err := namelessRun(ctx, tx, u.User.Name, e.Device)
		if err != nil {
			return err
		}
		if now.id != read {
			return errDjangoRaced
		}
	}
	return nil
}
