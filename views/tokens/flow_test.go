package tokens_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/users"
)

// flow runs the whole console as a Bubble Tea program (teatest) on a real
// store, with the colour profile pinned.
type flow struct {
	t    *testing.T
	tm   *teatest.TestModel
	seen []byte
}

func startFlow(t *testing.T, e *tuitest.Env) *flow {
	t.Helper()
	c := e.Common(120, 40, themes.Choice{Name: themes.Dark, IsDark: true})
	tm := teatest.NewTestModel(t, tui.New(c, users.New(c)),
		teatest.WithInitialTermSize(120, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI256)))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return &flow{t: t, tm: tm}
}

// waitFor waits until the screen shows text. The renderer writes only
// the cells that change, so the program is asked to clear the screen and
// draw it whole, and the text is looked for in what it drew since the last
// clear, white space ignored (blank cells may be skipped over).
func (f *flow) waitFor(text string) {
	f.t.Helper()
	want := squash(text)
	var shown string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		f.tm.Send(tea.ClearScreen())
		time.Sleep(25 * time.Millisecond)
		b, err := io.ReadAll(f.tm.Output())
		if err != nil {
			f.t.Fatal(err)
		}
		f.seen = append(f.seen, b...)
		if i := bytes.LastIndex(f.seen, []byte("\x1b[2J")); i >= 0 {
			f.seen = f.seen[i:]
		}
		shown = ansi.Strip(string(f.seen))
		if strings.Contains(squash(shown), want) {
			return
		}
	}
	f.t.Fatalf("the screen did not show %q; last drawn:\n%s", text, shown)
}

func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// until polls the store, which is safe to read while the program runs.
func (f *flow) until(what string, cond func() bool) {
	f.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	f.t.Fatalf("timed out waiting for %s", what)
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(tuitest.Key(k))
	}
}

// TestFlowImportThenAssign imports a Microsoft CSV from the console (dry
// run, then confirm), then gives one of its tokens to carol, and checks
// the store at each step.
func TestFlowImportThenAssign(t *testing.T) {
	e := tuitest.NewEnv(t)
	for _, n := range []string{"alice", "carol"} {
		e.AddUser(t, n)
	}
	file := filepath.Join(t.TempDir(), "delivery.csv")
	csv := stockCSV(
		[5]string{"", "GALT20000001", "c202", "Token2", "30"},
		[5]string{"", "GALT20000002", "c202", "Token2", "30"},
		[5]string{"alice", "GALT20000003", "c202", "Token2", "30"},
	)
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stored := func() []string {
		toks, err := e.Svc.Tokens(ctx, db.TokenFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range toks {
			out = append(out, d.Serial+"="+d.User)
		}
		return out
	}

	f := startFlow(t, e)
	f.waitFor("2 users")
	f.keys("i")
	f.waitFor("No tokens in the inventory.")
	f.keys("I")
	f.waitFor("Import a seed file")
	f.tm.Type(file)
	f.keys("enter")
	f.waitFor("3 tokens: 3 to add")
	f.waitFor("enter imports 3 tokens in one transaction")
	if got := stored(); len(got) != 0 {
		t.Fatalf("the dry run imported %v", got)
	}
	f.keys("enter")
	f.until("the import", func() bool { return len(stored()) == 3 })
	f.waitFor("imported 3 tokens from")
	f.waitFor("Inventory  2 unassigned · 1 assigned")

	f.keys("a")
	f.waitFor("Assign GALT20000001 to:")
	f.tm.Type("carol")
	f.keys("enter")
	f.until("the assignment", func() bool {
		got := strings.Join(stored(), " ")
		return strings.Contains(got, "GALT20000001=carol")
	})
	f.waitFor("token GALT20000001 assigned to carol: active at once")
	st, err := e.Svc.Status(ctx, []string{"carol", "alice"})
	if err != nil || !st[0].Enabled || !st[1].Enabled {
		t.Fatalf("statuses after the import and the assignment: %+v %v", st, err)
	}
	f.tm.Quit()
	root := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	if got := root.Top().Title(); got != "Tokens" {
		t.Errorf("after assigning, the screen on top is %q", got)
	}
}

// TestFlowIdentify finds the token in hand from two codes computed from
// its seed.
func TestFlowIdentify(t *testing.T) {
	e := tuitest.NewEnv(t)
	csv := stockCSV(
		[5]string{"", "GALT30000001", "c202", "Token2", "30"},
		[5]string{"", "GALT30000002", "c202", "Token2", "30"},
		[5]string{"", "GALT30000003", "c300", "Token2", "60"},
	)
	if _, err := e.Svc.Import(context.Background(), strings.NewReader(csv), service.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cs := codes(t, e, "GALT30000003", 60, 2)
	f := startFlow(t, e)
	f.waitFor("No users yet.")
	f.keys("i")
	f.waitFor("Inventory  3 unassigned")
	f.keys("i")
	f.waitFor("Code 1:")
	f.tm.Type(cs[0])
	f.keys("tab")
	f.tm.Type(cs[1])
	f.keys("enter")
	f.waitFor("token in hand: GALT30000003 (TOTP token, unassigned), clock on time")
	f.tm.Quit()
	root := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	m, ok := root.Top().(*tokens.Model)
	if !ok {
		t.Fatalf("top %T", root.Top())
	}
	if sel := m.Selected(); sel == nil || sel.Serial != "GALT30000003" {
		t.Errorf("selected %v", sel)
	}
}
