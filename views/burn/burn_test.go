package burn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/burn"
	"github.com/two-factor/two-factor/views/users"
)

// TestBurnForUserThroughPCSCD: from alice's screen, p programs the token
// on a real pcscd's reader; the code the token shows records it for
// alice, with the seed the token holds, and its later codes verify.
func TestBurnForUserThroughPCSCD(t *testing.T) {
	e := env(t, throughPCSCD(t))
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	present(t, card)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	a.Keys("enter", "p") // alice › program a token
	if a.Root.Top().Title() != "Program a token" {
		t.Fatalf("p on alice's screen opened %q:\n%s", a.Root.Top().Title(), a.Frame())
	}
	a.Keys("enter") // defaults: SHA-1, 30 s
	m := a.Root.Top().(*burn.Model)
	if m.Pending() == nil || !strings.Contains(a.Frame(), "Switch the token off and on") {
		t.Fatalf("not asking for the code after programming:\n%s", a.Frame())
	}
	if len(tokens(t, e)) != 0 {
		t.Fatal("the token was recorded before a code confirmed it")
	}
	a.Keys("enter") // nothing typed: asked for the code, nothing checked
	if !strings.Contains(a.Frame(), "Type the code the token shows, then press enter.") {
		t.Fatalf("enter without a code:\n%s", a.Frame())
	}
	a.Type("000000") // wrong: says so, lets the admin retry
	a.Keys("enter")
	if !strings.Contains(a.Frame(), "That code is not right") || len(tokens(t, e)) != 0 {
		t.Fatalf("a wrong code:\n%s", a.Frame())
	}
	a.Type(card.Code())
	a.Keys("enter")
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "token "+c302Serial+" programmed for alice") {
		t.Fatalf("status %q:\n%s", got, a.Frame())
	}
	if a.Root.Top().Title() != "alice" {
		t.Fatalf("back on %q, not alice's screen", a.Root.Top().Title())
	}
	toks := tokens(t, e)
	if len(toks) != 1 || toks[0].Serial != c302Serial || toks[0].User != "alice" || toks[0].Model != "C302-i" {
		t.Fatalf("tokens: %+v", toks)
	}
	if strings.Contains(a.Frame(), otpcore.EncodeBase32(card.Seed())) {
		t.Fatal("the seed is on the screen")
	}
	// A later code the token shows verifies.
	e.Clock.Advance(60 * time.Second)
	card.SetClockOffset(card.Clock().Add(60 * time.Second).Sub(time.Now()))
	r, err := e.Svc.Verify(context.Background(), "alice", "", card.Code())
	if err != nil || !r.Accepted() {
		t.Fatalf("a code the token shows does not verify: %+v %v", r, err)
	}
}

// TestAuthFailureShowsAdviceAndStoresNothing: a token that refuses
// authentication (6983, twice: never a third time) gives its advice and a
// retry key, and nothing is stored.
func TestAuthFailureShowsAdviceAndStoresNothing(t *testing.T) {
	e := env(t, throughPCSCD(t))
	card := nfctest.NewCard(c302Serial, nfctest.Faults{RefuseAuth: 5})
	present(t, card)
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, burn.New(c, "alice"))
	a.Keys("enter")
	flat := strings.Join(strings.Fields(a.Frame()), " ")
	for _, want := range []string{"Token " + c302Serial + " was not recorded", "refused authentication (6983)",
		"What to do:", "repeated failures can lock the token for good", "r tries again"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the fault does not say %q:\n%s", want, a.Frame())
		}
	}
	if n := card.AuthAttempts(); n != 2 {
		t.Errorf("authentication tried %d times, want 2 (one retry, never more)", n)
	}
	if toks := tokens(t, e); len(toks) != 0 || card.Seed() != nil {
		t.Fatalf("stored %+v, card seed set %v", toks, card.Seed() != nil)
	}
}

// burnedAwaitingCode burns a token on the reader from alice's screen in
// the console and stops where the token's first code is asked: the seed
// is on the card and pending, nothing is recorded.
func burnedAwaitingCode(t *testing.T) (*nfctest.Card, *tuitest.Env, *tuitest.App, *service.PendingBurn) {
	t.Helper()
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	e := env(t, onReader(card))
	c := e.Common(80, 24)
	a := tuitest.NewApp(c, users.New(c))
	a.Keys("enter", "p", "enter")
	pb := a.Root.Top().(*burn.Model).Pending()
	if pb == nil {
		t.Fatalf("not programmed:\n%s", a.Frame())
	}
	return card, e, a, pb
}

// TestGivingUpAtTheCodeWipesTheSeed: esc at the code records nothing,
// wipes the pending burn's seed and names the token to burn again.
func TestGivingUpAtTheCodeWipesTheSeed(t *testing.T) {
	card, e, a, pb := burnedAwaitingCode(t)
	a.Keys("esc")
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "token "+c302Serial+" was programmed but not recorded") {
		t.Fatalf("status %q", got)
	}
	if len(tokens(t, e)) != 0 {
		t.Fatal("a token given up was recorded")
	}
	// The wiped seed can no longer confirm what the token shows.
	if r, err := e.Svc.ConfirmBurn(context.Background(), pb, card.Code()); err == nil && r.Accepted() {
		t.Fatal("the pending burn kept its seed after esc")
	}
}

// TestFrames keeps the waiting step and the code step at 80×24, without
// colour: they read by their words and symbols alone.
func TestFrames(t *testing.T) {
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	e := env(t, onReader(card))
	c := e.Common(80, 24, themes.Choice{Name: themes.Dark, IsDark: true, NoColor: true})
	t.Run("waiting", func(t *testing.T) {
		a := tuitest.NewApp(c, burn.New(c, "alice"))
		a.Root.Update(tuitest.Key("enter")) // the wait is not run: the screen shows it
		tuitest.Golden(t, a.Frame())
	})
	t.Run("code", func(t *testing.T) {
		a := tuitest.NewApp(c, burn.New(c, "alice"))
		a.Keys("enter")
		a.Type("123")
		tuitest.Golden(t, a.Frame())
	})
}

// TestClosingTheScreenAtTheCodeWipesTheSeed: however the screen is closed
// before the token's first code is answered (the console quit with
// ctrl+c, or closed by the root), the seed of the token burned but not
// confirmed is wiped, as esc wipes it: nothing can confirm it later.
func TestClosingTheScreenAtTheCodeWipesTheSeed(t *testing.T) {
	for _, how := range []string{"ctrl+c", "closed by the root"} {
		t.Run(how, func(t *testing.T) {
			card, e, a, pb := burnedAwaitingCode(t)
			if how == "ctrl+c" {
				a.Keys("ctrl+c")
				if !a.Quit {
					t.Fatal("ctrl+c did not quit")
				}
			} else {
				a.Send(tui.BackMsg{})
				if a.Root.Top().Title() != "alice" {
					t.Fatalf("the burn screen is still open: %q", a.Root.Top().Title())
				}
			}
			if r, err := e.Svc.ConfirmBurn(context.Background(), pb, card.Code()); err == nil && r.Accepted() {
				t.Fatal("the pending burn kept its seed after its screen closed")
			}
			if len(tokens(t, e)) != 0 {
				t.Fatal("a token given up was recorded")
			}
		})
	}
}
