package importer_test

import (
	"context"
	"encoding/base32"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/importer"
	"github.com/two-factor/two-factor/views/users"
)

func seed(serial string) []byte {
	b := []byte(fmt.Sprintf("seed-of-%-12s", serial))
	return b[:20]
}

func secretText(serial string) string { return base32.StdEncoding.EncodeToString(seed(serial)) }

// msCSV is a Microsoft hardware OATH CSV; each row is upn and serial.
func msCSV(rows ...[2]string) string {
	var b strings.Builder
	b.WriteString("upn,serial number,secret key,time interval,manufacturer,model\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,30,Token2,c202\n", r[0], r[1], secretText(r[1]))
	}
	return b.String()
}

// write puts a file in the test's directory (the working directory, so
// paths in frames are short and stable) and returns its name.
func write(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// setup opens the import screen over the user list, in a fresh working
// directory.
func setup(t *testing.T, w, h int) (*tuitest.Env, *tuitest.App, *importer.Model) {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	t.Chdir(t.TempDir())
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := importer.New(c)
	a.Send(tui.PushMsg{View: m})
	return e, a, m
}

func inventory(t *testing.T, e *tuitest.Env) map[string]string {
	t.Helper()
	toks, err := e.Svc.Tokens(context.Background(), db.TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range toks {
		out[d.Serial] = d.User
	}
	return out
}

// pkgDir is the package's directory, where testdata is; tests run in
// their own working directories.
var pkgDir, _ = os.Getwd()

// golden compares frame with the package's golden file.
func golden(t *testing.T, frame string) {
	t.Helper()
	if err := os.Chdir(pkgDir); err != nil {
		t.Fatal(err)
	}
	tuitest.Golden(t, frame)
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("form/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H)
			a.Type("tokens.csv")
			a.Keys("down", "down")
			golden(t, a.Frame())
		})
		t.Run("plan/"+sz.Name, func(t *testing.T) {
			e, a, _ := setup(t, sz.W, sz.H)
			e.Svc.Import(context.Background(), strings.NewReader(msCSV([2]string{"", "GALT0002"})), service.ImportOptions{})
			rows := [][2]string{{"", "GALT0001"}, {"", "GALT0002"}, {"alice", "GALT0003"}}
			for i := 4; i <= 40; i++ {
				rows = append(rows, [2]string{"", fmt.Sprintf("GALT%04d", i)})
			}
			a.Type(write(t, "tokens.csv", msCSV(rows...)))
			a.Keys("enter")
			golden(t, a.Frame())
		})
		t.Run("password/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H)
			a.Type(write(t, "tokens.pskc", encryptedPSKC(t, "s3cret-pass")))
			a.Keys("enter")
			a.Type("s3cr")
			golden(t, a.Frame())
		})
		t.Run("error/"+sz.Name, func(t *testing.T) {
			_, a, _ := setup(t, sz.W, sz.H)
			csv := msCSV([2]string{"", "GALT0001"}) + ",GALT0002,NOT-BASE32!,30,Token2,c202\n"
			a.Type(write(t, "bad.csv", csv))
			a.Keys("enter")
			golden(t, a.Frame())
		})
	}
}

func TestDryRunThenImport(t *testing.T) {
	e, a, m := setup(t, 80, 24)
	a.Type(write(t, "tokens.csv", msCSV([2]string{"", "GALT0001"}, [2]string{"alice", "GALT0002"}, [2]string{"", "GALT0003"})))
	a.Keys("enter")
	frame := a.Frame()
	for _, want := range []string{"Dry run of tokens.csv · Microsoft hardware OATH CSV (detected)", "Nothing has changed yet.",
		"3 tokens: 3 to add · 0 to replace · 0 skipped · 1 to be assigned", "added    GALT0002", "alice", "line 3", "enter imports 3 tokens"} {
		if !strings.Contains(frame, want) {
			t.Errorf("plan lacks %q:\n%s", want, frame)
		}
	}
	if len(m.Plan()) != 3 {
		t.Fatalf("plan %v", m.Plan())
	}
	if inv := inventory(t, e); len(inv) != 0 {
		t.Fatalf("the dry run imported %v", inv)
	}
	// The import uses the bytes the dry run planned, whatever the file
	// holds now.
	write(t, "tokens.csv", "garbage")
	a.Keys("enter")
	inv := inventory(t, e)
	if len(inv) != 3 || inv["GALT0002"] != "alice" || inv["GALT0001"] != "" {
		t.Fatalf("after the import: %v\n%s", inv, a.Frame())
	}
	if got := a.Root.StatusLine().Text; got != "imported 3 tokens from tokens.csv: 3 added, 0 replaced, 0 skipped" {
		t.Errorf("status %q", got)
	}
	if a.Root.Top() == tui.View(m) {
		t.Error("the import screen should close once the import is done")
	}
	if st, _ := e.Svc.Status(context.Background(), []string{"alice"}); !st[0].Enabled {
		t.Error("alice's token from the file should be active at once")
	}
}

func TestOptions(t *testing.T) {
	e, a, m := setup(t, 80, 24)
	file := write(t, "t.csv", msCSV([2]string{"bob", "GALT0001"}, [2]string{"", "GALT0002"}))

	// bob does not exist: the error says which line and what to do.
	a.Type(file)
	a.Keys("enter")
	st := a.Root.StatusLine()
	if st.Level != tui.Error || !strings.Contains(st.Text, "import t.csv: line 2:") || !strings.Contains(st.Text, `user "bob" does not exist`) ||
		!strings.Contains(st.Text, "tick Create users to add it, or untick Assign") || !strings.Contains(st.Text, "nothing was imported") {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(a.Frame(), "✗ import t.csv: line 2") {
		t.Errorf("the form does not show the error:\n%s", a.Frame())
	}

	// Untick Assign: both go to the inventory.
	a.Keys("down", "down", "space", "enter")
	if p := m.Plan(); len(p) != 2 || p[0].User != "" {
		t.Fatalf("no-assign plan %+v\n%s", p, a.Frame())
	}
	a.Keys("esc") // back to the form, options kept
	// Assign again, and create users.
	a.Keys("space", "down", "space", "enter")
	if p := m.Plan(); len(p) != 2 || p[0].User != "bob" {
		t.Fatalf("create-users plan %+v\n%s", p, a.Frame())
	}
	a.Keys("enter")
	if inv := inventory(t, e); inv["GALT0001"] != "bob" {
		t.Fatalf("inventory %v", inv)
	}
	if st, _ := e.Svc.Status(context.Background(), []string{"bob"}); !st[0].Exists || !st[0].Enabled {
		t.Errorf("bob: %+v", st)
	}

	// Importing again skips both, and says so; Replace overwrites them.
	m2 := importer.New(a.Root.Common())
	a.Send(tui.PushMsg{View: m2})
	a.Type(file)
	a.Keys("enter")
	frame := a.Frame()
	for _, want := range []string{"2 skipped", "Skipped tokens are known already; tick Replace (esc) to overwrite them.", "skipped  GALT0001", "serial already known", "Nothing to import."} {
		if !strings.Contains(frame, want) {
			t.Errorf("re-import plan lacks %q:\n%s", want, frame)
		}
	}
	a.Keys("enter")
	if got := a.Root.StatusLine().Text; got != "nothing to import: every token in the file is skipped" {
		t.Errorf("status %q", got)
	}
	a.Keys("esc", "up", "space", "enter")
	if p := m2.Plan(); len(p) != 2 || p[0].Action != db.ImportReplaced {
		t.Fatalf("replace plan %+v\n%s", p, a.Frame())
	}
}

func TestChooseFormat(t *testing.T) {
	_, a, m := setup(t, 80, 24)
	a.Type(write(t, "t.csv", msCSV([2]string{"", "GALT0001"})))
	a.Keys("down", "right", "right", "right") // auto → azure → oathcsv → pskc
	if !strings.Contains(a.Frame(), "‹ pskc › PSKC (RFC 6030)") {
		t.Fatalf("format:\n%s", a.Frame())
	}
	a.Keys("enter")
	if st := a.Root.StatusLine(); st.Level != tui.Error || !strings.Contains(st.Text, "import t.csv:") {
		t.Errorf("a CSV read as PSKC: %+v", st)
	}
	a.Keys("down", "left", "left", "enter") // azure
	if len(m.Plan()) != 1 || !strings.Contains(a.Frame(), "Microsoft hardware OATH CSV") || strings.Contains(a.Frame(), "(detected)") {
		t.Errorf("azure chosen:\n%s", a.Frame())
	}
}

func TestErrorsNameTheFileAndLineAndNoSecret(t *testing.T) {
	_, a, _ := setup(t, 120, 40)
	bad := "JBSWY3DPEHPK3PXP!!"
	csv := msCSV([2]string{"", "GALT0001"}) + ",GALT0002," + bad + ",30,Token2,c202\n"
	a.Type(write(t, "bad.csv", csv))
	a.Keys("enter")
	st := a.Root.StatusLine()
	if st.Level != tui.Error || !strings.HasPrefix(st.Text, "import bad.csv: line 3: secret key") || !strings.HasSuffix(st.Text, "nothing was imported") {
		t.Fatalf("status %+v", st)
	}
	raw := a.Root.Render()
	for _, secret := range []string{bad, "JBSWY3DP", secretText("GALT0001")} {
		if strings.Contains(raw, secret) || strings.Contains(st.Text, secret) {
			t.Errorf("the error shows the secret %q:\n%s", secret, a.Frame())
		}
	}

	a.Keys("ctrl+u")
	a.Type("missing.csv")
	a.Keys("enter")
	if st := a.Root.StatusLine(); !strings.Contains(st.Text, "import missing.csv: open missing.csv: no such file or directory") {
		t.Errorf("missing file: %+v", st)
	}
	a.Keys("ctrl+u", "enter")
	if !strings.Contains(a.Frame(), "type the path of the seed file") {
		t.Errorf("empty path:\n%s", a.Frame())
	}
	os.Mkdir("adir", 0o700)
	a.Type("adir")
	a.Keys("enter")
	if st := a.Root.StatusLine(); !strings.Contains(st.Text, "import adir: adir is a directory, not a regular file or a pipe") {
		t.Errorf("directory: %+v", st)
	}
}

func TestEscGoesBack(t *testing.T) {
	_, a, m := setup(t, 80, 24)
	a.Type("q?") // text, not the global keys
	if a.Quit || !strings.Contains(a.Frame(), "File      q?") {
		t.Fatalf("q and ? should be typed:\n%s", a.Frame())
	}
	a.Keys("esc")
	if a.Root.Top() == tui.View(m) {
		t.Error("esc should close the import screen")
	}
}

// TestNoColour: with NO_COLOR the plan draws no colour and says each
// row's fate in words.
func TestNoColour(t *testing.T) {
	e := tuitest.NewEnv(t)
	t.Chdir(t.TempDir())
	e.Svc.Import(context.Background(), strings.NewReader(msCSV([2]string{"", "GALT0002"})), service.ImportOptions{})
	c := e.Common(120, 40, themes.Choice{Name: themes.Auto, NoColor: true})
	a := tuitest.NewApp(c, users.New(c))
	a.Send(tui.PushMsg{View: importer.New(c)})
	a.Type(write(t, "t.csv", msCSV([2]string{"", "GALT0001"}, [2]string{"", "GALT0002"})))
	a.Keys("enter")
	if tuitest.HasColour(a.Root.Render()) {
		t.Error("colour in a NO_COLOR frame")
	}
	for _, want := range []string{"added    GALT0001", "skipped  GALT0002", "serial already known"} {
		if !strings.Contains(a.Frame(), want) {
			t.Errorf("NO_COLOR plan lacks %q:\n%s", want, a.Frame())
		}
	}
}
