package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/db/storetest"
)

// The embedded SQLite store keeps the Store contract. Each handle opened
// on the same file has its own connections, as another process would.
func TestSQLiteConformance(t *testing.T) {
	t.Run("one-transaction-each", func(t *testing.T) { conformance(t, false) })
	// The verifier's store: concurrent Updates share transactions.
	t.Run("group-commit", func(t *testing.T) { conformance(t, true) })
}

func conformance(t *testing.T, group bool) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Backend {
		dir := t.TempDir()
		open := func(t *testing.T) db.Store {
			st, err := db.Open(context.Background(), filepath.Join(dir, "store.db"), db.Options{
				KeyFile: filepath.Join(dir, "master.key"), Create: true, Now: now, BusyTimeout: 20 * time.Second, GroupCommit: group})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		return storetest.Backend{Store: open(t), Open: open}
	})
}
