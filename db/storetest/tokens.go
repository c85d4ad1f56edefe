package storetest

import (
	"testing"

	"github.com/two-factor/two-factor/db"
)

// An import is one transaction: an item that is invalid, names an unknown
// user, or clashes with another item leaves nothing behind, not even the
// tokens before it or the users it created.
func importAllOrNothing(t *testing.T, e *env) {
	e.addUser(t, "alice")
	e.importTokens(t, db.ImportOptions{}, e.token("SN0", ""))
	invalid := e.token("SN3", "")
	invalid.Device.Digits = 5
	clash := e.token("SN4", "dave")
	clash.Device.Name = "token SN2" // dave's SN2 has this name already
	renamed := e.token("SN0", "")
	renamed.Device.Name = "renamed SN0" // replaces SN0, then the next item fails
	for name, c := range map[string]struct {
		opt   db.ImportOptions
		items []db.ImportItem
	}{
		"an invalid token": {db.ImportOptions{}, []db.ImportItem{e.token("SN1", ""), e.token("SN2", ""), invalid}},
		"an unknown user":  {db.ImportOptions{Assign: true}, []db.ImportItem{e.token("SN1", "alice"), e.token("SN2", "nobody")}},
		"a name clash":     {db.ImportOptions{Assign: true, CreateUsers: true}, []db.ImportItem{e.token("SN1", "carol"), e.token("SN2", "dave"), clash}},
		"a replacement":    {db.ImportOptions{Replace: true, Assign: true}, []db.ImportItem{renamed, e.token("SN1", "nobody")}},
	} {
		before := e.snapshot(t)
		if _, err := e.Store.ImportTokens(ctx, actor, c.items, c.opt); err == nil {
			t.Errorf("an import with %s succeeded", name)
		}
		e.unchanged(t, before, "an import with "+name)
	}
	res, err := e.Store.ImportTokens(ctx, actor, []db.ImportItem{e.token("SN0", ""), e.token("SN1", "carol")}, db.ImportOptions{Assign: true, CreateUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Action != db.ImportSkipped || res[1].Action != db.ImportAdded || res[1].User != "carol" {
		t.Fatalf("import results %+v: want SN0 skipped (known), SN1 added for carol", res)
	}
	if ds := e.devicesOf(t, e.Store, "carol"); len(ds) != 1 || ds[0].Serial != "SN1" || !ds[0].Confirmed {
		t.Fatalf("carol's devices after the import: %s", describe(ds))
	}
	if got := e.audit(t, db.AuditFilter{Action: "token.import"}); len(got) != 2 {
		t.Fatalf("%d token.import audit entries, want 2 (SN0 then SN1)", len(got))
	}
}

// A dry run reports what an import would do and writes nothing.
func importDryRun(t *testing.T, e *env) {
	e.importTokens(t, db.ImportOptions{}, e.token("SN0", ""))
	before := e.snapshot(t)
	res, err := e.Store.ImportTokens(ctx, actor, []db.ImportItem{e.token("SN0", ""), e.token("SN1", "erin")},
		db.ImportOptions{Assign: true, CreateUsers: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Action != db.ImportSkipped || res[1].Action != db.ImportAdded {
		t.Fatalf("dry-run results %+v", res)
	}
	e.unchanged(t, before, "a dry run")
}

// A token is unassigned (in the inventory), assigned (to one user) or
// retired (for good). Assign needs an unassigned token, unassign an
// assigned one, retire one not retired yet; a refusal changes nothing.
func tokenStateRules(t *testing.T, e *env) {
	e.addUser(t, "alice")
	e.addUser(t, "bob")
	e.importTokens(t, db.ImportOptions{}, e.token("SN1", ""), e.token("SN2", ""))
	refused := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s was allowed", what)
		}
	}
	step := func(what string, err error, action string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := e.audit(t, db.AuditFilter{Action: action}); len(got) == 0 || got[0].Device == "" || got[0].Actor != actor {
			t.Errorf("%s: no %s audit entry (%+v)", what, action, got)
		}
	}

	before := e.snapshot(t)
	refused("unassigning a token in the inventory", e.Store.UnassignToken(ctx, actor, "SN1"))
	e.unchanged(t, before, "a refused unassign")

	step("assigning SN1 to alice", e.Store.AssignToken(ctx, actor, "SN1", "alice"), "token.assign")
	ds := e.devicesOf(t, e.Store, "alice")
	if len(ds) != 1 || ds[0].Serial != "SN1" || !ds[0].Confirmed || !ds[0].Enabled || ds[0].User != "alice" {
		t.Fatalf("alice after the assignment: %s", describe(ds))
	}
	if st, _ := e.Store.Statuses(ctx, []string{"alice"}); !st[0].Enabled {
		t.Error("an assigned token does not turn 2FA on")
	}
	if toks, _ := e.Store.Tokens(ctx, db.TokenFilter{Unassigned: true}); len(toks) != 1 || toks[0].Serial != "SN2" {
		t.Errorf("inventory after assigning SN1: %s", describe(toks))
	}
	before = e.snapshot(t)
	refused("assigning an assigned token", e.Store.AssignToken(ctx, actor, "SN1", "bob"))
	e.unchanged(t, before, "a refused assign")

	step("unassigning SN1", e.Store.UnassignToken(ctx, actor, "SN1"), "token.unassign")
	if ds := e.devicesOf(t, e.Store, "alice"); len(ds) != 0 {
		t.Fatalf("alice keeps %s after the unassignment", describe(ds))
	}
	if toks, _ := e.Store.Tokens(ctx, db.TokenFilter{Unassigned: true}); len(toks) != 2 {
		t.Errorf("SN1 is not back in the inventory: %s", describe(toks))
	}

	step("assigning SN2 to bob", e.Store.AssignToken(ctx, actor, "SN2", "bob"), "token.assign")
	step("retiring bob's SN2", e.Store.RetireToken(ctx, actor, "SN2"), "token.retire")
	if ds := e.devicesOf(t, e.Store, "bob"); len(ds) != 0 {
		t.Errorf("a retired token stays with its owner: %s", describe(ds))
	}
	if toks, _ := e.Store.Tokens(ctx, db.TokenFilter{}); len(toks) != 1 || toks[0].Serial != "SN1" {
		t.Errorf("the listing without retired tokens: %s", describe(toks))
	}
	all, err := e.Store.Tokens(ctx, db.TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[1].Serial != "SN2" || !all[1].Retired.Equal(e.clock.Now()) || all[1].User != "" {
		t.Errorf("tokens by serial with the retired one, retired now and unowned: %s", describe(all))
	}
	before = e.snapshot(t)
	refused("retiring a retired token", e.Store.RetireToken(ctx, actor, "SN2"))
	refused("assigning a retired token", e.Store.AssignToken(ctx, actor, "SN2", "alice"))
	refused("unassigning a retired token", e.Store.UnassignToken(ctx, actor, "SN2"))
	e.unchanged(t, before, "refused changes to a retired token")
}
