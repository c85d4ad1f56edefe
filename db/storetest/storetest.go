// Package storetest is the contract of db.Store as one test suite that any
// backend runs: SQLite today, a Django site's django-otp tables and
// PostgreSQL next. A backend is correct when Run passes against it.
//
// The suite speaks to the store through the db.Store interface only (and
// through service.Service built on it, for what only makes sense end to
// end, such as accepting a code exactly once), never through a backend's
// SQL, so a new backend just calls Run with a constructor:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) storetest.Backend { ... })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// Backend is one fresh store under test.
type Backend struct {
	// Store is a new, empty store (no users, no key yet).
	Store db.Store
	// Open opens another handle on the same store, with its own
	// connections, as another process would. Handles are closed by the
	// constructor (t.Cleanup).
	Open func(t *testing.T) db.Store
}

// Opener makes a fresh Backend whose timestamps (created, retired, audit)
// come from now. It should make a backend's waits for another handle's
// write lock short enough (seconds) that a lock left held fails a test
// rather than hanging it.
type Opener func(t *testing.T, now func() time.Time) Backend

// Run runs the whole contract against the backend open makes, one fresh
// store per subtest.
func Run(t *testing.T, open Opener) { RunWith(t, open, nil) }

// Differences are subtests a backend is known to answer differently, by
// name, each with the documented reason (which its own test of the
// backend's behaviour should prove).
type Differences map[string]string

// RunWith is Run for a backend with documented differences: the subtests
// named there are skipped with their reason, and only those. A name that
// is not a subtest of the suite fails the run, so a renamed test cannot
// leave a stale exemption behind.
func RunWith(t *testing.T, open Opener, diffs Differences) {
	if err := diffs.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			if reason, ok := diffs[c.name]; ok {
				t.Skip("documented difference: " + reason)
			}
			clock := servicetest.NewClock(servicetest.Start)
			b := open(t, clock.Now)
			c.test(t, &env{Backend: b, clock: clock})
		})
	}
}

// Check reports names that are not subtests of the suite, or a
// difference given without its reason.
func (diffs Differences) Check() error {
	var bad []string
	for name, reason := range diffs {
		if !slices.ContainsFunc(suite, func(c suiteCase) bool { return c.name == name }) {
			bad = append(bad, fmt.Sprintf("%q is not a subtest of the conformance suite", name))
		} else if strings.TrimSpace(reason) == "" {
			bad = append(bad, fmt.Sprintf("%q has no reason", name))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("documented differences: %s", strings.Join(bad, "; "))
	}
	return nil
}

type suiteCase struct {
	name string
	test func(*testing.T, *env)
}

// suite is the contract, one subtest each.
var suite = []suiteCase{
	{"UnitOfWorkWritesNothingOnError", unitWritesNothingOnError},
	{"UnitOfWorkWritesNothingOnPanicAndReleasesTheLock", unitWritesNothingOnPanic},
	{"AuditWrittenWithTheChange", auditWrittenWithTheChange},
	{"UpdateOrCreateAddsTheUserOnlyOnSuccess", updateOrCreateOnlyOnSuccess},
	{"UpdateAnyNameKeepsOnlyAuditForAnUnknownName", updateAnyNameUnknown},
	{"CodeAcceptedExactlyOnceAcrossHandles", codeAcceptedExactlyOnce},
	{"SecretsWrittenAreReadBack", secretsReadBack},
	{"BackupCodesRegeneratedAndConsumedOnce", backupCodesRegenerated},
	{"ReplayFloorNeverDecreasesThroughUpdate", replayFloorNeverDecreases},
	{"NotFoundErrorsNameWhatIsMissing", notFoundErrors},
	{"DuplicatesAndLookAlikesRefused", duplicatesRefused},
	{"LookAlikeAddsOverRandomSequences", lookAlikeSequences},
	{"LookAlikeAddsRacingAcrossHandles", lookAlikeRaces},
	{"DisableUsersAllOrNothing", disableUsersAllOrNothing},
	{"StatusesInTheOrderAsked", statusesInOrder},
	{"ImportAllOrNothing", importAllOrNothing},
	{"ImportDryRunWritesNothing", importDryRun},
	{"TokenStateRules", tokenStateRules},
	{"NamelessRunsPerShape", namelessRunsPerShape},
}

// env is one subtest's store and clock.
type env struct {
	Backend
	clock *servicetest.Clock
}

var ctx = context.Background()

const actor = "tester"

// service returns a service on st acting as who, on the suite's clock.
func (e *env) service(st db.Store, who string) *service.Service {
	s := service.New(st)
	s.Actor, s.Now = who, e.clock.Now
	return s
}

func (e *env) addUser(t *testing.T, name string) {
	t.Helper()
	if _, err := e.Store.AddUser(ctx, actor, name); err != nil {
		t.Fatalf("add user %q: %v", name, err)
	}
}

// app builds a confirmed TOTP app device with the given secret.
func (e *env) app(name string, secret []byte) *devices.Device {
	return &devices.Device{Name: name, Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30,
		Secret: secret, Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Created: e.clock.Now()}
}

// addApp stores an app device for an existing user and returns it (with
// its id).
func (e *env) addApp(t *testing.T, user, name string, secret []byte) *devices.Device {
	t.Helper()
	d := e.app(name, secret)
	err := e.Store.Update(ctx, actor, user, func(u *db.Unit) error {
		u.Add(d)
		u.Audit("device.enroll", d, "ok", "")
		return nil
	})
	if err != nil {
		t.Fatalf("add device %q for %s: %v", name, user, err)
	}
	return d
}

// token builds a hardware TOTP token to import, owned by user (may be "").
func (e *env) token(serial, user string) db.ImportItem {
	secret := []byte(fmt.Sprintf("seed-of-%-12s", serial)) // 20 bytes
	d := e.app("token "+serial, secret)
	d.Hardware, d.Serial, d.User, d.Confirmed = true, serial, user, false
	return db.ImportItem{Origin: "line " + serial, Device: d}
}

func (e *env) importTokens(t *testing.T, opt db.ImportOptions, items ...db.ImportItem) {
	t.Helper()
	if _, err := e.Store.ImportTokens(ctx, actor, items, opt); err != nil {
		t.Fatalf("import: %v", err)
	}
}

// snapshot is what a failed operation must leave unchanged.
type snapshot struct {
	users  []db.UserSummary
	tokens []*devices.Device
	audit  int
}

func (e *env) snapshot(t *testing.T) snapshot {
	t.Helper()
	us, err := e.Store.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := e.Store.Tokens(ctx, db.TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{users: us, tokens: toks, audit: len(e.audit(t, db.AuditFilter{}))}
}

// unchanged fails the test if the store differs from before.
func (e *env) unchanged(t *testing.T, before snapshot, what string) {
	t.Helper()
	after := e.snapshot(t)
	if fmt.Sprint(after.users) != fmt.Sprint(before.users) {
		t.Errorf("%s changed the users:\n%v\nwas\n%v", what, after.users, before.users)
	}
	if describe(after.tokens) != describe(before.tokens) {
		t.Errorf("%s changed the tokens:\n%s\nwas\n%s", what, describe(after.tokens), describe(before.tokens))
	}
	if after.audit != before.audit {
		t.Errorf("%s wrote %d audit entries", what, after.audit-before.audit)
	}
}

func describe(ds []*devices.Device) string {
	s := ""
	for _, d := range ds {
		s += fmt.Sprintf("%s owner=%q name=%q confirmed=%v retired=%v\n", d.Serial, d.User, d.Name, d.Confirmed, !d.Retired.IsZero())
	}
	return s
}

func (e *env) audit(t *testing.T, f db.AuditFilter) []db.AuditEntry {
	t.Helper()
	f.Limit = 100000
	es, err := e.Store.Audit(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (e *env) devicesOf(t *testing.T, st db.Store, user string) []*devices.Device {
	t.Helper()
	ds, err := st.Devices(ctx, user)
	if err != nil {
		t.Fatalf("devices of %s: %v", user, err)
	}
	return ds
}

// notFound checks err is ErrNotFound naming what and name.
func notFound(t *testing.T, err error, what, name, doing string) {
	t.Helper()
	var nf *db.NotFoundError
	switch {
	case !errors.Is(err, db.ErrNotFound):
		t.Errorf("%s: %v, want ErrNotFound", doing, err)
	case !errors.As(err, &nf):
		t.Errorf("%s: %v is not a NotFoundError", doing, err)
	case nf.What != what || nf.Name != name:
		t.Errorf("%s: not found %s %q, want %s %q", doing, nf.What, nf.Name, what, name)
	}
}
