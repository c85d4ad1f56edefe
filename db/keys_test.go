package db

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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
	if len(old) != 800 { // a seed and a keyed state per token, before each of two rekeys
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

// TestMain lets the race test below re-run this binary as another process.
func TestMain(m *testing.M) {
	if os.Getenv("TF_DB_CHILD") == "open-and-read" {
		os.Exit(childOpenAndRead())
	}
	os.Exit(m.Run())
}

// openAndRead is what a verifying process does to the key: open the
// store, load alice's secrets under the write lock, list token secrets.
func openAndRead(dbPath, keyPath string) error {
	s, err := Open(ctx, dbPath, Options{KeyFile: keyPath, BusyTimeout: 20 * time.Second})
	if err != nil {
		return err
	}
	defer s.Close()
	err = s.Update(ctx, "t", "alice", func(u *Unit) error {
		if !bytes.Equal(u.Devices[0].Secret, seed) {
			return errors.New("alice's secret changed")
		}
		return nil
	})
	if err != nil {
		return err
	}
	toks, err := s.TokenSecrets(ctx, TokenFilter{})
	if err == nil && (len(toks) != 1 || string(toks[0].Secret) != "token-secret-R1-bytes") {
		err = errors.New("the token's secret changed")
	}
	return err
}

func childOpenAndRead() int {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if err := openAndRead(os.Getenv("TF_DB_STORE"), os.Getenv("TF_DB_KEY")); err != nil {
			fmt.Println("error:", err)
			return 1
		}
	}
	return 0
}

// Rekeys racing openers and verifications in other handles and another
// process: every party follows the one recovery protocol, so nobody sees
// a false alarm and the store and key file agree afterwards.
func TestRekeyRacingOpensHasNoFalseAlarms(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if _, err := s.ImportTokens(ctx, "t", []ImportItem{hardwareToken(t, "R1", []byte("token-secret-R1-bytes"))}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "TF_DB_CHILD=open-and-read", "TF_DB_STORE="+f.dbPath, "TF_DB_KEY="+f.keyPath)
	var childOut bytes.Buffer
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := openAndRead(f.dbPath, f.keyPath); err != nil {
					errs <- fmt.Errorf("opener: %w", err)
					return
				}
			}
		})
	}
	for range 8 {
		r := f.openSecond(t)
		if err := r.Rekey(ctx, "t"); err != nil {
			errs <- fmt.Errorf("rekey: %w", err)
		}
		r.Close()
	}
	close(stop)
	wg.Wait()
	if err := child.Wait(); err != nil {
		errs <- fmt.Errorf("child process: %v: %s", err, childOut.String())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	final := f.openSecond(t)
	want, err := metaGet(ctx, final.db, "key_fingerprint")
	if err != nil {
		t.Fatal(err)
	}
	key, err := readKeyFile(f.keyPath)
	if err != nil || fingerprint(key) != want {
		t.Fatalf("after the race the key file does not match the store (%v)", err)
	}
	if _, err := os.Stat(f.keyPath + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("KEY.new left behind: %v", err)
	}
	allSecretsDecrypt(t, f)
}

// A reader on an older snapshot keeps WAL frames alive; the rekey then
// says so instead of claiming the old ciphertexts are gone, and a rekey
// once the store is quiet clears them.
func TestRekeyWithAReaderSaysOldCiphertextMayRemain(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	old := secretBlobs(t, s)
	reader := f.openSecond(t)
	tx, err := reader.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM devices").Scan(&n); err != nil { // takes the snapshot
		t.Fatal(err)
	}
	defer func(w time.Duration) { purgeWait = w }(purgeWait)
	purgeWait = 200 * time.Millisecond
	wantErr(t, s.Rekey(ctx, "t"), f.dbPath+"-wal", "rekey` again")
	tx.Rollback()
	if err := s.Rekey(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	for name, b := range storeBytes(t, f) {
		if bytes.Contains(b, old[0][:20]) {
			t.Fatalf("old ciphertext still in %s", name)
		}
	}
	checkSecret(t, s, "alice", seed)
}
