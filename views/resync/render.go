package resync

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

// planResult summarises the plan in one line.
func (m *Model) planResult() string {
	p := m.plan
	if p == nil {
		return ""
	}
	if m.dev.Kind == devices.HOTP {
		return fmt.Sprintf("counter %d → %d", p.Result.OldCounter, p.Result.NewCounter)
	}
	return fmt.Sprintf("clock %s → %s", devices.DriftSteps(p.Result.OldDrift, m.dev.Step), devices.DriftSteps(p.Result.NewDrift, m.dev.Step))
}

// floorNote says from when the token's codes are accepted again when the
// plan moves its drift backwards below the replay floor, or "".
func (m *Model) floorNote() string {
	if m.plan == nil || m.plan.After == nil {
		return ""
	}
	return m.plan.After.ResyncFloorNote(m.plan.Result, m.c.Now())
}

// wrapped renders text in style, wrapped to the screen's width.
func (m *Model) wrapped(style lipgloss.Style, text string) []string {
	var out []string
	for _, l := range tui.Wrap(text, max(20, m.width)) {
		out = append(out, style.Render(l))
	}
	return out
}

// noteLines are the last error (wrapped, never cut) and, when the codes
// were not found, what to try next.
func (m *Model) noteLines() []string {
	s := m.c.Styles
	if m.note == "" {
		return nil
	}
	out := m.wrapped(s.Danger, "✗ "+m.note)
	if m.noMatch {
		var try string
		if m.dev.Kind == devices.HOTP {
			try = "Try: a longer look-ahead with ←→; check the codes are consecutive presses of this token's button, typed in order."
		} else {
			try = "Try: a wider window with ←→; check the two codes are consecutive (wait for the display to change) and from this token; check the token's clock against a watch."
		}
		out = append(out, m.wrapped(s.Text, try)...)
	}
	return out
}

func (m *Model) View() string {
	s := m.c.Styles
	d := m.dev
	name := tui.Quoted(d.Name)
	if d.Serial != "" {
		name += " serial " + tui.Safe(d.Serial)
	}
	lines := []string{
		s.Title.Render(fmt.Sprintf("Resync %s %s of %s", tui.Safe(d.KindLabel()), name, tui.Safe(m.user))),
		"",
	}
	if d.Kind == devices.TOTP {
		lines = append(lines, s.Muted.Render("Stored drift: ")+s.Text.Render(devices.DriftSteps(d.Drift, d.Step)))
	} else {
		lines = append(lines, s.Muted.Render("Next counter: ")+s.Text.Render(strconv.FormatUint(d.Counter, 10)))
	}
	lines = append(lines,
		s.Text.Render("Type two codes the token shows one after the other (wait for the next one)."),
		"",
		m.codes[0].View(),
		m.codes[1].View(),
		s.Muted.Render("Search:  ")+m.windowChoice(),
		"",
	)
	switch m.state {
	case stateSearching:
		lines = append(lines, m.search.Spinner()+s.Text.Render(" searching "+m.windows()[m.window].Label+"…")+s.Muted.Render("  esc stops"))
	case stateSaving:
		lines = append(lines, m.saving.Spinner()+s.Text.Render(" saving…"))
	case stateFound:
		lines = append(lines, m.foundLines()...)
	default:
		lines = append(lines, m.noteLines()...)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) windowChoice() string {
	s := m.c.Styles
	var parts []string
	for i, w := range m.windows() {
		if i == m.window {
			parts = append(parts, s.Strong.Render("(•) "+w.Label))
		} else {
			parts = append(parts, s.Muted.Render("( ) "+w.Label))
		}
	}
	return strings.Join(parts, "  ")
}

func (m *Model) foundLines() []string {
	s := m.c.Styles
	p := m.plan
	label := func(l string) string { return s.Muted.Render(fmt.Sprintf("  %-10s", l)) }
	out := []string{s.OK.Render("✓ Found the token.")}
	if m.dev.Kind == devices.HOTP {
		out = append(out,
			label("offset")+s.Strong.Render(fmt.Sprintf("%+d counters", p.Result.Match.Offset)),
			label("counter")+s.Text.Render(fmt.Sprintf("%d → %d", p.Result.OldCounter, p.Result.NewCounter)))
	} else {
		out = append(out,
			label("moved")+s.Strong.Render(devices.DriftSteps(p.Result.Match.Offset, m.dev.Step))+s.Muted.Render(" of the stored drift"),
			label("clock now")+s.Text.Render(devices.DriftSteps(p.Result.NewDrift, m.dev.Step)),
			label("was")+s.Text.Render(devices.DriftSteps(p.Result.OldDrift, m.dev.Step)))
		if w := devices.DriftWarning(p.Result.NewDrift, m.dev.Step); w != "" {
			out = append(out, m.wrapped(s.Warn, "! "+w+"; save only if you are sure.")...)
		}
		if n := m.floorNote(); n != "" {
			out = append(out, m.wrapped(s.Text, "After saving, "+n+".")...)
		}
	}
	return append(out, "",
		s.Key.Render("enter")+s.Text.Render(" save    ")+s.Key.Render("esc")+s.Text.Render(" discard (nothing is saved)"))
}
