package burn

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// start waits for a token on the reader: for a user, after checking the
// plan (an unknown user or a taken name is refused before any token is
// touched); for a batch, a token other than the one just done.
func (m *Model) start() tea.Cmd {
	m.step, m.err, m.note, m.bad = stepWaiting, nil, "", false
	m.opts.focusCmd() // takes the cursor from the name field
	ctx, stop := context.WithCancel(m.c.Ctx)
	m.stop = stop
	svc, user, opt, last := m.c.Svc, m.user, m.opts.burnOptions(), m.batch.last
	if user == "" {
		return m.wait.Load(func() (found, error) {
			card, serial, err := svc.NextToken(ctx, last, 0) // until esc
			return found{card: card, serial: serial}, err
		})
	}
	return m.wait.Load(func() (found, error) {
		plan, err := svc.PlanBurn(ctx, user, opt)
		if err != nil {
			return found{}, err
		}
		card, err := svc.WaitForToken(ctx)
		return found{plan: plan, card: card}, err
	})
}

// arrived programs the token that came (or shows why none did).
func (m *Model) arrived(f found, err error) tea.Cmd {
	if m.stop != nil {
		m.stop() // the wait is over; the card does not depend on it
		m.stop = nil
	}
	if err != nil {
		return m.fault(err)
	}
	m.step = stepProgramming
	c, opt := m.c, m.opts.burnOptions()
	if m.user == "" {
		m.batch.current = f.serial
		return m.write.Load(func() (programmed, error) {
			defer f.card.Close()
			t, err := c.Svc.BurnForInventory(c.Ctx, f.card, opt)
			return programmed{burned: t}, err
		})
	}
	return m.write.Load(func() (programmed, error) {
		defer f.card.Close() // the code is read off the display, not the reader
		pb, err := c.Svc.Burn(c.Ctx, f.plan, f.card)
		return programmed{pb: pb}, err
	})
}

// written moves on after a write: to the code for a user's token, to the
// next token for a batch.
func (m *Model) written(p programmed, err error) tea.Cmd {
	if m.user == "" {
		return m.batchWritten(p.burned, err)
	}
	if err != nil {
		return m.fault(err)
	}
	m.pb, m.step = p.pb, stepCode
	return m.first.Ask()
}

func (m *Model) confirm() tea.Cmd {
	c, pb := m.c, m.pb
	cmd, note := m.first.Submit(func(code string) (service.VerifyResult, error) { return c.Svc.ConfirmBurn(c.Ctx, pb, code) })
	if note != "" {
		m.note, m.bad = note, true
		return nil
	}
	m.step = stepConfirming
	return cmd
}

func (m *Model) verified(r service.VerifyResult, err error) tea.Cmd {
	m.step = stepCode
	if note := m.first.Verdict(r, err); note != "" {
		m.note, m.bad = note, true
		return nil
	}
	serial := m.pb.Serial
	m.pb = nil // ConfirmBurn wiped its seed
	return tui.Changed(m, "token %s programmed for %s (device %q)", tui.Safe(serial), tui.Safe(m.user), tui.Safe(r.Device.Name))
}

// fault shows err and what to do; a cancelled wait is the admin's own
// doing, shown where esc put them.
func (m *Model) fault(err error) tea.Cmd {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	m.step, m.err = stepFault, err
	return nil
}

// batchLog is a batch's running count and its latest lines.
type batchLog struct {
	ok, failed int
	lines      []string
	last       string // the token just done: not taken again until it leaves
	current    string // the token being programmed
	stopping   bool   // esc came during a write: stop after it
}

func (b *batchLog) total() int { return b.ok + b.failed }

func (b *batchLog) add(line string) {
	b.lines = append(b.lines, fmt.Sprintf("%3d. %s", b.total(), line))
}

// batchWritten logs a batch's token and waits for the next one. Only a
// reader stack that went away stops the batch: a token that failed is
// logged and the admin takes the next.
func (m *Model) batchWritten(t *service.BurnedToken, err error) tea.Cmd {
	b := &m.batch
	b.last, b.current = b.current, ""
	var next tea.Cmd
	switch {
	case err == nil:
		b.ok++
		b.add(fmt.Sprintf("%s  %s  recorded unassigned", tui.Safe(t.Serial), t.Model.Name))
		next = tui.Changed(nil, "token %s programmed and recorded unassigned", tui.Safe(t.Serial))
	case errors.Is(err, nfc.ErrNoDaemon) || errors.Is(err, nfc.ErrNoReader):
		return m.fault(err)
	default:
		b.failed++
		b.add("FAILED: " + tui.Safe(err.Error()))
	}
	if b.stopping {
		return tea.Batch(next, m.batchDone())
	}
	return tea.Batch(next, m.start())
}

// batchDone closes the batch and says what it did.
func (m *Model) batchDone() tea.Cmd {
	m.stopWaiting()
	level := tui.OK
	if m.batch.failed > 0 {
		level = tui.Error
	}
	return tui.BackWith(m, level, "programmed %s and recorded them unassigned; %d failed",
		tui.Plural(m.batch.ok, "token", "tokens"), m.batch.failed)
}
