package db

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

func keyedStateOf(t *testing.T, secret []byte) []byte {
	t.Helper()
	st, err := otpcore.AppendKeyedState(nil, otpcore.SHA1, secret)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// loginUnit runs fn as a login does (UpdateAnyName) on user's first device.
func loginUnit(t *testing.T, s *SQLite, user string, fn func(u *Unit, d *devices.Device)) error {
	t.Helper()
	return s.UpdateAnyName(ctx, "login", user, func(u *Unit) error {
		if len(u.Devices) != 1 {
			t.Fatalf("%s has %d devices", user, len(u.Devices))
		}
		fn(u, u.Devices[0])
		return nil
	})
}

func keyedStateCount(t *testing.T, s *SQLite) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM devices WHERE keyed_state IS NOT NULL").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A login is handed the keyed state the seed was stored with, not the
// seed; every other Update gets the seed. The state is wiped once the
// login's transaction is over.
func TestLoginReadsTheKeyedStateNotTheSeed(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if n, err := s.CheckKeyedStates(ctx); err != nil || n != 1 {
		t.Fatalf("CheckKeyedStates = %d, %v; want 1 state, matching", n, err)
	}
	var held []byte
	err := loginUnit(t, s, "alice", func(u *Unit, d *devices.Device) {
		if d.Secret != nil || !bytes.Equal(d.Keyed, keyedStateOf(t, seed)) {
			t.Errorf("login got secret %x, keyed %x; want no secret and the seed's keyed state", d.Secret, d.Keyed)
		}
		held = d.Keyed
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(held) == 0 || !bytes.Equal(held, make([]byte, len(held))) {
		t.Errorf("the keyed state is not wiped after the login: %x", held)
	}
	err = s.Update(ctx, "admin", "alice", func(u *Unit) error {
		if d := u.Devices[0]; !bytes.Equal(d.Secret, seed) || d.Keyed != nil {
			t.Errorf("Update got secret %x, keyed %x; want the seed only", d.Secret, d.Keyed)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A row without a keyed state (a store from before migration 7) is
// verified with its seed, and the save that every login does, accepted or
// refused, writes the state; the next login uses it and accepts the next
// code.
func TestARowWithoutKeyedStateGetsOneAtItsNextLogin(t *testing.T) {
	for _, accept := range []bool{true, false} {
		s := newFixture(t).open(t)
		addTOTP(t, s, "alice", "phone", seed)
		if _, err := s.db.Exec("UPDATE devices SET keyed_state = NULL"); err != nil {
			t.Fatal(err)
		}
		now := time.Unix(1_700_000_000, 0)
		code, _ := otpcore.HOTP(otpcore.SHA1, seed, uint64(now.Unix()/30), 6)
		if !accept {
			code = wrongCode(code)
		}
		err := loginUnit(t, s, "alice", func(u *Unit, d *devices.Device) {
			if !bytes.Equal(d.Secret, seed) || d.Keyed != nil {
				t.Errorf("a row without keyed state: login got secret %x, keyed %x; want the seed", d.Secret, d.Keyed)
			}
			if r, err := d.Verify(code, now, devices.Policy{}); err != nil || (r.Outcome == devices.Accepted) != accept {
				t.Fatalf("verify: %v %v, want accepted=%v", r.Outcome, err, accept)
			}
			u.Save(d)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.CheckKeyedStates(ctx); err != nil || n != 1 {
			t.Fatalf("after a login (accepted=%v): CheckKeyedStates = %d, %v; want 1 state written, matching", accept, n, err)
		}
		next := now.Add(30 * time.Second)
		code, _ = otpcore.HOTP(otpcore.SHA1, seed, uint64(next.Unix()/30), 6)
		err = loginUnit(t, s, "alice", func(u *Unit, d *devices.Device) {
			if d.Secret != nil || d.Keyed == nil {
				t.Errorf("second login: secret %x, keyed %x; want the keyed state only", d.Secret, d.Keyed)
			}
			if r, err := d.Verify(code, next, devices.Policy{}); err != nil || r.Outcome != devices.Accepted {
				t.Errorf("the next code through the keyed state: %v %v", r.Outcome, err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// A sealed seed and a sealed keyed state are bound to their purpose and to
// their device: moved to the other column, or to another device's row,
// neither decrypts, and the login fails instead of accepting codes of the
// wrong key.
func TestSealedSeedsAndKeyedStatesCannotStandInForEachOther(t *testing.T) {
	for name, swap := range map[string]string{
		"state to another device": "UPDATE devices SET keyed_state = (SELECT keyed_state FROM devices WHERE id = 1) WHERE id = 2",
		"seed as the state":       "UPDATE devices SET keyed_state = secret WHERE id = 2",
	} {
		s := newFixture(t).open(t)
		addTOTP(t, s, "alice", "phone", seed)
		addTOTP(t, s, "bob", "phone", []byte("another seed of bob!"))
		if _, err := s.db.Exec(swap); err != nil {
			t.Fatal(err)
		}
		err := loginUnit(t, s, "bob", func(*Unit, *devices.Device) { t.Errorf("%s: the login read the device", name) })
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("does not decrypt")) {
			t.Errorf("%s: login error %v, want the state refused", name, err)
		}
	}
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if _, err := s.db.Exec("UPDATE devices SET secret = keyed_state"); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "admin", "alice", func(*Unit) error { return nil }); err == nil {
		t.Error("a keyed state in the seed's column was read as the seed")
	}
}

// A keyed state never outlives its seed: re-seeding through the store
// writes the new seed's state, and a seed changed behind the store's back
// (any statement that does not write the state too) drops the state, so
// logins fall back to the seed.
func TestAKeyedStateFollowsItsSeed(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	reseeded := []byte("a brand new seed 123")
	err := s.Update(ctx, "admin", "alice", func(u *Unit) error {
		u.Devices[0].Secret = bytes.Clone(reseeded)
		u.Save(u.Devices[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CheckKeyedStates(ctx); err != nil || n != 1 {
		t.Fatalf("after re-seeding: CheckKeyedStates = %d, %v", n, err)
	}
	loginUnit(t, s, "alice", func(_ *Unit, d *devices.Device) {
		if !bytes.Equal(d.Keyed, keyedStateOf(t, reseeded)) {
			t.Error("the login after re-seeding does not get the new seed's keyed state")
		}
	})
	if _, err := s.db.Exec("UPDATE devices SET secret = secret || x'00'"); err != nil {
		t.Fatal(err)
	}
	if n := keyedStateCount(t, s); n != 0 {
		t.Fatalf("a seed changed alone left %d keyed state(s) behind", n)
	}
}

// Removing a device removes its keyed state with its row.
func TestRemovingADeviceRemovesItsKeyedState(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if keyedStateCount(t, s) != 1 {
		t.Fatal("no keyed state stored")
	}
	err := s.Update(ctx, "admin", "alice", func(u *Unit) error {
		u.Remove(u.Devices[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := keyedStateCount(t, s); n != 0 {
		t.Fatalf("%d keyed state(s) left after removing the device", n)
	}
}

// CheckKeyedStates finds a keyed state that is sealed properly for its
// device but keyed from another seed.
func TestCheckKeyedStatesFindsAStateOfAnotherSeed(t *testing.T) {
	s := newFixture(t).open(t)
	d := addTOTP(t, s, "alice", "phone", seed)
	seal, err := s.currentSealer(ctx, s.db, false)
	if err != nil {
		t.Fatal(err)
	}
	var seedBlob []byte
	if err := s.db.QueryRow("SELECT secret FROM devices WHERE id = ?", d.ID).Scan(&seedBlob); err != nil {
		t.Fatal(err)
	}
	other := *d
	other.Secret = []byte("not the stored seed!")
	blob, err := sealedKeyedState(seal, &other, seedBlob)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("UPDATE devices SET keyed_state = ? WHERE id = ?", blob, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckKeyedStates(ctx); !errors.Is(err, ErrKeyedStateMismatch) {
		t.Fatalf("CheckKeyedStates = %v, want ErrKeyedStateMismatch", err)
	}
}

// A login that fails to read one of the user's devices (here its keyed
// state no longer decrypts) leaves no decrypted state or seed of the
// devices read before it in memory: loadSecrets wipes what it decrypted.
func TestAFailedReadWipesTheSecretsAlreadyDecrypted(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	addTOTP(t, s, "alice", "tablet", []byte("the tablet's seed 42"))
	if _, err := s.db.Exec("UPDATE devices SET keyed_state = secret WHERE name = 'tablet'"); err != nil {
		t.Fatal(err)
	}
	seal, err := s.currentSealer(ctx, s.db, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, keyedOnly := range []bool{true, false} {
		if !keyedOnly {
			if _, err := s.db.Exec("UPDATE devices SET secret = x'00' WHERE name = 'tablet'"); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := queryDevices(ctx, s.db, "ORDER BY d.id")
		if err != nil || len(ds) != 2 {
			t.Fatalf("devices: %v, %v", ds, err)
		}
		var held []byte
		loadHook = func(d *devices.Device) {
			if d == ds[0] {
				held = d.Keyed
				if !keyedOnly {
					held = d.Secret
				}
			}
		}
		_, err = loadSecrets(ctx, s.db, seal, ds, keyedOnly)
		loadHook = nil
		if err == nil {
			t.Fatalf("keyedOnly %v: the tampered device was read", keyedOnly)
		}
		if ds[0].Keyed != nil || ds[0].Secret != nil {
			t.Errorf("keyedOnly %v: after the failure the first device still holds keyed %x, secret %x", keyedOnly, ds[0].Keyed, ds[0].Secret)
		}
		if len(held) == 0 || !bytes.Equal(held, make([]byte, len(held))) {
			t.Errorf("keyedOnly %v: what was decrypted for the first device is not wiped: %x", keyedOnly, held)
		}
	}
}

// A keyed state is bound to the very seed ciphertext it was made beside,
// not only to its device: after a re-seed, the device's old state (sealed
// properly, for this device and algorithm, as a copy of the store from
// before would hold it) put back beside the new seed does not open, so a
// login can never accept the codes of a seed the store no longer shows.
func TestAnOldKeyedStateDoesNotOpenBesideANewSeed(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	var old []byte
	if err := s.db.QueryRow("SELECT keyed_state FROM devices").Scan(&old); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, "admin", "alice", func(u *Unit) error {
		u.Devices[0].Secret = []byte("a brand new seed 123")
		u.Save(u.Devices[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("UPDATE devices SET keyed_state = ?", old); err != nil {
		t.Fatal(err)
	}
	err = loginUnit(t, s, "alice", func(_ *Unit, d *devices.Device) {
		if bytes.Equal(d.Keyed, keyedStateOf(t, seed)) {
			t.Error("the login got the old seed's keyed state beside the new seed")
		}
	})
	if err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("login error %v, want the old state refused", err)
	}
	if _, err := s.CheckKeyedStates(ctx); err == nil {
		t.Error("CheckKeyedStates passed an old state beside a new seed")
	}
}

// A store of schema 7 holds keyed states bound to no seed (v1): migration
// 8 drops them, so its logins do not fail on states that no longer open,
// and each device gets a bound state at its next login.
func TestUnboundKeyedStatesAreDroppedAndRemadeAtTheNextLogin(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	d := addTOTP(t, s, "alice", "phone", seed)
	seal, err := s.currentSealer(ctx, s.db, false)
	if err != nil {
		t.Fatal(err)
	}
	v1AAD := binary.BigEndian.AppendUint64(append([]byte("two-factor device keyed hmac v1|"), byte(otpcore.SHA1)), uint64(d.ID))
	v1, err := seal.sealAAD(v1AAD, keyedStateOf(t, seed))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("UPDATE devices SET keyed_state = ?", v1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = f.open(t)
	if n := keyedStateCount(t, s); n != 0 {
		t.Fatalf("%d unbound keyed state(s) left after the migration", n)
	}
	if err := loginUnit(t, s, "alice", func(u *Unit, d *devices.Device) { u.Save(d) }); err != nil {
		t.Fatalf("the first login after the migration: %v", err)
	}
	if n, err := s.CheckKeyedStates(ctx); err != nil || n != 1 {
		t.Fatalf("after the login: CheckKeyedStates = %d, %v; want 1 bound state", n, err)
	}
}

// The trigger drops a keyed state whose device's algorithm is changed by
// a statement that does not write the state (the state is bound to the
// algorithm, so it would no longer open): logins fall back to the seed.
func TestAKeyedStateFollowsItsAlgorithm(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	if _, err := s.db.Exec("UPDATE devices SET algorithm = 'SHA256'"); err != nil {
		t.Fatal(err)
	}
	if n := keyedStateCount(t, s); n != 0 {
		t.Fatalf("an algorithm changed alone left %d keyed state(s) behind", n)
	}
	if err := loginUnit(t, s, "alice", func(_ *Unit, d *devices.Device) {
		if !bytes.Equal(d.Secret, seed) || d.Keyed != nil {
			t.Errorf("login got secret %x, keyed %x; want the seed", d.Secret, d.Keyed)
		}
	}); err != nil {
		t.Fatal(err)
	}
}
