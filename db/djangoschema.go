package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/two-factor/two-factor/devices"
)

// djangoTable is one django-otp (or two-factor-auth) device table. A
// device's id here is its Django id times ten plus digit, so ids never
// collide across tables.
type djangoTable struct {
	name     string
	digit    int64
	kind     devices.Kind
	app      string   // for the "is it in INSTALLED_APPS" hint
	required bool     // the backend refuses a database without it
	own      []string // columns of its own, after the common ones
	present  bool     // found in this database
	stamps   bool     // has created_at and last_used_at (django-otp 1.4+)
}

// djangoCommon are the columns every device table has (Device and
// ThrottlingMixin), in the order rows are read.
var djangoCommon = []string{"name", "confirmed", "throttling_failure_count", "throttling_failure_timestamp"}

func djangoTables() []djangoTable {
	return []djangoTable{
		{name: "otp_totp_totpdevice", digit: 1, kind: devices.TOTP, app: "django_otp.plugins.otp_totp", required: true,
			own: []string{"key", "step", "t0", "digits", "tolerance", "drift", "last_t"}},
		{name: "otp_hotp_hotpdevice", digit: 2, kind: devices.HOTP, app: "django_otp.plugins.otp_hotp",
			own: []string{"key", "digits", "tolerance", "counter"}},
		{name: "otp_static_staticdevice", digit: 3, kind: devices.Backup, app: "django_otp.plugins.otp_static"},
		{name: "two_factor_phonedevice", digit: 4, kind: devices.Phone, app: "two_factor.plugins.phonenumber",
			own: []string{"number", "key", "method"}},
	}
}

// columns lists what a row of t is read and compared by.
func (t *djangoTable) columns() []string {
	cols := append(append([]string{}, djangoCommon...), t.own...)
	if t.stamps {
		cols = append(cols, "created_at", "last_used_at")
	}
	return cols
}

// djangoSchema is what OpenDjango found in the database.
type djangoSchema struct {
	tables    []djangoTable // in django-otp's plugin order: totp, hotp, static, phone
	userTable string        // quoted, schema-qualified: dj."auth_user"
	isDefault bool          // auth_user, Django's default user model
}

func (s *djangoSchema) table(kind devices.Kind) *djangoTable {
	for i := range s.tables {
		if s.tables[i].kind == kind && s.tables[i].present {
			return &s.tables[i]
		}
	}
	return nil
}

// tableOf finds the table of one of our device ids, with the Django id.
func (s *djangoSchema) tableOf(id int64) (*djangoTable, int64) {
	for i := range s.tables {
		if s.tables[i].present && id > 0 && id%10 == s.tables[i].digit {
			return &s.tables[i], id / 10
		}
	}
	return nil, 0
}

func (s *djangoSchema) present() []*djangoTable {
	var out []*djangoTable
	for i := range s.tables {
		if s.tables[i].present {
			out = append(out, &s.tables[i])
		}
	}
	return out
}

// quoteIdent quotes an SQL identifier read from the database's schema.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

type notDjangoError struct{ msg string }

func (e *notDjangoError) Error() string        { return e.msg }
func (e *notDjangoError) Is(target error) bool { return target == ErrNotDjango }

func notDjango(path, format string, args ...any) error {
	return &notDjangoError{fmt.Sprintf("%s is not a Django site's database with django-otp: ", path) + fmt.Sprintf(format, args...)}
}

// detectDjangoSchema finds the device tables, their django-otp version
// (timestamps or not) and the user table, refusing what lacks a column
// this backend reads or writes.
func detectDjangoSchema(ctx context.Context, q querier, path string) (djangoSchema, error) {
	s := djangoSchema{tables: djangoTables()}
	for i := range s.tables {
		t := &s.tables[i]
		cols, err := tableColumns(ctx, q, t.name)
		if err != nil {
			return s, fmt.Errorf("reading the schema of %s: %w", path, err)
		}
		if len(cols) == 0 {
			if t.required {
				return s, notDjango(path, "table %s is missing (is %s in INSTALLED_APPS and migrated?)", t.name, t.app)
			}
			continue
		}
		t.present = true
		t.stamps = cols["created_at"] && cols["last_used_at"]
		for _, c := range append(append([]string{"id", "user_id"}, djangoCommon...), t.own...) {
			if !cols[c] {
				return s, notDjango(path, "table %s has no column %s (an unsupported django-otp version?)", t.name, c)
			}
		}
	}
	if t := s.table(devices.Backup); t != nil {
		cols, err := tableColumns(ctx, q, "otp_static_statictoken")
		if err != nil {
			return s, err
		}
		if !cols["id"] || !cols["token"] || !cols["device_id"] {
			return s, notDjango(path, "table otp_static_statictoken is missing or incomplete (is django_otp.plugins.otp_static migrated?)")
		}
	}
	users, err := userTable(ctx, q, path)
	if err != nil {
		return s, err
	}
	s.userTable, s.isDefault = "dj."+quoteIdent(users), users == "auth_user"
	return s, nil
}

// userTable is the target of otp_totp_totpdevice.user_id's foreign key:
// auth_user, or a custom AUTH_USER_MODEL's table, which must have the
// default model's username column.
func userTable(ctx context.Context, q querier, path string) (string, error) {
	var target string
	err := q.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_list('otp_totp_totpdevice') WHERE "from" = 'user_id'`).Scan(&target)
	if err == sql.ErrNoRows {
		return "", notDjango(path, "otp_totp_totpdevice.user_id does not refer to a user table")
	}
	if err != nil {
		return "", err
	}
	cols, err := tableColumns(ctx, q, target)
	if err != nil {
		return "", err
	}
	for _, c := range []string{"id", "username"} {
		if !cols[c] {
			return "", notDjango(path, "the user table %s (a custom user model) has no %s column; only user models with a username are supported", target, c)
		}
	}
	return target, nil
}

func tableColumns(ctx context.Context, q querier, table string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols[c] = true
	}
	return cols, rows.Err()
}
