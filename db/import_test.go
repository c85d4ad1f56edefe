package db

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// importItems builds n hardware tokens with serials prefix0..., each with
// its own seed.
func importItems(prefix string, n int, kind devices.Kind) []ImportItem {
	items := make([]ImportItem, n)
	for i := range n {
		serial := fmt.Sprintf("%s%04d", prefix, i)
		d := &devices.Device{Name: "token " + serial, Kind: kind, Hardware: true, Serial: serial, Algorithm: otpcore.SHA1,
			Digits: 6, Step: 30, Secret: []byte(fmt.Sprintf("seed-of-%-12s", serial)), Tolerance: 1, Enabled: true,
			LastStep: otpcore.NoFloor, Created: time.Now()}
		if kind == devices.HOTP {
			d.Step = 0
		}
		items[i] = ImportItem{Origin: fmt.Sprintf("line %d", i+2), Device: d}
	}
	return items
}

// watchSeals counts encryptions done while this process holds the write
// lock, and in all.
func watchSeals(t *testing.T) (underLock, total *atomic.Int64) {
	var locked atomic.Bool
	underLock, total = new(atomic.Int64), new(atomic.Int64)
	lockHook = func(held bool) { locked.Store(held) }
	sealHook = func(int64) {
		total.Add(1)
		if locked.Load() {
			underLock.Add(1)
		}
	}
	t.Cleanup(func() { lockHook, sealHook = nil, nil })
	return underLock, total
}

// An import holds the write lock, which stops every login, only for the
// inserts: no seed, nor the keyed HMAC state beside it, is encrypted under
// it, new tokens or replacements.
func TestImportSealsNothingUnderTheWriteLock(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed) // the store has its key, as any in service
	underLock, total := watchSeals(t)
	if _, err := s.ImportTokens(ctx, "tester", importItems("A", 200, devices.TOTP), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportTokens(ctx, "tester", importItems("A", 200, devices.TOTP), ImportOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if total.Load() != 800 || underLock.Load() != 0 { // 400 seeds and their 400 keyed states
		t.Fatalf("%d of %d seeds and keyed states were encrypted while holding the write lock", underLock.Load(), total.Load())
	}
	checkAllSecrets(t, s)
	if _, err := s.CheckKeyedStates(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkAllSecrets decrypts every token, which fails if any ciphertext is
// bound to another id than its row's.
func checkAllSecrets(t *testing.T, s *SQLite) {
	t.Helper()
	toks, err := s.TokenSecrets(ctx, TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range toks {
		if want := fmt.Sprintf("seed-of-%-12s", d.Serial); string(d.Secret) != want {
			t.Fatalf("token %s (id %d) decrypts to %q, want %q", d.Serial, d.ID, d.Secret, want)
		}
	}
}

// Ids guessed before the lock may be taken by another writer meanwhile:
// the tokens then get other ids and their seeds are re-sealed under them,
// so every one still decrypts.
func TestImportResealsWhenItsIdsWereTaken(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	other := f.open(t)
	items := importItems("B", 50, devices.TOTP)
	plan, err := s.prepareImport(ctx, items, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Another process adds tokens in between, taking the guessed ids.
	if _, err := other.ImportTokens(ctx, "other", importItems("C", 3, devices.TOTP), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	underLock, _ := watchSeals(t)
	if _, err := s.commitImport(ctx, "tester", plan, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if underLock.Load() != 100 { // 50 seeds and their keyed states
		t.Fatalf("%d seeds and keyed states re-sealed after their ids were taken, want 100", underLock.Load())
	}
	checkAllSecrets(t, s)
	if _, err := s.CheckKeyedStates(ctx); err != nil {
		t.Fatal(err)
	}
}

// A rekey between preparing and committing an import is noticed: the
// import is prepared again under the new key, never written under the old.
func TestImportAfterConcurrentRekeyUsesTheNewKey(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	addTOTP(t, s, "alice", "phone", seed)
	plan, err := s.prepareImport(ctx, importItems("D", 20, devices.TOTP), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.open(t).Rekey(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	fresh := f.open(t) // a handle that knows the new key
	if _, err := fresh.commitImport(ctx, "tester", plan, ImportOptions{}); err != errKeyChanged {
		t.Fatalf("commit of an import prepared under the retired key: %v, want errKeyChanged", err)
	}
	if _, err := fresh.ImportTokens(ctx, "tester", importItems("D", 20, devices.TOTP), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	checkAllSecrets(t, fresh)
}

// storedFloor reads a token's replay floor as stored.
func storedFloor(t *testing.T, s *SQLite, serial string) (lastStep sql.NullInt64, counter uint64) {
	t.Helper()
	var c int64
	if err := s.db.QueryRowContext(ctx, "SELECT last_step, counter FROM devices WHERE serial = ?", serial).Scan(&lastStep, &c); err != nil {
		t.Fatal(err)
	}
	return lastStep, uint64(c)
}

// The replay floor never goes down through import --replace, over random
// sequences of uses (which raise it) and replacements (whose files carry
// any counter, often a lower one): a code accepted once stays refused.
func TestImportReplaceNeverLowersTheReplayFloor(t *testing.T) {
	s := newFixture(t).open(t)
	seedVal := rand.Uint64()
	t.Logf("seed %d", seedVal)
	rng := rand.New(rand.NewPCG(seedVal, 0))
	if _, err := s.ImportTokens(ctx, "tester", append(importItems("T", 1, devices.TOTP), importItems("H", 1, devices.HOTP)...), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var wantStep int64 = -1 // -1: no floor yet
	var wantCounter uint64
	for op := range 200 {
		switch rng.IntN(3) {
		case 0: // a login raises the floors
			wantStep = max(wantStep, int64(rng.IntN(1000)))
			wantCounter = max(wantCounter, uint64(rng.IntN(1000)))
			if _, err := s.db.ExecContext(ctx, "UPDATE devices SET last_step = ? WHERE serial = 'T0000'", wantStep); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.ExecContext(ctx, "UPDATE devices SET counter = ? WHERE serial = 'H0000'", int64(wantCounter)); err != nil {
				t.Fatal(err)
			}
		default: // a replacement from a file with any counter
			items := append(importItems("T", 1, devices.TOTP), importItems("H", 1, devices.HOTP)...)
			items[1].Device.Counter = uint64(rng.IntN(1000))
			wantCounter = max(wantCounter, items[1].Device.Counter)
			if _, err := s.ImportTokens(ctx, "tester", items, ImportOptions{Replace: true}); err != nil {
				t.Fatal(err)
			}
		}
		step, _ := storedFloor(t, s, "T0000")
		_, counter := storedFloor(t, s, "H0000")
		if (wantStep >= 0 && (!step.Valid || step.Int64 != wantStep)) || (wantStep < 0 && step.Valid) {
			t.Fatalf("op %d: TOTP floor %v, want %d", op, step, wantStep)
		}
		if counter != wantCounter {
			t.Fatalf("op %d: HOTP counter %d, want %d", op, counter, wantCounter)
		}
	}
}

// Preparing an import on one handle while another rekeys twice back to
// back (the second between the first reading the store's key fingerprint
// and settling its key file) reads the fingerprint again instead of
// failing with ErrKeyMismatch.
func TestPrepareImportSurvivesBackToBackRekeys(t *testing.T) {
	f := newFixture(t)
	a := f.open(t)
	addTOTP(t, a, "alice", "phone", seed) // a caches the first key
	b := f.openSecond(t)
	if err := b.Rekey(ctx, "other"); err != nil { // a's cached key is stale
		t.Fatal(err)
	}
	fired := false
	fingerprintReadHook = func(s *SQLite) {
		if s != a || fired {
			return
		}
		fired = true
		if err := b.Rekey(ctx, "other"); err != nil {
			t.Error(err)
		}
	}
	defer func() { fingerprintReadHook = nil }()
	if _, err := a.prepareImport(ctx, importItems("D", 2, devices.TOTP), ImportOptions{}); err != nil {
		t.Fatalf("prepare import across back-to-back rekeys: %v", err)
	}
	if !fired {
		t.Fatal("hook never ran")
	}
}
