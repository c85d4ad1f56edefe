// Package servicetest builds real stores and services for tests: a SQLite
// store in a temporary directory with a settable clock, a standard cast of
// users (Seed), names carrying escape sequences (Hostile), bulk stores for
// benchmarks (BigStore) and the codes a device shows (Code).
//
// It sits below the console: db, service, cli and console tests all use
// it, and it depends on no terminal package (floor_test.go checks), so a
// store test does not compile Bubble Tea. It changes no global state
// either: times are shown in a zone the caller passes (the console's
// tui.Common.Zone), never by setting time.Local.
package servicetest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
)

// Start is the fixed "now" of every test store: a Sunday afternoon.
var Start = time.Date(2026, 11, 22, 14, 0, 10, 0, time.UTC)

// Clock is a settable clock shared by the store, the service and the
// console.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Env is a real store with its service.
type Env struct {
	Dir   string
	Path  string
	Store *db.SQLite
	Svc   *service.Service
	Clock *Clock
}

// NewEnv opens a new store in a temporary directory with the clock at
// Start and the issuer "Example".
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, groupCommitForTests())
}

// NewVerifierEnv is NewEnv with the store opened as `two-factor serve`
// opens it: concurrent verifications share transactions (group commit).
func NewVerifierEnv(tb testing.TB) *Env {
	tb.Helper()
	return newEnv(tb, true)
}

// groupCommitForTests: TWO_FACTOR_TEST_GROUP_COMMIT=1 runs every test
// built on NewEnv against a group-committing store, as the verifier runs.
func groupCommitForTests() bool { return os.Getenv("TWO_FACTOR_TEST_GROUP_COMMIT") == "1" }

func newEnv(tb testing.TB, group bool) *Env {
	tb.Helper()
	dir := tb.TempDir()
	e := open(tb, filepath.Join(dir, "store.db"), true, group)
	if err := e.Store.SetSetting(context.Background(), "admin", "issuer", "Example"); err != nil {
		tb.Fatal(err)
	}
	return e
}

// OpenEnv opens an existing store file (such as one from BigStore), its
// master key beside it.
func OpenEnv(tb testing.TB, path string) *Env {
	tb.Helper()
	return open(tb, path, false, groupCommitForTests())
}

func open(tb testing.TB, path string, create, group bool) *Env {
	tb.Helper()
	clock := NewClock(Start)
	dir := filepath.Dir(path)
	st, err := db.Open(context.Background(), path, db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: create, Now: clock.Now, GroupCommit: group})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	svc := service.New(st)
	svc.Actor, svc.Now = "admin", clock.Now
	return &Env{Dir: dir, Path: path, Store: st, Svc: svc, Clock: clock}
}

// Code computes the code a device shows at t (TOTP) or at its next
// counter (HOTP); offset moves that many steps or counters on.
func Code(tb testing.TB, d *devices.Device, t time.Time, offset int64) string {
	tb.Helper()
	var counter int64
	if d.Kind == devices.HOTP {
		counter = int64(d.Counter) + offset
	} else {
		counter = otpcore.TOTPParams{Step: d.Step, T0: d.T0}.StepAt(t.Unix()) + d.Drift + offset
	}
	c, err := otpcore.HOTP(d.Algorithm, d.Secret, uint64(counter), d.Digits)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// AddUser adds a user.
func (e *Env) AddUser(tb testing.TB, name string) {
	tb.Helper()
	if _, err := e.Store.AddUser(context.Background(), "admin", name); err != nil {
		tb.Fatal(err)
	}
}

// Enroll enrolls and confirms a device for user (an authenticator app
// unless opt says otherwise) and returns it with its secret.
func (e *Env) Enroll(tb testing.TB, user string, opt service.EnrollOptions) *devices.Device {
	tb.Helper()
	ctx := context.Background()
	en, err := e.Svc.StartEnrollment(ctx, user, opt)
	if err != nil {
		tb.Fatal(err)
	}
	secret := append([]byte(nil), en.Device.Secret...)
	r, err := e.Svc.Confirm(ctx, en, Code(tb, en.Device, e.Clock.Now(), 0), false)
	if err != nil || !r.Accepted() {
		tb.Fatalf("confirming %s's device: %v %v", user, r.Outcome, err)
	}
	d := *en.Device
	d.Secret = secret
	return &d
}

// Token enrolls a hardware TOTP token with a fixed seed for user.
func (e *Env) Token(tb testing.TB, user, serial, model string, drift int64) *devices.Device {
	tb.Helper()
	seed := []byte("12345678901234567890")
	seed[0] = byte(len(serial) + int(serial[len(serial)-1]))
	return e.Enroll(tb, user, service.EnrollOptions{Token: &devices.TokenSpec{
		Kind: devices.TOTP, Serial: serial, Model: model, Manufacturer: "Token2", Algorithm: otpcore.SHA1,
		Digits: 6, Step: 30, Drift: drift, Secret: seed,
	}})
}

// Update runs fn on one user's devices in a store transaction.
func (e *Env) Update(tb testing.TB, user string, fn func(*db.Unit) error) {
	tb.Helper()
	if err := e.Store.Update(context.Background(), "admin", user, fn); err != nil {
		tb.Fatal(err)
	}
}

// Find returns user's device named name from a Unit.
func Find(u *db.Unit, name string) *devices.Device {
	for _, d := range u.Devices {
		if d.Name == name {
			return d
		}
	}
	panic("no device " + name)
}

// Exec runs SQL on the store file directly, behind the store's back.
func (e *Env) Exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	sdb, err := sql.Open("sqlite", "file:"+e.Path)
	if err != nil {
		tb.Fatal(err)
	}
	defer sdb.Close()
	if _, err := sdb.Exec(query, args...); err != nil {
		tb.Fatal(err)
	}
}
