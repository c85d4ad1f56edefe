package tokens_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/tokens"
)

// pick moves the selection to the first token that satisfies ok.
func pick(t *testing.T, a *tuitest.App, m *tokens.Model, ok func(*devices.Device) bool) {
	t.Helper()
	a.Keys("g")
	for range m.Visible() {
		if d := m.Selected(); d != nil && ok(d) {
			return
		}
		a.Keys("down")
	}
	t.Fatalf("no such token on screen:\n%s", a.Frame())
}

func assignedTo(t *testing.T, e *tuitest.Env, serial string) string {
	t.Helper()
	toks, err := e.Svc.Tokens(context.Background(), db.TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range toks {
		if d.Serial == serial {
			return d.User
		}
	}
	t.Fatalf("no token %s", serial)
	return ""
}

func TestAssign(t *testing.T) {
	e := stock(t)
	a, m := open(t, e, 80, 24)
	a.Keys("down") // GALT10000001 after FT0003
	if m.Selected().Serial != "GALT10000001" {
		t.Fatalf("selected %s", m.Selected().Serial)
	}
	a.Keys("a")
	if !m.Capturing() || !strings.Contains(a.Frame(), "Assign GALT10000001 to:") {
		t.Fatalf("a should open the prompt:\n%s", a.Frame())
	}
	a.Type("zoe")
	a.Keys("enter")
	st := a.Root.StatusLine()
	if st.Level != tui.Error || !strings.Contains(st.Text, `no user named "zoe"`) || !strings.Contains(st.Text, "add them on the users screen") {
		t.Fatalf("unknown user: status %+v", st)
	}
	if !m.Capturing() {
		t.Fatal("the prompt should stay open to correct the name")
	}
	a.Keys("ctrl+u")
	a.Type("ca")
	a.Keys("tab") // completes carol
	a.Keys("enter")
	if got := assignedTo(t, e, "GALT10000001"); got != "carol" {
		t.Fatalf("GALT10000001 assigned to %q\n%s", got, a.Frame())
	}
	if got := a.Root.StatusLine().Text; got != "token GALT10000001 assigned to carol: active at once" {
		t.Errorf("status %q", got)
	}
	if m.Capturing() || m.Visible() != 2 {
		t.Errorf("after assigning: capturing %v, %d in stock\n%s", m.Capturing(), m.Visible(), a.Frame())
	}
	st2, err := e.Svc.Status(context.Background(), []string{"carol"})
	if err != nil || !st2[0].Enabled {
		t.Errorf("carol's status after the assignment: %+v %v", st2, err)
	}

	// A token that has an owner is not offered; a retired one neither.
	a.Keys("A")
	pick(t, a, m, func(d *devices.Device) bool { return d.User != "" })
	a.Keys("a")
	if m.Capturing() || !strings.Contains(a.Root.StatusLine().Text, "press u to take it back first") {
		t.Errorf("assigning an assigned token: %+v", a.Root.StatusLine())
	}
}

func TestAssignUnknownUserRefusedByTheStore(t *testing.T) {
	// Before the names are loaded (or if another admin removed the user
	// meanwhile) the store's refusal gets the same advice.
	e := stock(t)
	a, _ := open(t, e, 80, 24)
	a.Keys("a")
	e.Exec(t, "DELETE FROM users WHERE name = 'bob'")
	a.Type("bob")
	a.Keys("enter")
	if st := a.Root.StatusLine(); !strings.Contains(st.Text, `no user named "bob"`) {
		t.Fatalf("status %+v", st)
	}
}

func TestUnassign(t *testing.T) {
	e := stock(t)
	a, m := open(t, e, 80, 24)
	a.Keys("A")
	pick(t, a, m, func(d *devices.Device) bool { return d.Serial == "GALT10000004" })
	a.Keys("u")
	if !strings.Contains(a.Frame(), "Take token GALT10000004 back from alice?") {
		t.Fatalf("u should ask:\n%s", a.Frame())
	}
	a.Keys("n")
	if assignedTo(t, e, "GALT10000004") != "alice" {
		t.Fatal("n unassigned anyway")
	}
	a.Keys("u", "y")
	if got := assignedTo(t, e, "GALT10000004"); got != "" {
		t.Fatalf("still assigned to %q", got)
	}
	if got := a.Root.StatusLine().Text; got != "token GALT10000004 is back in the inventory (taken from alice)" {
		t.Errorf("status %q", got)
	}
	if a.Root.Top() != m || m.Selected().Serial != "GALT10000004" {
		t.Errorf("after unassigning: top %T, selected %v", a.Root.Top(), m.Selected())
	}
	a.Keys("u")
	if !strings.Contains(a.Root.StatusLine().Text, "is not assigned to anyone") {
		t.Errorf("u on a stock token: %+v", a.Root.StatusLine())
	}
}

func TestRetire(t *testing.T) {
	e := stock(t)
	a, m := open(t, e, 80, 24)
	a.Keys("x")
	frame := a.Frame()
	for _, want := range []string{"Retire token FT0003 for good?", "TOTP token serial FT0003 (Feitian c200", "y retire FT0003"} {
		if !strings.Contains(frame, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, frame)
		}
	}
	a.Keys("esc")
	if m.Visible() != 3 {
		t.Fatal("esc retired the token")
	}
	a.Keys("x", "y")
	toks, _ := e.Svc.Tokens(context.Background(), db.TokenFilter{Unassigned: true})
	if len(toks) != 2 {
		t.Fatalf("%d tokens in stock after retiring", len(toks))
	}
	if got := a.Root.StatusLine().Text; got != "token FT0003 retired" || m.Visible() != 2 {
		t.Errorf("status %q, %d shown", got, m.Visible())
	}
	a.Keys("R")
	pick(t, a, m, func(d *devices.Device) bool { return d.Serial == "FT0003" })
	a.Keys("x")
	if !strings.Contains(a.Root.StatusLine().Text, "retired already") {
		t.Errorf("x on a retired token: %+v", a.Root.StatusLine())
	}
	a.Keys("a")
	if !strings.Contains(a.Root.StatusLine().Text, "retired and cannot be assigned") {
		t.Errorf("a on a retired token: %+v", a.Root.StatusLine())
	}
}
