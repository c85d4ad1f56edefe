package tokens_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/importer"
	"github.com/two-factor/two-factor/views/tokens"
	"github.com/two-factor/two-factor/views/userdetail"
	"github.com/two-factor/two-factor/views/users"
)

// seed is the factory seed of the test token with this serial.
func seed(serial string) []byte {
	b := []byte(fmt.Sprintf("seed-of-%-12s", serial))
	return b[:20]
}

// stockCSV is a Microsoft hardware OATH CSV of rows "upn,serial,model,
// manufacturer,interval".
func stockCSV(rows ...[5]string) string {
	var b strings.Builder
	b.WriteString("upn,serial number,secret key,time interval,manufacturer,model\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", r[0], r[1], base32.StdEncoding.EncodeToString(seed(r[1])), r[4], r[3], r[2])
	}
	return b.String()
}

// stock fills a store with users and an inventory: three tokens in stock,
// one assigned to alice, one retired.
func stock(t *testing.T) *tuitest.Env {
	t.Helper()
	e := tuitest.NewEnv(t)
	for _, n := range []string{"alice", "bob", "carol"} {
		e.AddUser(t, n)
	}
	csv := stockCSV(
		[5]string{"", "GALT10000001", "c202", "Token2", "30"},
		[5]string{"", "GALT10000002", "c202", "Token2", "30"},
		[5]string{"", "FT0003", "c200", "Feitian", "60"},
		[5]string{"alice", "GALT10000004", "molto2", "Token2", "30"},
		[5]string{"", "OLD0005", "c100", "Token2", "30"},
	)
	ctx := context.Background()
	if _, err := e.Svc.Import(ctx, strings.NewReader(csv), service.ImportOptions{ImportOptions: db.ImportOptions{Assign: true}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.RetireToken(ctx, "OLD0005"); err != nil {
		t.Fatal(err)
	}
	return e
}

func open(t *testing.T, e *tuitest.Env, w, h int) (*tuitest.App, *tokens.Model) {
	t.Helper()
	c := e.Common(w, h)
	a := tuitest.NewApp(c, users.New(c))
	m := tokens.New(c)
	a.Send(tui.PushMsg{View: m})
	return a, m
}

func TestGolden(t *testing.T) {
	for _, sz := range tuitest.Sizes {
		t.Run("stock/"+sz.Name, func(t *testing.T) {
			a, _ := open(t, stock(t), sz.W, sz.H)
			tuitest.Golden(t, a.Frame())
		})
		t.Run("all/"+sz.Name, func(t *testing.T) {
			a, _ := open(t, stock(t), sz.W, sz.H)
			a.Keys("A", "R", "G")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("empty/"+sz.Name, func(t *testing.T) {
			a, _ := open(t, tuitest.NewEnv(t), sz.W, sz.H)
			tuitest.Golden(t, a.Frame())
		})
		t.Run("assign/"+sz.Name, func(t *testing.T) {
			a, _ := open(t, stock(t), sz.W, sz.H)
			a.Keys("a")
			a.Type("ca")
			tuitest.Golden(t, a.Frame())
		})
		t.Run("retire/"+sz.Name, func(t *testing.T) {
			a, _ := open(t, stock(t), sz.W, sz.H)
			a.Keys("x")
			tuitest.Golden(t, a.Frame())
		})
	}
}

func TestViewsAndCounts(t *testing.T) {
	a, m := open(t, stock(t), 80, 24)
	if m.Visible() != 3 || m.Showing() != tokens.ShowStock {
		t.Fatalf("stock: %d shown\n%s", m.Visible(), a.Frame())
	}
	frame := a.Frame()
	for _, want := range []string{"Inventory  3 unassigned · 1 assigned · 1 retired · 1–3", "FT0003", "Feitian", "SHA1", "60s", "2026-11-22"} {
		if !strings.Contains(frame, want) {
			t.Errorf("stock view lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "GALT10000004") || strings.Contains(frame, "OLD0005") {
		t.Errorf("the stock view lists an assigned or retired token:\n%s", frame)
	}
	a.Keys("A")
	if m.Visible() != 4 || !strings.Contains(a.Frame(), "alice") {
		t.Fatalf("all: %d shown\n%s", m.Visible(), a.Frame())
	}
	a.Keys("R")
	if m.Visible() != 5 || !strings.Contains(a.Frame(), "✗ retired") {
		t.Fatalf("all and retired: %d shown\n%s", m.Visible(), a.Frame())
	}
	a.Keys("A")
	if m.Visible() != 4 { // stock and retired
		t.Fatalf("stock and retired: %d shown\n%s", m.Visible(), a.Frame())
	}
}

func TestFilterAsYouType(t *testing.T) {
	a, m := open(t, stock(t), 80, 24)
	a.Keys("A", "/")
	a.Type("galt")
	if m.Visible() != 3 {
		t.Fatalf("galt: %d shown\n%s", m.Visible(), a.Frame())
	}
	a.Type("1000000")
	if m.Visible() != 3 {
		t.Fatalf("galt1000000: %d shown", m.Visible())
	}
	a.Keys("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	a.Type("C200") // the model, whatever the case
	if m.Visible() != 1 || m.Selected().Serial != "FT0003" {
		t.Fatalf("c200: %d shown\n%s", m.Visible(), a.Frame())
	}
	a.Keys("enter")
	if m.Capturing() || !strings.Contains(a.Frame(), `All tokens filtered by "c200"  1 of 4 match`) {
		t.Fatalf("after enter:\n%s", a.Frame())
	}
	a.Keys("esc")
	if m.Visible() != 4 || a.Root.Top() != m {
		t.Fatalf("esc should clear the filter first: %d shown", m.Visible())
	}
	a.Keys("/")
	a.Type("zzz")
	if !strings.Contains(a.Frame(), `No token matches "zzz".`) {
		t.Errorf("no match:\n%s", a.Frame())
	}
	a.Keys("esc", "esc")
	if a.Root.Top() == m {
		t.Error("esc without a filter should go back to the users")
	}
}

func TestEmptyInventory(t *testing.T) {
	a, m := open(t, tuitest.NewEnv(t), 80, 24)
	frame := a.Frame()
	for _, want := range []string{"No tokens in the inventory.", "Press I to import a seed file", "two-factor import FILE", "I import a seed file"} {
		if !strings.Contains(frame, want) {
			t.Errorf("empty inventory lacks %q:\n%s", want, frame)
		}
	}
	a.Keys("I")
	if _, ok := a.Root.Top().(*importer.Model); !ok {
		t.Fatalf("I opened %T", a.Root.Top())
	}
	_ = m
}

func TestEverythingAssigned(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	if _, err := e.Svc.Import(context.Background(), strings.NewReader(stockCSV([5]string{"alice", "SN1", "c202", "Token2", "30"})),
		service.ImportOptions{ImportOptions: db.ImportOptions{Assign: true}}); err != nil {
		t.Fatal(err)
	}
	a, _ := open(t, e, 80, 24)
	if !strings.Contains(a.Frame(), "No unassigned tokens: all 1 token in service are assigned.") {
		t.Errorf("frame:\n%s", a.Frame())
	}
}

// TestHostileTokensAreDrawnSafely writes tokens whose serial, model and
// manufacturer carry escape sequences straight into the store.
func TestHostileTokensAreDrawnSafely(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t) // includes mallory's hostile token, assigned
	e.Exec(t, `INSERT INTO devices(user_id, name, kind, hardware, serial, model, manufacturer, created_at, confirmed, enabled)
		VALUES (NULL, ?, 'totp', 1, ?, ?, ?, ?, 0, 1)`,
		"evil\x1b[2J", "EVIL\x1b]0;pwned\x07SN", "c\x1b[31m200\u202e", "Tok\x9b31men2\r", servicetest.Start.UnixMilli())
	a, m := open(t, e, 120, 40)
	check := func(what string) {
		t.Helper()
		if bad := tuitest.Unsafe(a.Root.Render()); bad != "" {
			t.Errorf("%s: %s reaches the terminal:\n%s", what, bad, a.Frame())
		}
	}
	check("stock")
	if !strings.Contains(a.Frame(), `EVIL\x1b]0;pwned\x07SN`) || !strings.Contains(a.Frame(), `c\x1b[31m200\u202e`) {
		t.Errorf("the hostile token is not shown escaped:\n%s", a.Frame())
	}
	a.Keys("A", "R")
	check("all")
	if !strings.Contains(a.Frame(), `SN\x1b]52;c;aGk=\x07`) {
		t.Errorf("mallory's token is not shown escaped:\n%s", a.Frame())
	}
	pick(t, a, m, func(d *devices.Device) bool { return d.Serial == "EVIL\x1b]0;pwned\x07SN" })
	a.Keys("x")
	check("retire question")
	a.Keys("esc", "a")
	check("assign prompt")
	a.Keys("esc", "/")
	a.Type("evil")
	check("filter")
	a.Keys("esc")
	pick(t, a, m, func(d *devices.Device) bool { return d.User != "" })
	a.Keys("u")
	check("unassign question")
	a.Keys("y")
	check("after unassigning")
}

// The seed-file fixtures must stay valid for the importer too.
func TestStockCSVParses(t *testing.T) {
	toks, err := seedfile.Parse(bytes.NewReader([]byte(stockCSV([5]string{"", "A1", "m", "v", "30"}))), seedfile.Options{})
	if err != nil || len(toks) != 1 || string(toks[0].Secret) != string(seed("A1")) {
		t.Fatalf("%v %v", toks, err)
	}
}

// TestPickerFromUserDetail gives carol, who has no device, a token from
// the inventory: i on her detail screen, enter on the token.
func TestPickerFromUserDetail(t *testing.T) {
	e := stock(t)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	detail := userdetail.New(c, "carol")
	a.Send(tui.PushMsg{View: detail})
	a.Keys("i")
	m, ok := a.Root.Top().(*tokens.Model)
	if !ok || m.Title() != "Tokens for carol" || !strings.Contains(a.Frame(), "Give a token to carol  3 unassigned") ||
		!strings.Contains(a.Frame(), "enter give to carol") {
		t.Fatalf("i on carol's detail:\n%s", a.Frame())
	}
	a.Keys("down", "enter")
	if got := assignedTo(t, e, "GALT10000001"); got != "carol" {
		t.Fatalf("GALT10000001 assigned to %q\n%s", got, a.Frame())
	}
	if a.Root.Top() != tui.View(detail) || !strings.Contains(a.Frame(), "✓ 2FA enabled") || !strings.Contains(a.Frame(), "GALT10000001") {
		t.Errorf("back on carol's detail after the assignment:\n%s", a.Frame())
	}
	if got := a.Root.StatusLine().Text; got != "token GALT10000001 assigned to carol: active at once" {
		t.Errorf("status %q", got)
	}
}

// TestNoColour: with NO_COLOR the inventory draws no colour and still
// says in words which tokens are retired, assigned or in stock.
func TestNoColour(t *testing.T) {
	e := stock(t)
	c := e.Common(120, 40, themes.Choice{Name: themes.Auto, NoColor: true})
	a := tuitest.NewApp(c, users.New(c))
	a.Send(tui.PushMsg{View: tokens.New(c)})
	a.Keys("A", "R", "x")
	a.Keys("esc")
	raw := a.Root.Render()
	if tuitest.HasColour(raw) {
		t.Error("colour in a NO_COLOR frame")
	}
	for _, want := range []string{"✗ retired", "alice", "–", "› "} {
		if !strings.Contains(a.Frame(), want) {
			t.Errorf("NO_COLOR frame lacks %q:\n%s", want, a.Frame())
		}
	}
}
