package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// DefaultWatchEvery is how often the console asks the store whether
// another process changed it: a user added from another shell shows
// within two seconds, for one query that reads no page when nothing
// changed.
const DefaultWatchEvery = 2 * time.Second

// WatchTickMsg asks the root to read the store's change counter.
type WatchTickMsg struct{}

// storeVersionMsg is the change counter read.
type storeVersionMsg struct {
	version int64
	err     error
}

// watch remembers the last change counter the console has seen.
type watch struct {
	known   bool
	version int64
}

// startWatch is the first read; it sets the baseline.
func (m *Model) startWatch() tea.Cmd {
	if m.c.WatchEvery <= 0 {
		return nil
	}
	return m.readVersion()
}

func (m *Model) readVersion() tea.Cmd {
	c := m.c
	return func() tea.Msg {
		v, err := c.Svc.StoreVersion(c.Ctx)
		return storeVersionMsg{version: v, err: err}
	}
}

// versionRead schedules the next read and, when the counter moved since
// the last one, tells the screen on top to reload as its reload key
// would; the screens under it reload when revealed. Our own writes move it too (they commit through other
// connections than the watching one), which costs one extra reload after
// a change made here and keeps the rule simple: any commit, any reload.
// A failed read is not worth a status line; the next tick tries again.
func (m *Model) versionRead(msg storeVersionMsg) tea.Cmd {
	next := tea.Tick(m.c.WatchEvery, func(time.Time) tea.Msg { return WatchTickMsg{} })
	if msg.err != nil {
		return next
	}
	changed := m.watch.known && msg.version != m.watch.version
	m.watch = watch{known: true, version: msg.version}
	if !changed {
		return next
	}
	return tea.Batch(next, m.changedElsewhere())
}
