package db

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/two-factor/two-factor/devices"
)

// userByName finds a user by the exact, case-sensitive user name, as
// Django's get_by_natural_key does: no look-alike folding on a Django site.
func (d *Django) userByName(ctx context.Context, q querier, name string) (User, error) {
	joined := "NULL"
	if d.schema.isDefault {
		joined = "CAST(date_joined AS TEXT)"
	}
	var u User
	var at sql.NullString
	err := q.QueryRowContext(ctx, "SELECT id, username, "+joined+" FROM "+d.schema.userTable+" WHERE username = ?", name).Scan(&u.ID, &u.Name, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, &NotFoundError{What: "user", Name: name}
	}
	if err != nil {
		return User{}, d.wrap(err)
	}
	if at.Valid {
		u.Created, _ = parseDjangoTime(at.String)
	}
	return u, nil
}

// checkNewUser refuses a name Django's auth_user cannot take from us.
func (d *Django) checkNewUser(name string) error {
	if !d.schema.isDefault {
		return unavailable("adding users to a custom user model's table; add them in Django")
	}
	if err := devices.ValidateName("user name", name); err != nil {
		return err
	}
	if utf8.RuneCountInString(name) > 150 {
		return fmt.Errorf("user name is longer than Django's 150 characters")
	}
	if !djangoUsername.MatchString(name) {
		return fmt.Errorf("user name %q is not one Django accepts: letters, digits and @ . + - _ only", name)
	}
	if n := norm.NFKC.String(name); n != name {
		return fmt.Errorf("user name %q is not as Django stores names (NFKC-normalised): use %q", name, n)
	}
	return nil
}

// djangoUsername is Django's UnicodeUsernameValidator (Python's Unicode \w
// and @.+-).
var djangoUsername = regexp.MustCompile(`^[\p{L}\p{N}\p{M}_.@+-]+$`)

// unusablePassword is Django's make_password(None): "!" and 40 random
// letters and digits (UNUSABLE_PASSWORD_PREFIX and _SUFFIX_LENGTH), so the
// new user cannot sign in with a password until an admin sets one.
func unusablePassword() (string, error) {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	out := make([]byte, 0, 41)
	out = append(out, '!')
	var buf [64]byte
	for len(out) < 41 {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < 4*len(letters) && len(out) < 41 { // 248: no modulo bias
				out = append(out, letters[int(b)%len(letters)])
			}
		}
	}
	return string(out), nil
}

// insertUser adds an auth_user row with every NOT NULL column supplied.
func (d *Django) insertUser(ctx context.Context, tx *sql.Tx, name string) (User, error) {
	if err := d.checkNewUser(name); err != nil {
		return User{}, err
	}
	pw, err := unusablePassword()
	if err != nil {
		return User{}, err
	}
	now := d.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO dj."auth_user" (password, last_login, is_superuser, username, first_name, last_name,
		email, is_staff, is_active, date_joined) VALUES (?, NULL, 0, ?, '', '', '', 0, 1, ?)`, pw, name, djangoTime(now))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return User{}, fmt.Errorf("user %q %w", name, ErrExists)
		}
		return User{}, err
	}
	id, err := res.LastInsertId()
	return User{ID: id, Name: name, Created: now}, err
}

func (d *Django) AddUser(ctx context.Context, actor, name string) (User, error) {
	if err := d.checkNewUser(name); err != nil {
		return User{}, err
	}
	var u User
	err := d.side.write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = d.insertUser(ctx, tx, name); err != nil {
			return err
		}
		return d.side.audit(ctx, tx, AuditEntry{Actor: actor, Action: "user.add", User: u.Name, Outcome: "ok"})
	})
	return u, err
}

func (d *Django) RemoveUser(ctx context.Context, actor, name string) error {
	if _, err := d.userByName(ctx, d.side.db, name); err != nil {
		return err
	}
	return unavailable("removing a user (delete users in Django's admin; `disable` removes their devices)")
}

// djangoDevicesSQL is every device of every present table as one relation
// for the user list: owner, name, confirmed, failures, latest failure and
// last use in Unix ms, and unused static tokens.
func (d *Django) djangoDevicesSQL() string {
	ms := func(expr string) string {
		return "CAST(round((julianday(" + expr + ") - 2440587.5) * 86400000) AS INTEGER)"
	}
	var parts []string
	for _, t := range d.schema.present() {
		used := fmt.Sprintf("(SELECT x.last_used_at FROM main.devices x WHERE x.id = t.id * 10 + %d)", t.digit)
		if t.stamps {
			used = ms("t.last_used_at")
		}
		tokens := "0"
		if t.kind == devices.Backup {
			tokens = "(SELECT count(*) FROM dj.otp_static_statictoken s WHERE s.device_id = t.id)"
		}
		parts = append(parts, fmt.Sprintf("SELECT t.user_id, t.name, t.confirmed, t.throttling_failure_count, %s, %s, %s FROM dj.%s t",
			ms("t.throttling_failure_timestamp"), used, tokens, t.name))
	}
	return "devs(user_id, name, confirmed, failures, failed_at, used_at, tokens) AS (" + strings.Join(parts, " UNION ALL ") + ")"
}

// Users lists every user of the site. Active counts the user's confirmed
// devices named "default": two-factor-auth's default_device, so Enabled
// means what `manage.py two_factor_status` says.
func (d *Django) Users(ctx context.Context) ([]UserSummary, error) {
	joined := "NULL"
	if d.schema.isDefault {
		joined = "CAST(round((julianday(u.date_joined) - 2440587.5) * 86400000) AS INTEGER)"
	}
	q := "WITH " + d.djangoDevicesSQL() + `
SELECT u.id, ` + shownUserName("u.username") + `, ` + joined + `, 0, count(d.user_id),
	coalesce(sum(d.confirmed AND d.name = '` + devices.DjangoDefaultName + `'), 0), coalesce(sum(d.tokens), 0), 0,
	coalesce(max(d.failures), 0), max(d.failed_at), max(d.used_at)
FROM ` + d.schema.userTable + ` u LEFT JOIN devs d ON d.user_id = u.id
GROUP BY u.id ORDER BY u.username`
	rows, err := d.side.db.QueryContext(ctx, q)
	if err != nil {
		return nil, d.wrap(err)
	}
	out, err := scanUserSummaries(rows, 0)
	return out, d.wrap(err)
}

// enabledSQL is two-factor-auth's default_device: a confirmed device named
// "default" of any type.
func (d *Django) enabledSQL() string {
	var parts []string
	for _, t := range d.schema.present() {
		parts = append(parts, fmt.Sprintf("EXISTS (SELECT 1 FROM dj.%s t WHERE t.user_id = u.id AND t.confirmed AND t.name = '%s')", t.name, devices.DjangoDefaultName))
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func (d *Django) Statuses(ctx context.Context, names []string) ([]UserStatus, error) {
	q := "SELECT u.username, " + d.enabledSQL() + " FROM " + d.schema.userTable + " u"
	if len(names) == 0 {
		all := "SELECT " + shownUserName("u.username") + ", " + d.enabledSQL() + " FROM " + d.schema.userTable + " u"
		rows, err := d.side.db.QueryContext(ctx, all+" ORDER BY u.username")
		if err != nil {
			return nil, d.wrap(err)
		}
		out, err := scanStatuses(rows)
		return out, d.wrap(err)
	}
	stmt, err := d.side.db.PrepareContext(ctx, q+" WHERE u.username = ?")
	if err != nil {
		return nil, d.wrap(err)
	}
	defer stmt.Close()
	// Exact, case-sensitive names: Django's get_by_natural_key.
	out, err := namedStatuses(ctx, stmt, names, func(n string) []any { return []any{n} })
	return out, d.wrap(err)
}

// Devices lists a user's devices without their keys or static tokens
// (a static device's Codes only say how many are left).
func (d *Django) Devices(ctx context.Context, user string) ([]*devices.Device, error) {
	u, err := d.userByName(ctx, d.side.db, user)
	if err != nil {
		return nil, err
	}
	ds, _, err := d.readDjangoDevices(ctx, d.side.db, "t.user_id = ?", u.ID)
	if err != nil {
		return nil, d.wrap(err)
	}
	return withoutSecrets(ds), nil
}

func withoutSecrets(ds []*devices.Device) []*devices.Device {
	for _, dev := range ds {
		clear(dev.Secret)
		dev.Secret = nil
		if dev.Kind == devices.Backup {
			dev.Codes = make([]devices.BackupCode, len(dev.Codes))
		}
	}
	return ds
}

// DisableUsers does what two-factor-auth's two_factor_disable does to each
// user (removes every CONFIRMED device of every type, static tokens and
// phone devices included; unconfirmed ones stay), but all or nothing: an
// unknown name changes nothing, where Django's command would already have
// disabled the users named before it.
func (d *Django) DisableUsers(ctx context.Context, actor string, names []string) ([]int, error) {
	return d.side.disableUsers(ctx, actor, names, d.userByName, d.handOverRunsOf, d.removeConfirmed)
}

// handOverRunsOf returns the entries that make the runs of failures of a
// user's confirmed devices (those removeConfirmed takes) the name's one
// run (a Django site's name has one for every shape, see AnyShape).
func (d *Django) handOverRunsOf(ctx context.Context, tx *sql.Tx, u User, done string) ([]AuditEntry, error) {
	ds, _, err := d.readDjangoDevices(ctx, tx, "t.user_id = ? AND t.confirmed", u.ID)
	if err != nil {
		return nil, err
	}
	// Phone devices are the site's to verify: their failures are not
	// codes of ours.
	ds = slices.DeleteFunc(ds, func(dev *devices.Device) bool { return dev.Kind == devices.Phone })
	return handOverEntries(ctx, tx, u.Name, ds, func(*devices.Device) string { return AnyShape }, done)
}

func (d *Django) removeConfirmed(ctx context.Context, tx *sql.Tx, userID int64) (int64, error) {
	// Hardware tokens go back to the inventory, their seeds kept.
	tokens, rows, err := d.readDjangoDevices(ctx, tx, "t.user_id = ? AND t.confirmed AND x.hardware = 1", userID)
	if err != nil {
		return 0, err
	}
	for _, dev := range tokens {
		if _, err := d.toInventory(ctx, tx, rows[dev], dev); err != nil {
			return 0, err
		}
	}
	total := int64(len(tokens))
	for _, t := range d.schema.present() {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM main.devices WHERE id IN (SELECT id * 10 + %d FROM dj.%s WHERE user_id = ? AND confirmed)", t.digit, t.name), userID); err != nil {
			return 0, err
		}
		if t.kind == devices.Backup {
			if _, err := tx.ExecContext(ctx, "DELETE FROM dj.otp_static_statictoken WHERE device_id IN (SELECT id FROM dj.otp_static_staticdevice WHERE user_id = ? AND confirmed)", userID); err != nil {
				return 0, err
			}
		}
		res, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM dj.%s WHERE user_id = ? AND confirmed", t.name), userID)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// TOTPTokens lists every TOTP device with its drift history.
func (d *Django) TOTPTokens(ctx context.Context, hardwareOnly bool) ([]TokenRow, error) {
	t := d.schema.table(devices.TOTP)
	where := "1"
	if hardwareOnly {
		where = "x.hardware = 1"
	}
	ds, err := d.readTable(ctx, d.side.db, t, where, nil, map[*devices.Device]*djangoRow{})
	if err != nil {
		return nil, d.wrap(err)
	}
	samples, err := d.allDriftSamples(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TokenRow, len(ds))
	for i, dev := range withoutSecrets(ds) {
		out[i] = TokenRow{Device: dev, Samples: samples[dev.ID]}
	}
	return out, nil
}

func (d *Django) allDriftSamples(ctx context.Context) (map[int64][]devices.DriftSample, error) {
	rows, err := d.side.db.QueryContext(ctx, "SELECT device_id, at, drift FROM main.drift_samples ORDER BY device_id, at")
	if err != nil {
		return nil, d.wrap(err)
	}
	defer rows.Close()
	out := map[int64][]devices.DriftSample{}
	for rows.Next() {
		var id int64
		var at sql.NullInt64
		var s devices.DriftSample
		if err := rows.Scan(&id, &at, &s.Drift); err != nil {
			return nil, err
		}
		s.At = fromMillis(at)
		out[id] = append(out[id], s)
	}
	return out, rows.Err()
}

// BlockedNamelessRuns lists the names' runs that refuse codes now; they
// are kept in the side file.
func (d *Django) BlockedNamelessRuns(ctx context.Context, factor int, now time.Time) ([]BlockedDevice, error) {
	return d.side.BlockedNamelessRuns(ctx, factor, now)
}

func (d *Django) BlockedDevices(ctx context.Context, factor int, now time.Time, names []string) ([]BlockedDevice, error) {
	if factor <= 0 {
		return nil, nil
	}
	where := "t.throttling_failure_count > 0 AND t.throttling_failure_timestamp IS NOT NULL"
	var args []any
	if len(names) > 0 {
		where += " AND u.username IN (?" + strings.Repeat(", ?", len(names)-1) + ")"
		for _, n := range names {
			args = append(args, n)
		}
	}
	ds, _, err := d.readDjangoDevices(ctx, d.side.db, where, args...)
	if err != nil {
		return nil, d.wrap(err)
	}
	var out []BlockedDevice
	for _, dev := range withoutSecrets(ds) {
		until := dev.LastFailure.Add(devices.ThrottleDelay(factor, dev.Failures))
		if until.After(now) {
			// django-otp tries every device with any code: one shape.
			out = append(out, BlockedDevice{User: dev.User, DeviceID: dev.ID, Device: dev.Name, Shape: AnyShape, Until: until})
		}
	}
	slices.SortFunc(out, func(a, b BlockedDevice) int {
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return cmp.Compare(a.DeviceID, b.DeviceID)
	})
	return out, nil
}
