package tui_test

import (
	"errors"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/tui"
)

// run executes cmd and returns the loader's answer among its messages.
func answer(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if m := c(); m != nil {
				if _, tick := m.(interface{ Tag() int }); !tick {
					if _, isLoaded := m.(tui.Loaded[int]); isLoaded {
						return m
					}
				}
			}
		}
		t.Fatal("no answer in the batch")
	}
	return msg
}

func TestLoaderTakesOnlyTheLatestAnswer(t *testing.T) {
	l := tui.NewLoader[int]()
	if l.State() != tui.LoadPending {
		t.Fatal("a new loader is pending")
	}
	discarded := 0
	l.OnDiscard(func(int) { discarded++ })
	first := answer(t, l.Load(func() (int, error) { return 1, nil }))
	second := answer(t, l.Load(func() (int, error) { return 2, nil }))
	if _, ok := l.Accept(first); ok || discarded != 1 {
		t.Fatalf("the first answer was taken (discarded %d)", discarded)
	}
	if !l.Busy() {
		t.Fatal("the second request still runs")
	}
	r, ok := l.Accept(second)
	if !ok || r.Value != 2 || l.State() != tui.LoadReady || l.Busy() {
		t.Fatalf("second: %v %+v state %v", ok, r, l.State())
	}
	other := tui.NewLoader[int]()
	if _, ok := other.Accept(second); ok {
		t.Fatal("another loader took this one's answer")
	}
}

func TestLoaderFailureKeepsData(t *testing.T) {
	l := tui.NewLoader[int]()
	boom := errors.New("boom")
	if _, ok := l.Accept(answer(t, l.Load(func() (int, error) { return 0, boom }))); !ok || l.State() != tui.LoadFailed || l.Err() != boom {
		t.Fatalf("first load failed: state %v err %v", l.State(), l.Err())
	}
	l.Accept(answer(t, l.Load(func() (int, error) { return 1, nil })))
	l.Accept(answer(t, l.Load(func() (int, error) { return 0, boom })))
	if l.State() != tui.LoadReady || l.Err() != boom {
		t.Fatalf("a failed reload: state %v err %v", l.State(), l.Err())
	}
}

func TestLoaderCancelAndSeveralRequests(t *testing.T) {
	l := tui.NewLoader[int]()
	cmd := l.Load(func() (int, error) { return 1, nil }, func() (int, error) { return 2, nil })
	batch := cmd().(tea.BatchMsg)
	page, all := batch[0](), batch[1]()
	if _, ok := l.Accept(page); !ok || !l.Busy() {
		t.Fatal("the first page is taken while the rest loads")
	}
	if _, ok := l.Accept(all); !ok || l.Busy() {
		t.Fatal("the whole list is taken too")
	}
	late := answer(t, l.Load(func() (int, error) { return 3, nil }))
	l.Cancel()
	if _, ok := l.Accept(late); ok || l.Busy() {
		t.Fatal("a cancelled request's answer was taken")
	}
}
