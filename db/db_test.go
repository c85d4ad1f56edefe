package db

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

var ctx = context.Background()

type fixture struct {
	dir, dbPath, keyPath string
}

func newFixture(t *testing.T) fixture {
	dir := t.TempDir()
	return fixture{dir: dir, dbPath: filepath.Join(dir, "store.db"), keyPath: filepath.Join(dir, "keys", "master.key")}
}

func (f fixture) open(t *testing.T) *SQLite {
	t.Helper()
	s, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, Create: true, BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// a recognisable 20-byte seed, so the raw file can be searched for it.
var seed = []byte("SEEDseedSEEDseed0042")

func addTOTP(t *testing.T, s *SQLite, user, name string, secret []byte) *devices.Device {
	t.Helper()
	if _, err := s.AddUser(ctx, "tester", user); err != nil && !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	d := &devices.Device{Name: name, Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30,
		Secret: secret, Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Created: time.Now()}
	err := s.Update(ctx, "tester", user, func(u *Unit) error {
		u.Add(d)
		u.Audit("device.enroll", d, "ok", "")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	f := newFixture(t)
	if _, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath}); !errors.Is(err, ErrStoreMissing) {
		t.Fatalf("opening a missing store without Create: %v", err)
	}
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	for _, p := range []string{f.dbPath, f.keyPath} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", p, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(filepath.Dir(f.keyPath)); st.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %04o, want 0700", st.Mode().Perm())
	}
}

func TestSeedsNeverStoredInPlainText(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	s.Close()
	needles := [][]byte{seed, []byte(hex.EncodeToString(seed)), []byte(otpcore.EncodeBase32(seed)), []byte(strings.ToLower(otpcore.EncodeBase32(seed)))}
	for _, p := range []string{f.dbPath, f.dbPath + "-wal"} {
		raw, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(raw, n) {
				t.Fatalf("%s contains the seed in plain text (%q)", p, n)
			}
		}
	}
	// And it does come back with the key.
	s2 := f.open(t)
	err := s2.Update(ctx, "tester", "alice", func(u *Unit) error {
		if !bytes.Equal(u.Devices[0].Secret, seed) {
			t.Fatalf("decrypted secret differs")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCiphertextBoundToDeviceRow(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	a := addTOTP(t, s, "alice", "phone", seed)
	b := addTOTP(t, s, "alice", "token", []byte("another-secret-value"))
	// Move alice's first ciphertext onto the second row.
	if _, err := s.db.Exec("UPDATE devices SET secret = (SELECT secret FROM devices WHERE id = ?) WHERE id = ?", a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, "tester", "alice", func(u *Unit) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("a ciphertext moved to another row must not decrypt, got %v", err)
	}
}

func TestWrongOrMissingKeyRefusedNeverOverwritten(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	s.Close()

	// Missing key file: refused, and not recreated.
	good, _ := os.ReadFile(f.keyPath)
	os.Remove(f.keyPath)
	s2 := f.open(t)
	err := s2.Update(ctx, "tester", "alice", func(u *Unit) error { return nil })
	if !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := os.Stat(f.keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a missing key file must not be recreated for a store that has seeds")
	}
	// Listing still works without the key.
	if ds, err := s2.Devices(ctx, "alice"); err != nil || len(ds) != 1 {
		t.Fatalf("listing without the key: %v", err)
	}
	s2.Close()

	// Someone else's key file: refused, and left as it was.
	other := newFixture(t)
	so := other.open(t)
	addTOTP(t, so, "bob", "phone", seed)
	otherKey, _ := os.ReadFile(other.keyPath)
	os.WriteFile(f.keyPath, otherKey, 0o600)
	s3 := f.open(t)
	err = s3.Update(ctx, "tester", "alice", func(u *Unit) error { return nil })
	if !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("wrong key: %v", err)
	}
	if after, _ := os.ReadFile(f.keyPath); !bytes.Equal(after, otherKey) {
		t.Fatal("a wrong key file was modified")
	}
	// Any audited change needs the key: the audit chain is MACed under it.
	if _, err := s3.AddUser(ctx, "tester", "carol"); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("adding a user with a wrong key: %v", err)
	}
	// Adding a device with the wrong key is refused too.
	err = s3.Update(ctx, "tester", "alice", func(u *Unit) error {
		u.Add(&devices.Device{Name: "x", Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: seed, Enabled: true})
		return nil
	})
	if !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("adding with a wrong key: %v", err)
	}
	s3.Close()

	// Group-readable key file: refused with the fix in the message.
	os.WriteFile(f.keyPath, good, 0o600)
	os.Chmod(f.keyPath, 0o640)
	s4 := f.open(t)
	err = s4.Update(ctx, "tester", "alice", func(u *Unit) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable key: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	s.db.Exec("PRAGMA user_version = 99")
	s.Close()
	_, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade two-factor") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestMigratesOlderStore(t *testing.T) {
	f := newFixture(t)
	// A store as version 1 of the schema left it.
	raw, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], "PRAGMA user_version = 1", "PRAGMA application_id = 843465027",
		"INSERT INTO users(name, created_at) VALUES ('alice', 1)"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	raw.Close()
	s := f.open(t)
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion {
		t.Fatalf("schema %d after open, want %d", v, SchemaVersion)
	}
	if st, err := s.Statuses(ctx, []string{"alice"}); err != nil || !st[0].Exists {
		t.Fatalf("data lost in migration: %v %+v", err, st)
	}
	if _, err := s.DriftHistory(ctx, 1); err != nil {
		t.Fatalf("migration 2 table missing: %v", err)
	}
}

func TestForeignAndCorruptFilesRefused(t *testing.T) {
	f := newFixture(t)
	raw, _ := sql.Open("sqlite", f.dbPath)
	raw.Exec("CREATE TABLE photos (id INTEGER)")
	raw.Close()
	if _, err := Open(ctx, f.dbPath, Options{}); !errors.Is(err, ErrNotAStore) {
		t.Fatalf("other SQLite database: %v", err)
	}
	junk := filepath.Join(f.dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("this is not sqlite "), 300), 0o600)
	if _, err := Open(ctx, junk, Options{}); !errors.Is(err, ErrNotAStore) {
		t.Fatalf("junk file: %v", err)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if _, err := s.db.Exec("UPDATE audit SET actor = 'mallory'"); err == nil {
		t.Fatal("audit rows could be updated")
	}
	if _, err := s.db.Exec("DELETE FROM audit"); err == nil {
		t.Fatal("audit rows could be deleted")
	}
	// (That a failed unit of work writes neither its change nor its
	// audit is part of the Store contract: db/storetest.)
	got, _ := s.Audit(ctx, AuditFilter{User: "alice", Action: "device."})
	if len(got) != 1 || got[0].Action != "device.enroll" || got[0].Actor != "tester" || got[0].DeviceID == 0 {
		t.Fatalf("audit filter: %+v", got)
	}
}

func TestLockedStoreGivesClearError(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	holder, err := sql.Open("sqlite", f.dbPath+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, _ := holder.Conn(ctx)
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddUser(ctx, "tester", "alice")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), f.dbPath) {
		t.Fatalf("write while another process holds the lock: %v", err)
	}
	conn.ExecContext(ctx, "ROLLBACK")
	conn.Close()
	if _, err := s.AddUser(ctx, "tester", "alice"); err != nil {
		t.Fatalf("after the lock is released: %v", err)
	}
}

func TestRekey(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	addTOTP(t, s, "bob", "phone", []byte("bobs-secret-bytes!!!"))
	oldKey, _ := os.ReadFile(f.keyPath)
	if err := s.Rekey(ctx, "tester"); err != nil {
		t.Fatal(err)
	}
	newKey, _ := os.ReadFile(f.keyPath)
	if bytes.Equal(oldKey, newKey) {
		t.Fatal("key file unchanged by rekey")
	}
	if st, _ := os.Stat(f.keyPath); st.Mode().Perm() != 0o600 {
		t.Fatalf("new key file mode %04o", st.Mode().Perm())
	}
	s.Close()
	s2 := f.open(t)
	checkSecret(t, s2, "alice", seed)
	checkSecret(t, s2, "bob", []byte("bobs-secret-bytes!!!"))
	if e, _ := s2.Audit(ctx, AuditFilter{Action: "rekey"}); len(e) != 1 || !strings.Contains(e[0].Detail, "2 secret(s)") {
		t.Fatalf("rekey audit: %+v", e)
	}
	s2.Close()
	// The old key no longer opens the seeds.
	os.WriteFile(f.keyPath, oldKey, 0o600)
	s3 := f.open(t)
	if err := s3.Update(ctx, "t", "alice", func(*Unit) error { return nil }); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("old key after rekey: %v", err)
	}
}

func checkSecret(t *testing.T, s *SQLite, user string, want []byte) {
	t.Helper()
	err := s.Update(ctx, "t", user, func(u *Unit) error {
		if !bytes.Equal(u.Devices[0].Secret, want) {
			t.Errorf("%s's secret changed", user)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// and a login opens the keyed state of that seed, sealed beside it
	err = s.UpdateAnyName(ctx, "t", user, func(u *Unit) error {
		if !bytes.Equal(u.Devices[0].Keyed, keyedStateOf(t, want)) {
			t.Errorf("%s's login does not get the keyed state of the seed", user)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFailedRekeyLeavesEverythingAsItWas(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	oldKey, _ := os.ReadFile(f.keyPath)
	rawBefore := secretBlobs(t, s)
	rekeyHook = func(stage string, _ *sql.Tx) error {
		if stage == "before-commit" {
			return errors.New("disk on fire")
		}
		return nil
	}
	defer func() { rekeyHook = nil }()
	if err := s.Rekey(ctx, "tester"); err == nil {
		t.Fatal("rekey should fail")
	}
	if k, _ := os.ReadFile(f.keyPath); !bytes.Equal(k, oldKey) {
		t.Fatal("key file changed by a failed rekey")
	}
	if _, err := os.Stat(f.keyPath + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed rekey left KEY.new behind")
	}
	if !equalBlobs(rawBefore, secretBlobs(t, s)) {
		t.Fatal("ciphertexts changed by a failed rekey")
	}
	s.Close()
	checkSecret(t, f.open(t), "alice", seed)
}

// A rekey whose COMMIT fails may still have committed (an I/O error while
// syncing the WAL leaves the frames for SQLite's recovery), so it keeps
// KEY.new, the only copy of the key the store may now name; the store,
// not committed here, goes on with the old key.
func TestRekeyFailedCommitKeepsNewKey(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	oldKey, _ := os.ReadFile(f.keyPath)
	rekeyHook = func(stage string, tx *sql.Tx) error {
		if stage != "before-commit" {
			return nil
		}
		// A deferred foreign key violation: the COMMIT fails, not fn.
		if _, err := tx.Exec("PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
		_, err := tx.Exec("INSERT INTO drift_samples (device_id, at, drift) VALUES (987654, 0, 0)")
		return err
	}
	defer func() { rekeyHook = nil }()
	if err := s.Rekey(ctx, "tester"); err == nil {
		t.Fatal("rekey should fail at its commit")
	}
	if _, err := os.Stat(f.keyPath + ".new"); err != nil {
		t.Fatalf("a rekey whose commit failed removed KEY.new: %v", err)
	}
	if k, _ := os.ReadFile(f.keyPath); !bytes.Equal(k, oldKey) {
		t.Fatal("key file changed by a failed rekey")
	}
	s.Close()
	rekeyHook = nil
	s = f.open(t)
	checkSecret(t, s, "alice", seed)
	// The next rekey discards the stale KEY.new and succeeds.
	if err := s.Rekey(ctx, "tester"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	checkSecret(t, f.open(t), "alice", seed)
}

func TestRekeyInterruptedAfterCommitRecovers(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	rekeyHook = func(stage string, _ *sql.Tx) error {
		if stage == "after-commit" {
			return errors.New("power cut")
		}
		return nil
	}
	defer func() { rekeyHook = nil }()
	if err := s.Rekey(ctx, "tester"); err == nil {
		t.Fatal("expected the simulated crash")
	}
	s.Close()
	// The store uses the new key, which is still in KEY.new: the next
	// open finishes the rename.
	checkSecret(t, f.open(t), "alice", seed)
	if _, err := os.Stat(f.keyPath + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("recovery should have moved KEY.new into place")
	}
}

// secretBlobs are the stored ciphertexts: each device's sealed seed and,
// where it has one, its sealed keyed state.
func secretBlobs(t *testing.T, s *SQLite) [][]byte {
	rows, err := s.db.Query("SELECT secret, keyed_state FROM devices ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var seed, state []byte
		if err := rows.Scan(&seed, &state); err != nil {
			t.Fatal(err)
		}
		out = append(out, seed)
		if state != nil {
			out = append(out, state)
		}
	}
	return out
}

func equalBlobs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestBackupCodesStoredHashed(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	s.AddUser(ctx, "t", "alice")
	var codes []string
	err := s.Update(ctx, "t", "alice", func(u *Unit) error {
		d, c, err := devices.NewBackupDevice("backup", time.Now())
		codes = c
		u.Add(d)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(f.dbPath)
	wal, _ := os.ReadFile(f.dbPath + "-wal")
	for _, c := range codes {
		n := strings.ReplaceAll(c, "-", "")
		if bytes.Contains(raw, []byte(n)) || bytes.Contains(wal, []byte(n)) {
			t.Fatal("a backup code is stored in plain text")
		}
	}
	s = f.open(t)
	err = s.Update(ctx, "t", "alice", func(u *Unit) error {
		d := u.Devices[0]
		r, err := d.Verify(codes[0], time.Now(), devices.Policy{})
		if err != nil || r.Outcome != devices.Accepted {
			t.Fatalf("backup code: %v %v", r.Outcome, err)
		}
		u.Save(d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// What is left, and how listings count it, is part of the Store
	// contract (db/storetest).
}
