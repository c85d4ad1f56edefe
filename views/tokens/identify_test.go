package tokens_test

import (
	"context"
	"encoding/base32"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/tokens"
)

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
