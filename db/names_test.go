package db

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

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
