package burn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/tui"
)

func (m *Model) View() string {
	s := m.c.Styles
	title := "Program a Token2 token for " + tui.Safe(m.user)
	if m.user == "" {
		title = "Program Token2 tokens for the inventory"
	}
	lines := []string{s.Title.Render(title), ""}
	switch m.step {
	case stepOptions:
		lines = append(lines, m.opts.view(m.c), "")
		lines = append(lines, m.wrap(s.Muted.Render, "A fresh seed is generated here and written into the token; it never leaves this machine and is never shown.")...)
		if m.user == "" {
			lines = append(lines, m.wrap(s.Muted.Render, "Each token is recorded unassigned under its serial; no code is typed. Give them out with the inventory's a.")...)
		}
		if m.note != "" {
			lines = append(lines, "", s.Warn.Render(tui.Safe(m.note)))
		}
		lines = append(lines, "", s.Muted.Render("enter starts · esc goes back"))
	case stepWaiting:
		lines = append(lines, m.waitingView()...)
	case stepProgramming:
		lines = append(lines, " "+m.write.Spinner()+" "+s.Text.Render("Programming… keep the token on the reader."))
		if m.user == "" {
			lines = append(lines, m.batchView()...)
		}
	case stepCode, stepConfirming:
		lines = append(lines, m.codeView()...)
	case stepFault:
		lines = append(lines, m.faultView()...)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) waitingView() []string {
	s := m.c.Styles
	what := "Switch the token on and place it on the reader…"
	if m.user == "" {
		what = "Switch the next token on and place it on the reader…"
	}
	lines := []string{
		" " + m.wait.Spinner() + " " + s.Text.Render(what),
		"",
		s.Muted.Render("   " + m.opts.summary() + " · hold it flat on the reader until programming ends"),
	}
	if m.user == "" {
		return append(lines, m.batchView()...)
	}
	return append(lines, "", s.Muted.Render("esc stops waiting"))
}

func (m *Model) codeView() []string {
	s := m.c.Styles
	pb := m.pb
	lines := []string{
		s.OK.Render(fmt.Sprintf("✓ Token %s (%s) programmed.", tui.Safe(pb.Serial), pb.Model.Name)),
		"",
	}
	lines = append(lines, m.wrap(s.Text.Render, "Switch the token off and on, then type the code it shows. It is recorded for "+tui.Safe(m.user)+" once that code is right.")...)
	lines = append(lines, "")
	if m.step == stepConfirming {
		lines = append(lines, m.first.Check.Spinner()+s.Muted.Render(" checking the code…"))
	} else {
		lines = append(lines, m.first.Input.View())
	}
	switch {
	case m.note != "" && m.bad:
		lines = append(lines, "")
		lines = append(lines, m.wrap(s.Danger.Render, "✗ "+m.note)...)
	case m.note != "":
		lines = append(lines, "", s.Muted.Render(m.note))
	}
	lines = append(lines, "")
	return append(lines, m.wrap(s.Muted.Render, "enter confirms · esc gives up: nothing is recorded and the token must be burned again")...)
}

// faultView says what went wrong, which token it concerns, and what to do.
func (m *Model) faultView() []string {
	s := m.c.Styles
	what, advice, serial := m.err.Error(), "", ""
	var se *nfc.StepError
	if errors.As(m.err, &se) {
		what, advice, serial = se.Step.String()+": "+se.Err.Error(), se.Advice(), se.Serial
	}
	head := "✗ The token was not programmed."
	if serial != "" {
		head = "✗ Token " + tui.Safe(serial) + " was not recorded."
	}
	lines := []string{s.Danger.Render(head), ""}
	lines = append(lines, m.wrap(s.Text.Render, capital(tui.Safe(what))+".")...)
	if advice != "" {
		lines = append(lines, "")
		lines = append(lines, m.wrap(s.Strong.Render, "What to do: "+advice+".")...)
	}
	if m.user == "" {
		lines = append(lines, m.batchView()...)
	}
	return append(lines, "", s.Muted.Render("r tries again · esc goes back"))
}

// batchView is the running count and the latest lines of the log that
// fit.
func (m *Model) batchView() []string {
	s := m.c.Styles
	b := m.batch
	lines := []string{"", s.Strong.Render(fmt.Sprintf("%d programmed, %d failed", b.ok, b.failed))}
	room := max(1, m.height-12)
	from := max(0, len(b.lines)-room)
	for _, l := range b.lines[from:] {
		lines = append(lines, tui.Truncate(l, max(20, m.width-2)))
	}
	return append(lines, "", s.Muted.Render("take each token off when its line appears · esc finishes (after the token being written)"))
}

func (m *Model) wrap(style func(...string) string, text string) []string {
	var out []string
	for _, l := range tui.Wrap(text, max(20, m.width-2)) {
		out = append(out, style(l))
	}
	return out
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
