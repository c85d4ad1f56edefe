package tokens_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
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

// codes are n consecutive codes of a test token (TOTP, SHA1, 6 digits,
// step seconds), the last at the clock's time.
func codes(t *testing.T, e *tuitest.Env, serial string, step int64, n int) []string {
	t.Helper()
	now := otpcore.TOTPParams{Step: step}.StepAt(e.Clock.Now().Unix())
	var out []string
	for i := n - 1; i >= 0; i-- {
		c, err := otpcore.HOTP(otpcore.SHA1, seed(serial), uint64(now-int64(i)), 6)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestIdentify(t *testing.T) {
	e := stock(t)
	a, m := open(t, e, 80, 24)
	cs := codes(t, e, "GALT10000002", 30, 2)
	a.Keys("i")
	a.Type(cs[0])
	a.Keys("tab")
	a.Type(cs[1])
	a.Keys("enter")
	if d := m.Selected(); d == nil || d.Serial != "GALT10000002" {
		t.Fatalf("identify selected %v\n%s", d, a.Frame())
	}
	st := a.Root.StatusLine()
	if st.Level != tui.OK || st.Text != "token in hand: GALT10000002 (TOTP token, unassigned), clock on time" {
		t.Errorf("status %+v", st)
	}
	if m.Capturing() {
		t.Error("a single match should close the code fields")
	}
	if !strings.Contains(a.Frame(), "› GALT10000002") {
		t.Errorf("the token is not selected on screen:\n%s", a.Frame())
	}

	// An assigned token: the view widens to show it.
	cs = codes(t, e, "GALT10000004", 30, 2)
	a.Keys("i")
	a.Send(tea.PasteMsg{Content: cs[0] + " " + cs[1]})
	a.Keys("enter")
	if d := m.Selected(); d == nil || d.Serial != "GALT10000004" || m.Showing() != tokens.ShowAll {
		t.Fatalf("identify an assigned token: selected %v, view %v\n%s", d, m.Showing(), a.Frame())
	}
	if !strings.Contains(a.Root.StatusLine().Text, "assigned to alice") {
		t.Errorf("status %+v", a.Root.StatusLine())
	}

	// Codes no token shows.
	a.Keys("i")
	a.Type("000000")
	a.Keys("tab")
	a.Type("000001")
	a.Keys("enter")
	if st := a.Root.StatusLine(); st.Level != tui.Error || !strings.Contains(st.Text, "no token in service shows these codes") {
		t.Errorf("no match: %+v", st)
	}
	if !m.Capturing() {
		t.Error("no match should keep the code fields open")
	}
	a.Keys("esc")
	if m.Capturing() {
		t.Error("esc should close the code fields")
	}
}

func TestIdentifyNeedsTwoCodes(t *testing.T) {
	a, m := open(t, stock(t), 80, 24)
	a.Keys("i", "enter")
	if st := a.Root.StatusLine(); st.Level != tui.Error || !strings.Contains(st.Text, "type two codes") {
		t.Errorf("status %+v", st)
	}
	a.Type("12345x6") // the letter is ignored
	a.Keys("enter")   // moves on to code 2
	a.Type("654321")
	if !strings.Contains(a.Frame(), "Code 1: 123456") || !strings.Contains(a.Frame(), "Code 2: 654321") {
		t.Errorf("frame:\n%s", a.Frame())
	}
	_ = m
}

func TestIdentifyAmongTwins(t *testing.T) {
	// Two tokens with the same seed (a vendor's mistake, or a test batch)
	// both show the codes: both are marked and a third code is asked for.
	e := tuitest.NewEnv(t)
	csv := stockCSV([5]string{"", "TWIN1", "c202", "Token2", "30"}, [5]string{"", "TWIN2", "c202", "Token2", "30"})
	csv = strings.Replace(csv, base32.StdEncoding.EncodeToString(seed("TWIN2")), base32.StdEncoding.EncodeToString(seed("TWIN1")), 1)
	if _, err := e.Svc.Import(context.Background(), strings.NewReader(csv), service.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	a, m := open(t, e, 80, 24)
	cs := codes(t, e, "TWIN1", 30, 2)
	a.Keys("i")
	a.Type(cs[0])
	a.Keys("tab")
	a.Type(cs[1])
	a.Keys("enter")
	st := a.Root.StatusLine()
	if !strings.Contains(st.Text, "2 tokens show these codes (◆): TWIN1, TWIN2; type the next code as code 3") {
		t.Fatalf("status %+v", st)
	}
	if !m.Capturing() || !strings.Contains(a.Frame(), "◆ TWIN2") {
		t.Errorf("twins should be marked and code 3 asked for:\n%s", a.Frame())
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
