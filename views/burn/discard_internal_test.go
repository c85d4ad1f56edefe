package burn

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type closeCounter struct {
	service.Card
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// A token answer the screen no longer uses (it left the wait meanwhile)
// is released, not left held.
func TestUnusedAnswerReleasesTheCard(t *testing.T) {
	m := &Model{wait: tui.NewLoader[found](), write: tui.NewLoader[programmed](), step: stepFault,
		first: &tui.FirstCode{Check: tui.NewLoader[service.VerifyResult]()}}
	card := &closeCounter{}
	batch := m.wait.Load(func() (found, error) { return found{card: card}, nil })().(tea.BatchMsg)
	m.Update(batch[0]()) // the answer; the spinner's tick is left out
	if card.closed != 1 {
		t.Fatalf("card closed %d time(s), want 1", card.closed)
	}
}
