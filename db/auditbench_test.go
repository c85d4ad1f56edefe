package db

import (
	"database/sql"
	"fmt"
	"testing"
)

// BenchmarkAuditBatch10k measures what an import of 10,000 tokens spends
// on its audit entries (chained in Go, 100 rows per statement).
func BenchmarkAuditBatch10k(b *testing.B) {
	f := fixture{dbPath: b.TempDir() + "/store.db", keyPath: b.TempDir() + "/master.key"}
	s, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	entries := make([]AuditEntry, 10_000)
	for i := range entries {
		entries[i] = AuditEntry{Actor: "root", Action: "token.import", User: "", DeviceID: int64(i + 1),
			Device: fmt.Sprintf("token %d", i), Outcome: "added", Detail: fmt.Sprintf("TOTP token serial TK%08d from tokens.csv", i)}
	}
	for b.Loop() {
		if err := s.write(ctx, func(tx *sql.Tx) error { return s.auditBatch(ctx, tx, entries) }); err != nil {
			b.Fatal(err)
		}
	}
}
