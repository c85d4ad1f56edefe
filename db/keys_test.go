package db

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// openSecond opens another handle on the same files, as another process
// would.
func (f fixture) openSecond(t *testing.T) *SQLite {
	t.Helper()
	s, err := Open(ctx, f.dbPath, Options{KeyFile: f.keyPath, BusyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func hardwareToken(t *testing.T, serial string, secret []byte) ImportItem {
	t.Helper()
	d, err := devices.NewHardwareToken("token "+serial, devices.TokenSpec{Kind: devices.TOTP, Serial: serial,
		Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: secret}, devices.DefaultSettings("h"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ImportItem{Origin: "test:" + serial, Device: d}
}

// allSecretsDecrypt opens a fresh handle and decrypts every stored secret.
func allSecretsDecrypt(t *testing.T, f fixture) {
	t.Helper()
	s := f.openSecond(t)
	defer s.Close()
	seal, err := s.currentSealer(ctx, s.db, false)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.Query("SELECT id, secret FROM devices")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			t.Fatal(err)
		}
		if _, err := seal.open(id, blob); err != nil {
			t.Fatalf("device %d: %v", id, err)
		}
	}
}

// A handle left open across another handle's rekey must seal what it
// writes under the new key: backup codes, enrollments and imports.
func TestWritesAfterAnotherHandleRekeysUseTheNewKey(t *testing.T) {
	f := newFixture(t)
	a := f.open(t)
	addTOTP(t, a, "alice", "phone", seed) // a has the key cached now
	b := f.openSecond(t)
	if err := b.Rekey(ctx, "other"); err != nil {
		t.Fatal(err)
	}

	var codes []string
	err := a.Update(ctx, "t", "alice", func(u *Unit) error {
		d, c, err := devices.NewBackupDevice("backup codes", time.Now())
		codes = c
		u.Add(d)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	addTOTP(t, a, "bob", "phone", []byte("bobs-secret-bytes!!!"))
	if _, err := a.ImportTokens(ctx, "t", []ImportItem{hardwareToken(t, "S1", []byte("token-secret-S1-bytes"))}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Rekey(ctx, "other"); err != nil { // b's cached key is a's now
		t.Fatal(err)
	}

	allSecretsDecrypt(t, f)
	fresh := f.openSecond(t)
	toks, err := fresh.TokenSecrets(ctx, TokenFilter{})
	if err != nil || len(toks) != 1 || string(toks[0].Secret) != "token-secret-S1-bytes" {
		t.Fatalf("export after rekeys: %v %v", toks, err)
	}
	checkSecret(t, fresh, "bob", []byte("bobs-secret-bytes!!!"))
	err = fresh.Update(ctx, "t", "alice", func(u *Unit) error {
		for _, d := range u.Devices {
			if d.Kind == devices.Backup {
				if r, err := d.Verify(codes[3], time.Now(), devices.Policy{}); err != nil || r.Outcome != devices.Accepted {
					return fmt.Errorf("backup code after rekey: %v %v", r.Outcome, err)
				}
				return nil
			}
		}
		return errors.New("no backup device")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeBytes is the raw content of the store's files.
func storeBytes(t *testing.T, f fixture) map[string][]byte {
	out := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(f.dbPath + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out[filepath.Base(f.dbPath+suffix)] = b
	}
	return out
}

// A rekey done because a key leaked must leave no ciphertext sealed under
// the old key anywhere in the store's files: main file, free pages, WAL.
func TestRekeyLeavesNoOldCiphertext(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	var items []ImportItem
	for i := range 200 {
		items = append(items, hardwareToken(t, fmt.Sprintf("T%04d", i), []byte(fmt.Sprintf("seed-%04d-0123456789abcdef", i))))
	}
	if _, err := s.ImportTokens(ctx, "t", items, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	reader := f.openSecond(t) // another process that reads now and then
	var old [][]byte
	for range 2 {
		old = append(old, secretBlobs(t, s)...)
		if _, err := reader.Tokens(ctx, TokenFilter{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Rekey(ctx, "t"); err != nil {
			t.Fatal(err)
		}
	}
	if len(old) != 400 {
		t.Fatalf("recorded %d ciphertexts", len(old))
	}
	files := storeBytes(t, f)
	for name, b := range files {
		for i, blob := range old {
			// The whole blob, and a prefix long enough to be unique
			// (version byte, nonce, first sealed bytes).
			if bytes.Contains(b, blob) || bytes.Contains(b, blob[:20]) {
				t.Fatalf("old ciphertext %d found in %s", i, name)
			}
		}
	}
	if len(files["store.db"]) == 0 {
		t.Fatal("the store file is empty: the test searched nothing")
	}
	// The search itself is sound: the current ciphertexts are found.
	for _, blob := range secretBlobs(t, s) {
		if !bytes.Contains(files["store.db"], blob) && !bytes.Contains(files["store.db-wal"], blob) {
			t.Fatal("a current ciphertext is not in the files: the search is broken")
		}
	}
}
