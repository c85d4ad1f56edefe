package burn

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
)

type heldCard struct{ *nfctest.Card }

func (heldCard) Close() error { return nil }

// TestTokenWrittenAfterTheScreenClosedIsWiped: the screen is closed while
// the token is being written; the write's answer then arrives for a
// screen no longer open, and the seed it carries is wiped all the same.
func TestTokenWrittenAfterTheScreenClosedIsWiped(t *testing.T) {
	card := nfctest.NewCard("86596320000042", nfctest.Faults{})
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	e.Svc.Cards = func(context.Context, time.Duration) (service.Card, error) { return heldCard{card}, nil }
	c := e.Common(80, 24)
	root := tui.New(c, NewBatch(c)) // any screen under it
	m := New(c, "alice")
	send := func(msg tea.Msg) tea.Cmd { _, cmd := root.Update(msg); return cmd }
	tuitest.Drive(send, send(tui.PushMsg{View: m}))
	var pb *service.PendingBurn
	tuitest.Drive(func(msg tea.Msg) tea.Cmd {
		if l, ok := tui.Payload(msg).(tui.Loaded[programmed]); ok && pb == nil {
			pb = l.Value.pb
			send(tui.BackMsg{}) // the screen closes while the token is written
		}
		return send(msg)
	}, send(tuitest.Key("enter")))
	if pb == nil {
		t.Fatal("the token was not written")
	}
	if root.Top() == tui.View(m) {
		t.Fatal("the burn screen is still open")
	}
	if r, err := e.Svc.ConfirmBurn(context.Background(), pb, card.Code()); err == nil && r.Accepted() {
		t.Fatal("the token written after its screen closed kept its seed")
	}
}
