package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
)

// populate fills a fresh store with users and devices through SQL in one
// transaction: the schema is the real one (created by db.Open), and status
// reads no secrets, so the secret column holds opaque bytes.
func populate(tb testing.TB, path string, users, devicesTotal int) {
	tb.Helper()
	st, err := db.Open(context.Background(), path, db.Options{Create: true})
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UnixMilli()
	insU, _ := tx.Prepare("INSERT INTO users(id, name, created_at) VALUES (?, ?, ?)")
	insD, _ := tx.Prepare(`INSERT INTO devices(user_id, name, kind, hardware, serial, created_at, confirmed, enabled, secret, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, 1, 1, x'00', ?)`)
	for i := 1; i <= users; i++ {
		if _, err := insU.Exec(i, fmt.Sprintf("user%06d", i), now); err != nil {
			tb.Fatal(err)
		}
	}
	for j := 0; j < devicesTotal; j++ {
		uid := j%users + 1
		kind, hw, serial := "totp", 0, any(nil)
		if j >= users { // second devices: half hardware tokens, half backup codes
			if j%2 == 0 {
				hw, serial = 1, fmt.Sprintf("TK%08d", j)
			} else {
				kind = "backup"
			}
		}
		if _, err := insD.Exec(uid, fmt.Sprintf("dev%d", j), kind, hw, serial, now, now); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkStatusProcess times `two-factor status` over 10,000 users and
// 15,000 devices as a whole process: exec, open, query, print.
func BenchmarkStatusProcess(b *testing.B) {
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	store := filepath.Join(dir, "store.db")
	populate(b, store, 10_000, 15_000)
	run := func() {
		cmd := exec.Command(bin, "--db", store, "--key-file", filepath.Join(dir, "k"), "status")
		out, err := cmd.Output()
		if err != nil || len(out) < 10_000*len("user000000: enabled\n")-1 {
			b.Fatalf("status: %v (%d bytes)", err, len(out))
		}
	}
	run() // warm the page cache once, as on a server in use
	for b.Loop() {
		run()
	}
}

// buildBinary builds the two-factor command into dir, for benchmarks that
// time it as a whole process.
func buildBinary(b *testing.B, dir string) string {
	b.Helper()
	bin := filepath.Join(dir, "two-factor")
	build := exec.Command("go", "build", "-o", bin, "..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatal(err)
	}
	return bin
}
