package burn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/burn"
	"github.com/two-factor/two-factor/views/users"
)

// watched reports when a wait for a token starts and how it ended.
func watched(src service.CardSource, started chan<- struct{}, ended chan<- error) service.CardSource {
	return func(ctx context.Context, wait time.Duration) (service.Card, error) {
		started <- struct{}{}
		card, err := src(ctx, wait)
		ended <- err
		return card, err
	}
}

// run is the console as a Bubble Tea program, so that keys arrive while a
// command waits.
func run(t *testing.T, c *tui.Common, home tui.View) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, tui.New(c, home), teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm
}

// TestEscStopsTheWait: esc while the screen waits for a token cancels the
// wait on the real pcscd at once (not after its minute), and the screen
// is back at its options, having written nothing.
func TestEscStopsTheWait(t *testing.T) {
	started, ended := make(chan struct{}, 4), make(chan error, 4)
	e := env(t, nil)
	e.Svc.Cards = watched(throughPCSCD(t), started, ended)
	c := e.Common(80, 24)
	tm := run(t, c, burn.New(c, "alice"))
	tm.Send(tuitest.Key("enter"))
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the screen did not start waiting for a token")
	}
	tm.Send(tuitest.Key("esc"))
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the wait ended with %v, not cancelled", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("esc did not stop the wait for a token")
	}
	tm.Quit()
	root := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	if f := tuitest.Plain(root.Render()); !strings.Contains(f, "Stopped waiting; nothing was written.") {
		t.Fatalf("after esc:\n%s", f)
	}
	if len(tokens(t, e)) != 0 {
		t.Fatal("something was stored")
	}
}

// TestBatchProgramsEachTokenPresented: the inventory's batch programs the
// token on the reader, records it unassigned under its serial with a
// running count, waits for the next, and esc finishes with the count.
func TestBatchProgramsEachTokenPresented(t *testing.T) {
	e := env(t, throughPCSCD(t))
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	present(t, card)
	c := e.Common(80, 24)
	tm := run(t, c, users.New(c))
	for _, k := range []string{"i", "p", "enter"} { // the inventory › program tokens › go
		time.Sleep(200 * time.Millisecond) // the screen before has loaded
		tm.Send(tuitest.Key(k))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(tokens(t, e)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the token on the reader was not programmed and recorded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // the screen waits for the next token
	tm.Send(tuitest.Key("esc"))
	time.Sleep(500 * time.Millisecond) // the screen closes
	tm.Quit()
	root := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	if root.Top().Title() != "Tokens" {
		t.Errorf("esc left %q on top, not the inventory", root.Top().Title())
	}
	toks := tokens(t, e)
	if len(toks) != 1 || toks[0].Serial != c302Serial || toks[0].User != "" || card.Seed() == nil {
		t.Fatalf("tokens %+v", toks)
	}
	if got := root.StatusLine().Text; got != "programmed 1 token and recorded them unassigned; 0 failed" {
		t.Fatalf("status %q:\n%s", got, tuitest.Plain(root.Render()))
	}
}
