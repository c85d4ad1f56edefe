package servicetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver db uses, for the bulk fixture

	"github.com/two-factor/two-factor/db"
)

// BigStoreSpec sizes a bulk store.
type BigStoreSpec struct {
	Users   int // users named user000001 ...
	Devices int // devices spread over them (at least one per user when Devices >= Users)
}

// BigStore builds a store of spec.Users users and spec.Devices devices in a
// temporary directory, fast: the schema comes from db.Open, the rows from
// one transaction of plain INSERTs on the same file. Devices carry no
// secret, so the store serves listings (what benchmarks measure) but not
// verification. Every tenth user has backup codes, every 50th device is
// locked out, every 7th has failures, every 5th is a hardware token with
// a drift history.
func BigStore(tb testing.TB, spec BigStoreSpec) string {
	tb.Helper()
	path, err := BuildBigStore(tb.TempDir(), spec)
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// BuildBigStore is BigStore in a directory of the caller's, for
// benchmarks that share one store.
func BuildBigStore(dir string, spec BigStoreSpec) (string, error) {
	path := filepath.Join(dir, "big.db")
	ctx := context.Background()
	st, err := db.Open(ctx, path, db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true})
	if err != nil {
		return "", err
	}
	st.Close()
	sdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return "", err
	}
	defer sdb.Close()
	if err := fillBig(ctx, sdb, spec); err != nil {
		return "", err
	}
	// Leave the store as a real one would be: checkpointed, statistics known.
	if _, err := sdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return "", err
	}
	return path, nil
}

func fillBig(ctx context.Context, sdb *sql.DB, spec BigStoreSpec) error {
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	insUser, err := tx.PrepareContext(ctx, "INSERT INTO users(id, name, created_at) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	for i := 1; i <= spec.Users; i++ {
		if _, err := insUser.ExecContext(ctx, i, fmt.Sprintf("user%06d", i), base+int64(i)*1000); err != nil {
			return err
		}
	}
	insDev, err := tx.PrepareContext(ctx, `INSERT INTO devices(id, user_id, name, kind, hardware, serial, model,
		created_at, confirmed, enabled, drift, failures, last_failure_at, locked_out, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	insCode, err := tx.PrepareContext(ctx, "INSERT INTO backup_codes(device_id, hash) VALUES (?, x'00')")
	if err != nil {
		return err
	}
	insSample, err := tx.PrepareContext(ctx, "INSERT INTO drift_samples(device_id, at, drift) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	perUser := map[int]int{}
	for id := 1; id <= spec.Devices; id++ {
		user := (id-1)%spec.Users + 1
		perUser[user]++
		kind, hardware, name := "totp", false, "authenticator"
		var serial any
		model := ""
		switch {
		case perUser[user] > 1 && user%10 == 0:
			kind, name = "backup", "backup codes"
		case id%5 == 0:
			hardware, name, serial, model = true, "token", fmt.Sprintf("SN%08d", id), "c200"
		}
		if perUser[user] > 1 {
			name = fmt.Sprintf("%s-%d", name, perUser[user])
		}
		failures, locked := 0, false
		var lastFail any
		if id%7 == 0 {
			failures, lastFail = 2, base+int64(id)*60000
		}
		if id%50 == 0 {
			failures, locked, lastFail = 10, true, base+int64(id)*60000
		}
		var lastUsed any
		if id%3 != 0 {
			lastUsed = base + int64(id)*37000
		}
		if _, err := insDev.ExecContext(ctx, id, user, name, kind, hardware, serial, model,
			base, true, id%11 != 0, id%9-4, failures, lastFail, locked, lastUsed); err != nil {
			return err
		}
		if kind == "backup" {
			for range 10 {
				if _, err := insCode.ExecContext(ctx, id); err != nil {
					return err
				}
			}
		}
		if hardware {
			for k := range 4 {
				if _, err := insSample.ExecContext(ctx, id, base+int64(k)*86400000*7, int64(k*(id%3))); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}
