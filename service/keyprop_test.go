package service

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// keyModel is what the property test expects of the store.
type keyModel struct {
	current map[string][]string // user -> unused codes of the set last shown
	old     map[string][]string // user -> codes of replaced or removed sets, and used ones
	seeds   map[string][]byte   // user NUL device name -> the seed enrolled
}

// TestSecretsWrittenCanBeReadBack is the property "a secret written can be
// read back": over random sequences of enrollments (app, HOTP, hardware
// token), backup code generation, verifications with new, used and
// replaced codes, TOTP/HOTP logins with right and wrong codes, keyed
// states dropped as in a store from before they existed, device removal
// and rekeys (by this handle or by another handle on the same files, as
// another process would, while this one stays open), every stored secret
// decrypts after every step, every stored keyed state is the one keyed
// from the stored seed beside it, every right code is accepted and every
// wrong one refused, every backup code shown is accepted exactly once,
// and replaced ones never.
func TestSecretsWrittenCanBeReadBack(t *testing.T) {
	seed := time.Now().UnixNano()
	if v := os.Getenv("TF_TEST_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("TF_TEST_SEED: %v", err)
		}
	}
	t.Logf("seed %d (reproduce with TF_TEST_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for run := range 4 {
		t.Run(fmt.Sprint(run), func(t *testing.T) { keyPropertyRun(t, rng, 40) })
	}
}

func keyPropertyRun(t *testing.T, rng *rand.Rand, steps int) {
	dir := t.TempDir()
	svc, clk := newService(t, dir)
	other, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	m := keyModel{current: map[string][]string{}, old: map[string][]string{}, seeds: map[string][]byte{}}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "store.db")) // as an older two-factor left rows
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	statesChecked := 0
	users := []string{"alice", "bob", "carol"}
	serial := 0
	keyed := false // the first enrollment creates the master key
	for step := range steps {
		clk.t = clk.t.Add(24 * time.Hour) // past any throttle earned by refused codes
		user := users[rng.IntN(len(users))]
		op := rng.IntN(12)
		t.Logf("step %d: op %d for %s", step, op, user)
		keyed = keyed || op <= 2
		switch op {
		case 0:
			m.enrolled(user, enrollKind(t, svc, clk, user, EnrollOptions{CreateUser: true}))
		case 1:
			m.enrolled(user, enrollKind(t, svc, clk, user, EnrollOptions{CreateUser: true, Kind: devices.HOTP}))
		case 2:
			serial++
			secret := make([]byte, 20)
			for i := range secret {
				secret[i] = byte(rng.IntN(256))
			}
			m.enrolled(user, enrollKind(t, svc, clk, user, EnrollOptions{CreateUser: true, Token: &devices.TokenSpec{
				Kind: devices.TOTP, Serial: fmt.Sprintf("SN%04d", serial), Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: secret}}))
		case 3:
			if !hasDevices(t, svc, user) {
				continue // backup codes need an enrolled user
			}
			codes, err := svc.BackupCodes(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			m.old[user] = append(m.old[user], m.current[user]...)
			m.current[user] = codes
		case 4, 5:
			if len(m.current[user]) == 0 {
				continue
			}
			i := rng.IntN(len(m.current[user]))
			c := m.current[user][i]
			expectVerify(t, svc, user, c, true)
			m.current[user] = slices.Delete(m.current[user], i, i+1)
			m.old[user] = append(m.old[user], c)
		case 6:
			if len(m.old[user]) == 0 {
				continue
			}
			expectVerify(t, svc, user, m.old[user][rng.IntN(len(m.old[user]))], false)
		case 7:
			ds, err := svc.Devices(ctx, user)
			if err != nil || len(ds) == 0 {
				continue
			}
			d := ds[rng.IntN(len(ds))]
			if _, err := svc.ChangeDevice(ctx, user, fmt.Sprint(d.ID), ActionRemove, ""); err != nil {
				t.Fatal(err)
			}
			if d.Kind == devices.Backup {
				m.old[user] = append(m.old[user], m.current[user]...)
				m.current[user] = nil
			}
		case 8:
			if !keyed {
				continue // no key to rotate before the first secret
			}
			store := svc.store
			if rng.IntN(2) == 0 {
				store = other // another process rekeys; svc's handle stays open
			}
			if err := store.Rekey(ctx, "tester"); err != nil {
				t.Fatal(err)
			}
		case 9, 10:
			if d, seed := m.otpDevice(t, svc, rng, user); d != nil {
				expectOTPLogin(t, svc, clk, d, seed, op == 9)
			}
		case 11:
			if d, _ := m.otpDevice(t, svc, rng, user); d != nil {
				if _, err := raw.Exec("UPDATE devices SET keyed_state = NULL WHERE id = ?", d.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		everySecretDecrypts(t, dir)
		statesChecked += everyKeyedStateMatchesItsSeed(t, dir)
	}
	if statesChecked == 0 {
		t.Error("no keyed state was ever stored: the run checked nothing about them")
	}
	// Every code still unused is accepted once, then never again.
	for user, codes := range m.current {
		for _, c := range codes {
			clk.t = clk.t.Add(24 * time.Hour)
			expectVerify(t, svc, user, c, true)
			expectVerify(t, svc, user, c, false)
		}
	}
}

// enrollKind enrolls and confirms a device, returning it with its seed.
func enrollKind(t *testing.T, s *Service, c *clock, user string, opt EnrollOptions) devices.Device {
	t.Helper()
	e, err := s.StartEnrollment(ctx, user, opt)
	if err != nil {
		t.Fatal(err)
	}
	enrolled := *e.Device
	enrolled.Secret = bytes.Clone(e.Device.Secret)
	counter := uint64(c.t.Unix() / 30)
	if e.Device.Kind == devices.HOTP {
		counter = e.Device.Counter
	}
	v, err := otpcore.HOTP(e.Device.Algorithm, e.Device.Secret, counter, e.Device.Digits)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Confirm(ctx, e, v, true); err != nil || !r.Accepted() {
		t.Fatalf("confirming %s: %v %v", e.Device.Kind, r.Outcome, err)
	}
	return enrolled
}

func (m keyModel) enrolled(user string, d devices.Device) {
	m.seeds[user+"\x00"+d.Name] = d.Secret
}

// otpDevice picks one of user's TOTP/HOTP devices, with its seed; nil if
// the user has none.
func (m keyModel) otpDevice(t *testing.T, s *Service, rng *rand.Rand, user string) (*devices.Device, []byte) {
	t.Helper()
	ds, err := s.store.Devices(ctx, user)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		t.Fatal(err)
	}
	ds = slices.DeleteFunc(ds, func(d *devices.Device) bool { return !d.Kind.IsOTP() })
	if len(ds) == 0 {
		return nil, nil
	}
	d := ds[rng.IntN(len(ds))]
	seed := m.seeds[user+"\x00"+d.Name]
	if seed == nil {
		t.Fatalf("no seed recorded for %s's %s", user, d.Name)
	}
	return d, seed
}

// expectOTPLogin logs in to d with its right code (or with a code in none
// of the positions its window tries) and checks the verdict. A device
// still throttled by earlier wrong codes is not tried.
func expectOTPLogin(t *testing.T, s *Service, c *clock, d *devices.Device, seed []byte, right bool) {
	t.Helper()
	var window []string
	for i := range 2*d.Tolerance + 1 {
		pos := d.Counter + uint64(i)
		if d.Kind == devices.TOTP {
			pos = uint64(c.t.Unix()/d.Step + d.Drift - int64(d.Tolerance) + int64(i))
		}
		v, err := otpcore.HOTP(d.Algorithm, seed, pos, d.Digits)
		if err != nil {
			t.Fatal(err)
		}
		window = append(window, v)
	}
	typed := window[d.Tolerance] // the expected step
	if d.Kind == devices.HOTP {
		typed = window[0] // the next counter
	}
	for !right && slices.Contains(window, typed) {
		n, _ := strconv.Atoi(typed)
		typed = fmt.Sprintf("%0*d", d.Digits, (n+1)%int(math.Pow10(d.Digits)))
	}
	r, err := s.Verify(ctx, d.User, fmt.Sprint(d.ID), typed)
	if err != nil {
		t.Fatalf("login to %s's %s: %v", d.User, d.Name, err)
	}
	if r.Outcome == devices.Throttled {
		return
	}
	if r.Accepted() != right {
		t.Fatalf("login to %s's %s (%s) with the %s code: %s", d.User, d.Name, d.Kind, map[bool]string{true: "right", false: "wrong"}[right], r.Outcome)
	}
}

// everyKeyedStateMatchesItsSeed opens the store afresh and checks that
// every stored keyed state is the one keyed from its stored seed,
// returning how many there were.
func everyKeyedStateMatchesItsSeed(t *testing.T, dir string) int {
	t.Helper()
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CheckKeyedStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hasDevices(t *testing.T, s *Service, user string) bool {
	ds, err := s.store.Devices(ctx, user)
	return err == nil && len(ds) > 0
}

func expectVerify(t *testing.T, s *Service, user, code string, accept bool) {
	t.Helper()
	r, err := s.Verify(ctx, user, "", code)
	if !accept && errors.Is(err, ErrNoDevice) {
		return // the set's device was removed: refused all the same
	}
	if err != nil {
		t.Fatalf("verify %s for %s: %v", code, user, err)
	}
	if r.Accepted() != accept {
		t.Fatalf("backup code %s for %s: %s, want accepted=%v", code, user, r.Outcome, accept)
	}
}

// everySecretDecrypts opens the store afresh, as the next process would,
// and decrypts every secret: each user's devices and every hardware token.
func everySecretDecrypts(t *testing.T, dir string) {
	t.Helper()
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us, err := st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if err := st.Update(ctx, "check", u.Name, func(*db.Unit) error { return nil }); err != nil {
			t.Fatalf("%s: %v", u.Name, err)
		}
	}
	if _, err := st.TokenSecrets(ctx, db.TokenFilter{Retired: true}); err != nil {
		t.Fatal(err)
	}
}
