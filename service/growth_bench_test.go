package service_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// BenchmarkStoreGrowthPerLogin measures what accepted logins add to the
// store: 3,000 logins of one TOTP app, 40 seconds apart (33 hours), then
// the bytes the audit table and the drift history (tables and indexes,
// from SQLite's dbstat) gained, per login. The audit log grows by its rows
// forever (append-only, chained: `audit prune` is its retention); the
// drift history by at most one sample an hour per device.
//
//	go test ./service/ -run '^$' -bench StoreGrowthPerLogin -benchtime 1x -count 1
func BenchmarkStoreGrowthPerLogin(b *testing.B) {
	const logins = 3000
	for b.Loop() {
		e := servicetest.NewEnv(b)
		e.AddUser(b, "alice")
		dev := e.Enroll(b, "alice", service.EnrollOptions{})
		before := tableBytes(b, e.Path)
		for range logins {
			e.Clock.Advance(40 * time.Second)
			code := servicetest.Code(b, dev, e.Clock.Now(), 0)
			if r, err := e.Svc.Verify(context.Background(), "alice", "", code); err != nil || !r.Accepted() {
				b.Fatalf("login: %v %v", r.Outcome, err)
			}
		}
		after := tableBytes(b, e.Path)
		for _, k := range []string{"audit", "drift"} {
			b.ReportMetric(float64(after[k]-before[k])/logins, k+"-bytes/login")
		}
		b.ReportMetric(float64(after["drift-rows"]), "drift-rows")
	}
}

// tableBytes is the space of the audit table and of the drift history,
// indexes included, and the drift history's row count.
func tableBytes(tb testing.TB, path string) map[string]int64 {
	tb.Helper()
	sdb, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		tb.Fatal(err)
	}
	defer sdb.Close()
	out := map[string]int64{}
	for k, q := range map[string]string{
		"audit":      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('audit', 'audit_user')",
		"drift":      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('drift_samples', 'drift_samples_device')",
		"drift-rows": "SELECT count(*) FROM drift_samples",
	} {
		var n int64
		if err := sdb.QueryRow(q).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		out[k] = n
	}
	return out
}
