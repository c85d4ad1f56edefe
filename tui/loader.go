package tui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// LoadState is where a screen's data stands.
type LoadState uint8

const (
	LoadPending LoadState = iota // asked for, nothing in yet
	LoadReady                    // in (a reload may be on its way: Busy)
	LoadFailed                   // the first load failed: nothing to show
)

// Loader runs a screen's requests in commands and takes back only the
// answer to the latest one: each request has a generation, and an answer
// to an earlier request (the user typed again, reloaded, or gave up) is
// dropped when it arrives. It also carries the spinner shown while a
// request runs, and the state the screen draws from. Answers name the
// loader that asked, so with several screens open each takes only its own.
type Loader[T any] struct {
	spin     spinner.Model
	gen      int
	inflight int // requests of this generation not answered yet
	state    LoadState
	err      error
	discard  func(T)
}

// Loaded is the answer to a request.
type Loaded[T any] struct {
	from  *Loader[T]
	gen   int
	Value T
	Err   error
}

// NewLoader returns a loader that has asked for nothing yet (pending).
func NewLoader[T any]() *Loader[T] {
	return &Loader[T]{spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

// SetSpinner changes the spinner's look.
func (l *Loader[T]) SetSpinner(s spinner.Spinner) { l.spin.Spinner = s }

// OnDiscard is called with the value of every answer dropped as too old,
// for values that must not be left lying about (a file's bytes).
func (l *Loader[T]) OnDiscard(f func(T)) { l.discard = f }

// Load starts requests of a new generation (usually one; several when a
// screen shows a first part while the whole loads), whose answers are all
// taken; the answers to every earlier request will be dropped. After a
// failed first load the loader is pending again: a retry.
func (l *Loader[T]) Load(fetches ...func() (T, error)) tea.Cmd {
	l.gen++
	l.inflight = len(fetches)
	if l.state == LoadFailed {
		l.state = LoadPending
	}
	// One flat batch, requests first in the order given, so the first
	// (the quick one) starts first.
	cmds := make([]tea.Cmd, 0, len(fetches)+1)
	from, gen := l, l.gen
	for _, fetch := range fetches {
		cmds = append(cmds, func() tea.Msg {
			v, err := fetch()
			return Loaded[T]{from: from, gen: gen, Value: v, Err: err}
		})
	}
	return tea.Batch(append(cmds, l.spin.Tick)...)
}

// discardLate hands an answer that arrived for a screen already closed to
// its loader's OnDiscard: no screen will ever take it.
func (r Loaded[T]) discardLate() {
	if r.from != nil && r.from.discard != nil {
		r.from.discard(r.Value)
	}
}

// lateAnswer is a Loaded of any type, for the root.
type lateAnswer interface{ discardLate() }

// Cancel drops the answers to the requests running now.
func (l *Loader[T]) Cancel() {
	l.gen++
	l.inflight = 0
}

// Accept takes msg when it is the answer to this loader's latest request;
// ok is false for any other message. A failed answer leaves the loader
// ready when it had data, so that the screen keeps showing it.
func (l *Loader[T]) Accept(msg tea.Msg) (r Loaded[T], ok bool) {
	r, ok = msg.(Loaded[T])
	if !ok || r.from != l {
		return r, false
	}
	if r.gen != l.gen {
		if l.discard != nil {
			l.discard(r.Value)
		}
		return r, false
	}
	l.inflight = max(0, l.inflight-1)
	l.err = r.Err
	switch {
	case r.Err == nil:
		l.state = LoadReady
	case l.state != LoadReady:
		l.state = LoadFailed
	}
	return r, true
}

// Update turns the spinner while a request runs.
func (l *Loader[T]) Update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(spinner.TickMsg); !ok || !l.Busy() {
		return nil
	}
	var cmd tea.Cmd
	l.spin, cmd = l.spin.Update(msg)
	return cmd
}

// State is where the data stands.
func (l *Loader[T]) State() LoadState { return l.state }

// Busy is true while a request runs.
func (l *Loader[T]) Busy() bool { return l.inflight > 0 }

// Err is the error of the latest answer, or nil.
func (l *Loader[T]) Err() error { return l.err }

// Spinner draws the spinner.
func (l *Loader[T]) Spinner() string { return l.spin.View() }

// Waiting is the line shown while nothing is in yet: "⠋ loading users…".
func (l *Loader[T]) Waiting(c *Common, what string) string {
	return "\n " + l.spin.View() + " " + c.Styles.Muted.Render("loading "+what+"…")
}
