package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// djangoRow is a device row as read, kept for the conditional update
// that saves it: the write succeeds only if the row still holds exactly
// these values.
type djangoRow struct {
	table  *djangoTable
	id     int64          // Django's id
	values map[string]any // raw, as stored (datetimes as their text)
	tokens []int64        // static devices: the token ids read
	orig   devices.Device // the device as read, to see what a save changes
	extras bool           // the side file has an extras row for it
}

// djangoDatetimes are the datetime columns, read as their stored text (the
// driver would otherwise turn them into time.Time and back into another
// text, and a comparison with the stored value would never match).
var djangoDatetimes = map[string]bool{"throttling_failure_timestamp": true, "created_at": true, "last_used_at": true}

const extrasColumns = `x.id IS NOT NULL, coalesce(x.hardware, 0), coalesce(x.serial, ''), coalesce(x.model, ''),
	coalesce(x.manufacturer, ''), coalesce(x.seed_source, ''), x.last_used_at`

// readDjangoDevices reads the devices of every present table matching
// where (on the table's alias t), with their owners' names and their side
// extras, ordered by our id. Secrets are decoded.
func (d *Django) readDjangoDevices(ctx context.Context, q querier, where string, args ...any) ([]*devices.Device, map[*devices.Device]*djangoRow, error) {
	var out []*devices.Device
	rows := map[*devices.Device]*djangoRow{}
	for _, t := range d.schema.present() {
		ds, err := d.readTable(ctx, q, t, where, args, rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ds...)
	}
	slices.SortFunc(out, func(a, b *devices.Device) int { return cmp.Compare(a.ID, b.ID) })
	return out, rows, nil
}

func (d *Django) readTable(ctx context.Context, q querier, t *djangoTable, where string, args []any, into map[*devices.Device]*djangoRow) ([]*devices.Device, error) {
	cols := t.columns()
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "t." + c
		if djangoDatetimes[c] {
			sel[i] = "CAST(t." + c + " AS TEXT)"
		}
		sel[i] = boundedColumn(sel[i])
	}
	query := fmt.Sprintf("SELECT t.id, t.user_id, %s, %s, %s FROM dj.%s t JOIN %s u ON u.id = t.user_id LEFT JOIN main.devices x ON x.id = t.id * 10 + %d WHERE %s",
		shownUserName("u.username"), strings.Join(sel, ", "), extrasColumns, t.name, d.schema.userTable, t.digit, where)
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*devices.Device
	for rs.Next() {
		r := &djangoRow{table: t, values: map[string]any{}}
		var (
			userID                             int64
			user, serial, model, maker, source string
			hardware                           bool
			sideUsed                           sql.NullInt64
		)
		raw := make([]any, len(cols))
		dest := []any{&r.id, &userID, &user}
		for i := range raw {
			dest = append(dest, &raw[i])
		}
		dest = append(dest, &r.extras, &hardware, &serial, &model, &maker, &source, &sideUsed)
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
		for i, c := range cols {
			if tooLong(raw[i]) {
				return nil, fmt.Errorf("%s row %d: column %s holds more than %d characters, far more than Django's column does", t.name, r.id, c, maxSiteColumnChars)
			}
			r.values[c] = raw[i]
		}
		dev, err := djangoDevice(r)
		if err != nil {
			return nil, fmt.Errorf("%s row %d: %w", t.name, r.id, err)
		}
		dev.UserID, dev.User = userID, user
		if r.extras {
			dev.Hardware, dev.Serial, dev.Model, dev.Manufacturer = hardware, serial, model, maker
			dev.SeedSource = devices.SeedSource(source)
		}
		if !t.stamps {
			dev.LastUsed = fromMillis(sideUsed)
		}
		r.orig = *dev
		into[dev] = r
		out = append(out, dev)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	rs.Close()
	if t.kind == devices.Backup {
		for _, dev := range out {
			if err := readStaticTokens(ctx, q, dev, into[dev]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Bounds on reading the site's rows, which are outside input: Django's
// forms keep every column far below these (a user name 150 characters, a
// device name 64, a key 80, a static token 16; two-factor-auth makes ten
// tokens), but its ORM and a database shell store whatever they are given.
const (
	maxSiteColumnChars = 1024 // a device row's value; more is refused
	maxShownUserChars  = 256  // a user name as listed; more is cut and marked
	// maxStaticTokenChars: a longer token is read cut at one character
	// more, which still never equals a code (at most 256 characters).
	maxStaticTokenChars = 257
	maxStaticTokens     = 1000 // per device; more is refused
)

// boundedColumn reads at most one character (or byte) more than
// maxSiteColumnChars of a text or blob value, so tooLong can tell.
func boundedColumn(expr string) string {
	return fmt.Sprintf("CASE WHEN typeof(%[1]s) IN ('text', 'blob') THEN substr(%[1]s, 1, %[2]d) ELSE %[1]s END", expr, maxSiteColumnChars+1)
}

// tooLong reports a value read through boundedColumn that was cut.
func tooLong(v any) bool {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x) > maxSiteColumnChars
	case []byte:
		return len(x) > maxSiteColumnChars
	}
	return false
}

// shownUserName is a user name for display, cut short and marked when
// longer than maxShownUserChars: a name so long is not one Django's forms
// made, and listing it whole would flood the screen. Only lists and
// device owners use it; a user is always looked up by the full name typed.
func shownUserName(expr string) string {
	return fmt.Sprintf("CASE WHEN length(%[1]s) > %[2]d THEN substr(%[1]s, 1, %[2]d) || '…' ELSE %[1]s END", expr, maxShownUserChars)
}

func readStaticTokens(ctx context.Context, q querier, dev *devices.Device, r *djangoRow) error {
	rs, err := q.QueryContext(ctx, fmt.Sprintf("SELECT id, substr(token, 1, %d) FROM dj.otp_static_statictoken WHERE device_id = ? ORDER BY id LIMIT %d",
		maxStaticTokenChars, maxStaticTokens+1), r.id)
	if err != nil {
		return err
	}
	defer rs.Close()
	dev.Codes = nil
	for rs.Next() {
		if len(dev.Codes) == maxStaticTokens {
			return fmt.Errorf("otp_static_staticdevice row %d has more than %d static tokens; two-factor reads at most %d (two-factor-auth makes %d)",
				r.id, maxStaticTokens, maxStaticTokens, devices.DjangoTokenCount)
		}
		var c devices.BackupCode
		if err := rs.Scan(&c.ID, &c.Plain); err != nil {
			return err
		}
		dev.Codes = append(dev.Codes, c)
		r.tokens = append(r.tokens, c.ID)
	}
	r.orig.Codes = slices.Clone(dev.Codes)
	return rs.Err()
}

// djangoDevice maps a row to a device (see DJANGO.md's mapping).
func djangoDevice(r *djangoRow) (*devices.Device, error) {
	v := rowValues(r.values).reader()
	t := r.table
	dev := &devices.Device{
		ID: r.id*10 + t.digit, Kind: t.kind, Name: v.str("name"), Confirmed: v.int("confirmed") != 0,
		Enabled: true, Failures: int(v.int("throttling_failure_count")),
		LastFailure: v.time("throttling_failure_timestamp"),
		LastStep:    otpcore.NoFloor,
	}
	if t.stamps {
		dev.Created, dev.LastUsed = v.time("created_at"), v.time("last_used_at")
	}
	switch t.kind {
	case devices.TOTP, devices.HOTP:
		dev.Algorithm, dev.Secret = otpcore.SHA1, v.key()
		dev.Digits, dev.Tolerance = int(v.int("digits")), int(v.int("tolerance"))
		if t.kind == devices.TOTP {
			dev.Step, dev.T0, dev.Drift = v.int("step"), v.int("t0"), v.int("drift")
			if last := v.int("last_t"); last != -1 {
				dev.LastStep = last
			}
		} else {
			counter := v.int("counter")
			if counter < 0 && v.err == nil {
				v.err = fmt.Errorf("counter %d is negative", counter)
			}
			dev.Counter = uint64(counter)
		}
	case devices.Phone:
		dev.PhoneNumber, dev.Model = maskPhone(v.str("number")), v.str("method")
	}
	return dev, v.err
}

// maskPhone keeps a number's country code and last two digits and hides
// the rest, rune by rune: the number is the site's text (a user typed it),
// so anything but a leading '+' and ASCII digits in the kept places is
// hidden too, and nothing of it can drive a terminal.
func maskPhone(n string) string {
	rs := []rune(strings.TrimSpace(n))
	keep := make([]bool, len(rs))
	if len(rs) >= 4 {
		for i := len(rs) - 2; i < len(rs); i++ {
			keep[i] = true
		}
		if rs[0] == '+' {
			// Country codes are 1-3 digits; without a parser, keep those
			// of the shortest plausible form: 1 digit for +1/+7, else 2.
			cc := 3
			if rs[1] == '1' || rs[1] == '7' {
				cc = 2
			}
			for i := 0; i < cc && i < len(rs)-2; i++ {
				keep[i] = true
			}
		}
	}
	var b strings.Builder
	for i, r := range rs {
		if keep[i] && (r >= '0' && r <= '9' || i == 0 && r == '+') {
			b.WriteRune(r)
		} else {
			b.WriteString("•")
		}
	}
	return b.String()
}

// rowValues reads typed values out of a raw row, keeping the first error.
type rowValues map[string]any

type valueReader struct {
	m   map[string]any
	err error
}

func (m rowValues) reader() *valueReader { return &valueReader{m: m} }

func (v *valueReader) fail(col string, val any, want string) {
	if v.err == nil {
		// The value is the site's, of any length: quoted, and cut.
		v.err = fmt.Errorf("column %s holds %.40q, not %s", col, fmt.Sprint(val), want)
	}
}

func (v *valueReader) int(col string) int64 {
	switch x := v.m[col].(type) {
	case int64:
		return x
	case bool:
		if x {
			return 1
		}
		return 0
	}
	v.fail(col, v.m[col], "an integer")
	return 0
}

func (v *valueReader) str(col string) string {
	switch x := v.m[col].(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	v.fail(col, v.m[col], "text")
	return ""
}

func (v *valueReader) time(col string) time.Time {
	if v.m[col] == nil {
		return time.Time{}
	}
	t, err := parseDjangoTime(v.str(col))
	if err != nil && v.err == nil {
		v.err = fmt.Errorf("column %s: %w", col, err)
	}
	return t
}

// key decodes a hex key, upper or lower case (django-otp accepts both).
// A key that is not hex (Django's ORM stores any text) reads as no key:
// the device then accepts no code (as one with an empty key), where
// refusing the row would lock the user's every device, and the admin's
// removal of it, out of two-factor. Saves never write the key back
// unless it changed, so the row keeps what it holds.
func (v *valueReader) key() []byte {
	k, err := hex.DecodeString(v.str("key"))
	if err != nil {
		return nil
	}
	return k
}

// parseDjangoTime reads a datetime as Django stores it: UTC text
// "YYYY-MM-DD HH:MM:SS[.ffffff]", or with a 'T' and an offset, which
// Django reads too.
func parseDjangoTime(s string) (time.Time, error) {
	norm := strings.Replace(s, "T", " ", 1)
	for _, layout := range []string{"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, norm); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a datetime Django writes", s)
}

// djangoTime writes a time as Django does with USE_TZ=True: naive UTC
// text, microseconds only when not zero (Python's str(datetime)).
func djangoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// djangoValues are the values of t's writable columns for dev, as Django
// would store them.
func djangoValues(t *djangoTable, dev *devices.Device) map[string]any {
	v := map[string]any{
		"name": dev.Name, "confirmed": boolInt(dev.Confirmed),
		"throttling_failure_count":     int64(dev.Failures),
		"throttling_failure_timestamp": djangoTime(dev.LastFailure),
	}
	switch t.kind {
	case devices.TOTP:
		lastT := dev.LastStep
		if lastT == otpcore.NoFloor {
			lastT = -1
		}
		v["key"], v["step"], v["t0"], v["digits"] = hex.EncodeToString(dev.Secret), dev.Step, dev.T0, int64(dev.Digits)
		v["tolerance"], v["drift"], v["last_t"] = int64(dev.Tolerance), dev.Drift, lastT
	case devices.HOTP:
		v["key"], v["digits"], v["tolerance"], v["counter"] = hex.EncodeToString(dev.Secret), int64(dev.Digits), int64(dev.Tolerance), int64(dev.Counter)
	}
	if t.stamps {
		v["last_used_at"] = djangoTime(dev.LastUsed)
	}
	return v
}
