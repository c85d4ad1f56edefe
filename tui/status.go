package tui

// Scoped status. A status message belongs to the screen that set it: it
// is shown while that screen is on top and gone when the screen is left
// (another opens over it) or closed. So "regenerated backup
// codes for alice" cannot be read on bob's resync screen. A new status
// replaces the screen's old one, so a success clears an older error.
// A screen that closes with a result (ChangedMsg.Close, BackWith) hands its
// status to the screen it reveals, where the admin is looking next.

// setStatus gives s to the screen e (nil: a screen already closed, whose
// status no one will see).
func (m *Model) setStatus(e *entry, s StatusMsg) {
	if e != nil {
		e.status = s
	}
}

// StatusLine returns the status of the screen on top, for tests.
func (m *Model) StatusLine() StatusMsg { return m.top().status }
