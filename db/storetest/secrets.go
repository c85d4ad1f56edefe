package storetest

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/otpcore"
)

// A secret written is read back, by this handle and by another, for an
// enrolled app and for an imported token.
func secretsReadBack(t *testing.T, e *env) {
	e.addUser(t, "alice")
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(rand.IntN(256))
	}
	e.addApp(t, "alice", "phone", secret)
	e.importTokens(t, db.ImportOptions{}, e.token("SN1", ""))
	for name, st := range map[string]db.Store{"the writing handle": e.Store, "another handle": e.Open(t)} {
		err := st.Update(ctx, actor, "alice", func(u *db.Unit) error {
			if len(u.Devices) != 1 || !bytes.Equal(u.Devices[0].Secret, secret) {
				t.Errorf("%s reads alice's secret back as %x", name, u.Devices[0].Secret)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		toks, err := st.TokenSecrets(ctx, db.TokenFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := e.token("SN1", "").Device.Secret; len(toks) != 1 || !bytes.Equal(toks[0].Secret, want) {
			t.Errorf("%s reads the token's secret back wrong", name)
		}
	}
	// Listings never carry secrets.
	if ds := e.devicesOf(t, e.Store, "alice"); ds[0].Secret != nil {
		t.Error("Devices returned a secret")
	}
	if toks, _ := e.Store.Tokens(ctx, db.TokenFilter{}); toks[0].Secret != nil {
		t.Error("Tokens returned a secret")
	}
}

// Backup codes: regenerating replaces them (the old ones stop working at
// once, for every handle), each code is accepted once, and the listings
// count what is left without counting backup codes as 2FA.
func backupCodesRegenerated(t *testing.T, e *env) {
	e.addUser(t, "alice")
	admin := e.service(e.Store, actor)
	old, err := admin.BackupCodes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := admin.BackupCodes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	login := e.service(e.Open(t), "login")
	verify := func(code string) bool {
		t.Helper()
		r, err := login.Verify(ctx, "alice", "", code)
		if err != nil {
			t.Fatal(err)
		}
		return r.Accepted()
	}
	// The right code first: a wrong one counts a failure, and the
	// back-off after it would refuse any code for a while.
	if !verify(codes[1]) {
		t.Fatal("a regenerated backup code was refused")
	}
	if verify(codes[1]) {
		t.Fatal("a backup code was accepted twice")
	}
	if verify(old[0]) {
		t.Fatal("a backup code from before the regeneration was accepted")
	}
	ds := e.devicesOf(t, e.Store, "alice")
	if len(ds) != 1 || len(ds[0].Codes) != len(codes)-1 {
		t.Fatalf("backup device after one use: %s with %d codes", describe(ds), len(ds[0].Codes))
	}
	us, err := e.Store.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if us[0].BackupCodes != len(codes)-1 || us[0].Enabled() {
		t.Fatalf("summary %+v: want %d backup codes, and 2FA off with backup codes alone", us[0], len(codes)-1)
	}
}

// The store is the last line of defence for the replay state: whatever a
// unit saves, the stored TOTP floor and HOTP next counter never go down
// (and a floor is never cleared back to "no floor"), so a bug in any path
// above cannot make a used code acceptable again.
func replayFloorNeverDecreases(t *testing.T, e *env) {
	e.addUser(t, "alice")
	e.addApp(t, "alice", "app", []byte("alice-app-secret!!!!"))
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	wantFloor, wantCounter := otpcore.NoFloor, uint64(0)
	for i := range 200 {
		floor := otpcore.NoFloor
		if rng.IntN(5) != 0 {
			floor = 1000 + rng.Int64N(100)
		}
		counter := rng.Uint64N(100)
		err := e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
			got, err := u.Find("app")
			if err != nil {
				return err
			}
			// Bypass the devices rule on purpose: write raw values.
			got.LastStep, got.Counter = floor, counter
			u.Save(got)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantFloor, wantCounter = max(wantFloor, floor), max(wantCounter, counter)
		ds := e.devicesOf(t, e.Store, "alice")
		if ds[0].LastStep != wantFloor || ds[0].Counter != wantCounter {
			t.Fatalf("write %d (floor %d, counter %d): stored floor %d counter %d, want %d and %d",
				i, floor, counter, ds[0].LastStep, ds[0].Counter, wantFloor, wantCounter)
		}
	}
}
