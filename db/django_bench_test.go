package db_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangofixture"
)

// fillDjango adds users and devices as a busy site has them: every user
// a TOTP device (half named "default"), every other one a static device
// with ten tokens.
func fillDjango(b *testing.B, path string, users int) {
	b.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
		SELECT i, '!x', 0, 'user' || i, '', '', '', 0, 1, '2026-01-02 03:04:05' FROM n`,
		`INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count)
		SELECT CASE WHEN id % 2 THEN 'default' ELSE 'phone' END, 1, '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, id, 0 FROM auth_user`,
		`INSERT INTO otp_static_staticdevice (name, confirmed, user_id, throttling_failure_count) SELECT 'backup', 1, id, 0 FROM auth_user WHERE id % 2 = 0`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
		INSERT INTO otp_static_statictoken (token, device_id) SELECT 'tok' || i, d.id FROM otp_static_staticdevice d, n`,
	} {
		if _, err := raw.Exec(q, users); err != nil {
			b.Fatal(err)
		}
	}
}

// The status of every user and the user list of a site with 10,000 users
// and 15,000 devices, through the Django backend.
func BenchmarkDjangoStatusAll(b *testing.B) {
	for _, schema := range djangofixture.Schemas {
		b.Run(schema, func(b *testing.B) {
			path := djangofixture.Load(b, "", schema)
			fillDjango(b, path, 10000)
			st := openDjango(b, path, time.Now)
			b.Run("Statuses", func(b *testing.B) {
				for b.Loop() {
					if s, err := st.Statuses(bg, nil); err != nil || len(s) != 10000 {
						b.Fatal(len(s), err)
					}
				}
			})
			b.Run("Users", func(b *testing.B) {
				for b.Loop() {
					if us, err := st.Users(bg); err != nil || len(us) != 10000 {
						b.Fatal(len(us), err)
					}
				}
			})
		})
	}
}
