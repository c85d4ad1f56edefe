package enroll

import (
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/qrtext"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// Preparing the device in memory, showing it, and checking its first code.

func (m *Model) start(opt service.EnrollOptions) tea.Cmd {
	m.step = stepStarting
	c, user := m.c, m.user
	return m.starting.Load(func() (*service.Enrollment, error) { return c.Svc.StartEnrollment(c.Ctx, user, opt) })
}

// Start shows a prepared enrollment; exported for tests that need a
// known secret.
func (m *Model) Start(e *service.Enrollment) tea.Cmd {
	m.step = stepStarting
	return m.started(e)
}

func (m *Model) started(e *service.Enrollment) tea.Cmd {
	m.e = e
	m.step = stepCode
	m.note, m.bad = "", false
	if m.form != nil {
		m.form.wipe()
	}
	if e.URI != "" {
		m.uri = otpcore.CompactURI(e.URI)
		m.secret = otpcore.GroupBase32(otpcore.EncodeBase32(e.Device.Secret))
		m.qr, m.qrW, m.qrH = qrtext.Render(m.uri)
	}
	return m.first.Ask()
}

func (m *Model) confirm() tea.Cmd {
	c, e := m.c, m.e
	cmd, note := m.first.Submit(func(code string) (service.VerifyResult, error) { return c.Svc.Confirm(c.Ctx, e, code, false) })
	if note != "" {
		m.note, m.bad = note, true
		return nil
	}
	m.step = stepConfirming
	return cmd
}

func (m *Model) confirmed(r service.VerifyResult, err error) tea.Cmd {
	m.step = stepCode
	if note := m.first.Verdict(r, err); note != "" {
		m.note, m.bad = note, true
		return nil
	}
	d := r.Device
	m.forget()
	return tui.Changed(m, "confirmed: %s now has %s %s (device %d)",
		tui.Safe(m.user), tui.Safe(d.KindLabel()), tui.Quoted(d.Name), d.ID)
}
