package db

import (
	"database/sql"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// forms returns spellings of base that must all be one user: padded,
// other case, full-width.
func forms(base string) []string {
	wide := []rune{}
	for _, r := range base {
		if r >= 'a' && r <= 'z' {
			r += 0xff41 - 'a'
		}
		wide = append(wide, r)
	}
	upper := []rune(base)
	upper[0] -= 'a' - 'A'
	return []string{base, " " + base, base + "\t", string(upper), string(wide), "\u00a0" + string(wide)}
}

// Random sequences of adds of look-alike forms, through the store:
// whatever the order, each base name is stored once, normalised, and every
// refusal names the user that was stored first.
func TestLookAlikeAddsOverRandomSequences(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range 5 {
		s := newFixture(t).open(t)
		bases := []string{"alice", "bob", "carol"}
		first := map[string]string{}
		for range 40 {
			base := bases[rng.IntN(len(bases))]
			fs := forms(base)
			name := fs[rng.IntN(len(fs))]
			u, err := s.AddUser(ctx, "t", name)
			if stored, ok := first[devices.UserNameKey(base)]; ok {
				var la *LookAlikeError
				switch {
				case err == nil:
					t.Fatalf("round %d: %q added although %q exists", round, name, stored)
				case !errors.Is(err, ErrExists):
					t.Fatalf("round %d: %q: %v", round, name, err)
				case errors.As(err, &la) && la.Existing != stored:
					t.Fatalf("round %d: %q refused naming %q, want %q", round, name, la.Existing, stored)
				}
				continue
			}
			if err != nil {
				t.Fatalf("round %d: first form %q refused: %v", round, name, err)
			}
			if u.Name != devices.NormalizeUserName(name) {
				t.Fatalf("round %d: stored %q for %q", round, u.Name, name)
			}
			first[devices.UserNameKey(base)] = u.Name
		}
		us, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != len(first) {
			t.Fatalf("round %d: %d users stored for %d names", round, len(us), len(first))
		}
	}
}

// Two processes adding look-alikes at the same moment: exactly one wins.
// Each store handle has its own connections, as two processes would.
func TestLookAlikeAddsRacingAcrossHandles(t *testing.T) {
	f := newFixture(t)
	a, b := f.open(t), f.open(t)
	for i, pair := range [][2]string{{"dave", "DAVE"}, {"erin", "\uff45rin"}, {"frank", "Frank "}} {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, s := range []*SQLite{a, b} {
			wg.Go(func() { _, errs[j] = s.AddUser(ctx, "t", pair[j]) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("pair %d %q: errors %v / %v: want exactly one success", i, pair, errs[0], errs[1])
		}
	}
	if us, _ := a.Users(ctx); len(us) != 3 {
		t.Fatalf("%d users after the races, want 3", len(us))
	}
}

// A store made before names were checked may hold look-alikes already. It
// must still open; the oldest keeps the name, the others are flagged, each
// is still reachable by its exact name, and no new look-alike is accepted.
func TestLegacyLookAlikesSurviveTheMigration(t *testing.T) {
	f := newFixture(t)
	raw, err := sql.Open("sqlite", f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	legacy := []string{"alice", "ALICE", " alice", "bob"}
	// The store as schema 3 left it, with look-alikes in it.
	for _, q := range []string{migrations[0], migrations[1], migrations[2], "PRAGMA user_version = 3", "PRAGMA application_id = 843465027"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	for _, n := range legacy {
		if _, err := raw.Exec("INSERT INTO users(name, created_at) VALUES (?, 1)", n); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	s := f.open(t)
	us, err := s.Users(ctx)
	if err != nil || len(us) != len(legacy) {
		t.Fatalf("users after migration: %v %+v", err, us)
	}
	flagged := map[string]bool{}
	for _, u := range us {
		flagged[u.Name] = u.LookAlike
	}
	if flagged["alice"] || !flagged["ALICE"] || !flagged[" alice"] || flagged["bob"] {
		t.Fatalf("look-alike flags: %v", flagged)
	}
	for _, n := range legacy {
		if ds, err := s.Devices(ctx, n); err != nil || ds != nil {
			t.Fatalf("legacy user %q not reachable by its exact name: %v", n, err)
		}
	}
	var la *LookAlikeError
	if _, err := s.AddUser(ctx, "t", "Alice"); !errors.As(err, &la) || la.Existing != "alice" {
		t.Fatalf("new look-alike of a legacy name: %v", err)
	}
	if _, err := s.AddUser(ctx, "t", "BOB"); !errors.As(err, &la) || la.Existing != "bob" {
		t.Fatalf("new look-alike of a migrated name: %v", err)
	}
	if _, err := s.AddUser(ctx, "t", "carol"); err != nil {
		t.Fatal(err)
	}
}

// import --create-users goes through the same insert: a look-alike is
// refused, a padded spelling of an existing name finds that user.
func TestImportCreateUsersRefusesLookAlikes(t *testing.T) {
	s := newFixture(t).open(t)
	if _, err := s.AddUser(ctx, "t", "alice"); err != nil {
		t.Fatal(err)
	}
	item := func(user, serial string) []ImportItem {
		return []ImportItem{{Origin: "line 1", Device: &devices.Device{Name: "token", Kind: devices.TOTP, Hardware: true,
			Serial: serial, User: user, Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: seed, Tolerance: 1,
			Enabled: true, LastStep: otpcore.NoFloor, Created: time.Now()}}}
	}
	opt := ImportOptions{Assign: true, CreateUsers: true}
	var la *LookAlikeError
	if _, err := s.ImportTokens(ctx, "t", item("\uff21LICE", "T1"), opt); !errors.As(err, &la) || la.Existing != "alice" {
		t.Fatalf("import of a look-alike: %v", err)
	}
	if _, err := s.ImportTokens(ctx, "t", item(" alice ", "T2"), opt); err != nil {
		t.Fatal(err)
	}
	us, _ := s.Users(ctx)
	if len(us) != 1 || us[0].Devices != 1 {
		t.Fatalf("users after import: %+v", us)
	}
}
