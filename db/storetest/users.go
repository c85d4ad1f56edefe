package storetest

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// Whatever is missing is named in a NotFoundError (errors.Is ErrNotFound).
func notFoundErrors(t *testing.T, e *env) {
	e.addUser(t, "alice")
	e.importTokens(t, db.ImportOptions{}, e.token("SN1", ""))
	before := e.snapshot(t)
	_, err := e.Store.Devices(ctx, "nobody")
	notFound(t, err, "user", "nobody", "Devices")
	notFound(t, e.Store.Update(ctx, actor, "nobody", func(*db.Unit) error { return nil }), "user", "nobody", "Update")
	notFound(t, e.Store.RemoveUser(ctx, actor, "nobody"), "user", "nobody", "RemoveUser")
	notFound(t, e.Store.AssignToken(ctx, actor, "NOPE", "alice"), "token", "NOPE", "AssignToken of an unknown serial")
	notFound(t, e.Store.AssignToken(ctx, actor, "SN1", "nobody"), "user", "nobody", "AssignToken to an unknown user")
	notFound(t, e.Store.UnassignToken(ctx, actor, "NOPE"), "token", "NOPE", "UnassignToken")
	notFound(t, e.Store.RetireToken(ctx, actor, "NOPE"), "token", "NOPE", "RetireToken")
	err = e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
		_, err := u.Find("tablet")
		return err
	})
	notFound(t, err, "device", "tablet", "Unit.Find")
	e.unchanged(t, before, "operations on what does not exist")
}

// A user or device that exists already is refused with ErrExists, and so
// is a name that reads like an existing user's (LookAlikeError), which is
// also not found when looked up.
func duplicatesRefused(t *testing.T, e *env) {
	if _, err := e.Store.AddUser(ctx, actor, "evil\x1b]0;pwned\x07"); err == nil {
		t.Fatal("a user name with an escape sequence was accepted")
	}
	e.addUser(t, "alice")
	e.addApp(t, "alice", "phone", []byte("alice-phone-secret!!"))
	before := e.snapshot(t)
	if _, err := e.Store.AddUser(ctx, actor, "alice"); !errors.Is(err, db.ErrExists) {
		t.Errorf("duplicate user: %v, want ErrExists", err)
	}
	for _, name := range []string{"ALICE", "\uff41lice"} {
		_, err := e.Store.AddUser(ctx, actor, name)
		var la *db.LookAlikeError
		if !errors.Is(err, db.ErrExists) || !errors.As(err, &la) || la.Existing != "alice" {
			t.Errorf("look-alike %q: %v, want a LookAlikeError naming alice", name, err)
		}
		if _, err := e.Store.Devices(ctx, name); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Devices(%q): %v, want ErrNotFound", name, err)
		}
	}
	err := e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
		u.Add(e.app("phone", []byte("second-phone-secret!")))
		return nil
	})
	if !errors.Is(err, db.ErrExists) {
		t.Errorf("duplicate device name: %v, want ErrExists", err)
	}
	e.importTokens(t, db.ImportOptions{}, e.token("SN1", ""))
	before = e.snapshot(t)
	err = e.Store.Update(ctx, actor, "alice", func(u *db.Unit) error {
		d := e.token("SN1", "").Device
		d.Name = "second token"
		u.Add(d)
		return nil
	})
	if !errors.Is(err, db.ErrExists) {
		t.Errorf("duplicate serial: %v, want ErrExists", err)
	}
	e.unchanged(t, before, "refused duplicates")
}

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

// Random sequences of adds of look-alike forms: whatever the order, each
// base name is stored once, normalised, and every refusal names the user
// that was stored first.
func lookAlikeSequences(t *testing.T, e *env) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	bases := []string{"alice", "bob", "carol"}
	first := map[string]string{}
	for range 40 {
		base := bases[rng.IntN(len(bases))]
		fs := forms(base)
		name := fs[rng.IntN(len(fs))]
		u, err := e.Store.AddUser(ctx, actor, name)
		if stored, ok := first[base]; ok {
			var la *db.LookAlikeError
			switch {
			case err == nil:
				t.Fatalf("%q added although %q exists", name, stored)
			case !errors.Is(err, db.ErrExists):
				t.Fatalf("%q: %v", name, err)
			case errors.As(err, &la) && la.Existing != stored:
				t.Fatalf("%q refused naming %q, want %q", name, la.Existing, stored)
			}
			continue
		}
		if err != nil {
			t.Fatalf("first form %q refused: %v", name, err)
		}
		if u.Name != devices.NormalizeUserName(name) {
			t.Fatalf("stored %q for %q", u.Name, name)
		}
		first[base] = u.Name
	}
	us, err := e.Store.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != len(first) {
		t.Fatalf("%d users stored for %d names", len(us), len(first))
	}
}

// DisableUsers is all or nothing: one unknown name and no user loses a
// device; otherwise each loses every device (tokens back to the
// inventory) and the counts come in the order asked.
func disableUsersAllOrNothing(t *testing.T, e *env) {
	for _, n := range []string{"alice", "bob", "carol"} {
		e.addUser(t, n)
	}
	e.addApp(t, "alice", "phone", []byte("alice-phone-secret!!"))
	e.addApp(t, "bob", "phone", []byte("bob-phone-secret!!!!"))
	e.addApp(t, "bob", "tablet", []byte("bob-tablet-secret!!!"))
	e.importTokens(t, db.ImportOptions{Assign: true}, e.token("SN1", "bob"))
	before := e.snapshot(t)
	_, err := e.Store.DisableUsers(ctx, actor, []string{"alice", "nobody", "bob"})
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("disable with an unknown user: %v, want ErrNotFound", err)
	}
	var nf *db.NotFoundError
	if !errors.As(err, &nf) || nf.What != "user" || !strings.Contains(nf.Name, "nobody") {
		t.Errorf("the error %v does not name the unknown user", err)
	}
	e.unchanged(t, before, "a refused DisableUsers")
	counts, err := e.Store.DisableUsers(ctx, actor, []string{"bob", "carol", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 3 || counts[0] != 3 || counts[1] != 0 || counts[2] != 1 {
		t.Fatalf("devices removed %v, want [3 0 1]", counts)
	}
	st, err := e.Store.Statuses(ctx, []string{"alice", "bob", "carol"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Exists || s.Enabled {
			t.Errorf("after disable: %+v, want the user kept with 2FA off", s)
		}
	}
	if toks, _ := e.Store.Tokens(ctx, db.TokenFilter{Unassigned: true}); len(toks) != 1 {
		t.Errorf("bob's token did not go back to the inventory: %s", describe(toks))
	}
	if got := e.audit(t, db.AuditFilter{Action: "user.disable"}); len(got) != 3 {
		t.Errorf("%d user.disable audit entries, want 3", len(got))
	}
}

// Statuses answers in the order asked, unknown names included; with no
// names it reports every user, by name.
func statusesInOrder(t *testing.T, e *env) {
	for _, n := range []string{"carol", "alice", "bob"} {
		e.addUser(t, n)
	}
	e.addApp(t, "alice", "phone", []byte("alice-phone-secret!!"))
	e.addApp(t, "bob", "phone", []byte("bob-phone-secret!!!!"))
	err := e.Store.Update(ctx, actor, "bob", func(u *db.Unit) error {
		p, err := u.Find("phone")
		p.Enabled = false
		u.Save(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []db.UserStatus{{Name: "carol", Exists: true}, {Name: "nobody"}, {Name: "alice", Exists: true, Enabled: true}, {Name: "bob", Exists: true}}
	got, err := e.Store.Statuses(ctx, []string{"carol", "nobody", "alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d statuses for %d names", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("status %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	all, err := e.Store.Statuses(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Name != "alice" || all[1].Name != "bob" || all[2].Name != "carol" {
		t.Fatalf("Statuses(nil) = %+v, want every user by name", all)
	}
}
