package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/audit"
	"github.com/two-factor/two-factor/views/users"
)

func setup(t *testing.T, w, h int, user string) (*tuitest.App, *audit.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.Seed(t)
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := audit.New(c, user)
	a.Send(tui.PushMsg{View: m})
	return a, m
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("all/"+sz.Name, func(t *testing.T) {
			a, _ := setup(t, sz.W, sz.H, "")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("alice/"+sz.Name, func(t *testing.T) {
			a, _ := setup(t, sz.W, sz.H, "alice")
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestFilter(t *testing.T) {
	a, m := setup(t, 80, 24, "")
	all := len(m.Entries())
	a.Keys("/")
	a.Type("enroll")
	n := len(m.Entries())
	if n == 0 || n >= all {
		t.Fatalf("filter enroll: %d of %d", n, all)
	}
	for _, e := range m.Entries() {
		if e.Action != "device.enroll" {
			t.Errorf("filtered entry %+v", e)
		}
	}
	a.Keys("enter", "esc")
	if len(m.Entries()) != all {
		t.Fatalf("esc should clear the filter: %d of %d", len(m.Entries()), all)
	}
	a.Keys("esc")
	if a.Root.Depth() != 1 {
		t.Fatal("esc with no filter should go back")
	}
}

func TestOneUser(t *testing.T) {
	_, m := setup(t, 80, 24, "bob")
	if len(m.Entries()) == 0 {
		t.Fatal("no entries for bob")
	}
	for _, e := range m.Entries() {
		if e.User != "bob" {
			t.Errorf("entry of %q in bob's log", e.User)
		}
	}
	if !strings.Contains(m.Title(), "bob") {
		t.Errorf("title %q", m.Title())
	}
}

// TestColumnsFitAt80: at 80 columns action names are whole, the actor has
// a column, and an import reads as done, not as a warning (issue 8).
func TestColumnsFitAt80(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	csv := "upn,serial number,secret key,time interval,manufacturer,model\n,TK0001,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,Token2,C202\n"
	if _, err := e.Svc.Import(context.Background(), strings.NewReader(csv), service.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	m := audit.New(c, "")
	a.Send(tui.PushMsg{View: m})
	frame := a.Frame()
	lines := strings.Split(frame, "\n")
	if !strings.Contains(lines[2], "ACTOR") {
		t.Errorf("no actor column:\n%s", frame)
	}
	var backup, imported string
	for _, l := range lines[3:] {
		if !strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "› ") {
			continue // the detail pane below the list
		}
		switch {
		case strings.Contains(l, "device.backup-co"):
			backup = l
		case strings.Contains(l, "token.import"):
			imported = l
		}
	}
	actor := m.Entries()[0].Actor
	if !strings.Contains(backup, "device.backup-codes ") || !strings.Contains(backup, actor) {
		t.Errorf("backup-codes row cut or without actor %q: %q", actor, backup)
	}
	if !strings.Contains(imported, "✓ added") {
		t.Errorf("import row: %q", imported)
	}
}
