package audit

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// Column widths: time is fixed; action, actor, user and result are sized
// from the entries loaded, between a floor (the heading) and a ceiling,
// so that "device.backup-codes" reads whole at 80 columns and a hostile
// name cannot push the detail off the screen.
const (
	wTime       = 11
	maxAction   = 20 // "device.backup-codes" and a little more
	maxActor    = 10
	maxUser     = 12
	maxOutcome  = 12
	wDevice     = 14
	minDetail   = 8
	deviceAtCol = 100 // the device column shows from this width on
)

type columns struct {
	action, actor, user, outcome, detail int
	device                               bool
}

// columns sizes the table for the entries loaded and the screen's width.
func (m *Model) columns() columns {
	c := columns{action: len("ACTION"), actor: len("ACTOR"), user: len("USER"), outcome: len("RESULT"), device: m.width >= deviceAtCol}
	entries := m.list.Rows()
	for i := range entries {
		e := &entries[i]
		c.action = max(c.action, lipgloss.Width(tui.Safe(e.Action)))
		c.actor = max(c.actor, lipgloss.Width(tui.Safe(e.Actor)))
		c.user = max(c.user, lipgloss.Width(tui.Safe(e.User)))
		c.outcome = max(c.outcome, lipgloss.Width(outcomeOf(e.Outcome).label))
	}
	c.action, c.actor = min(c.action, maxAction), min(c.actor, maxActor)
	c.user, c.outcome = min(c.user, maxUser), min(c.outcome, maxOutcome)
	used := 2 + wTime + c.action + c.actor + c.user + c.outcome + 5
	if c.device {
		used += wDevice + 1
	}
	c.detail = max(minDetail, m.width-used)
	return c
}

func (c columns) header() []string {
	cols := []string{tui.Cell("TIME", wTime), tui.Cell("ACTION", c.action), tui.Cell("ACTOR", c.actor), tui.Cell("USER", c.user)}
	if c.device {
		cols = append(cols, tui.Cell("DEVICE", wDevice))
	}
	return append(cols, tui.Cell("RESULT", c.outcome), tui.Cell("DETAIL", c.detail))
}

func (m *Model) row(c columns, e *db.AuditEntry, selected bool) string {
	s := m.c.Styles
	marker := "  "
	if selected {
		marker = "› "
	}
	cols := []string{
		tui.Cell(m.c.InZone(e.At).Format("01-02 15:04"), wTime),
		tui.Cell(tui.Safe(e.Action), c.action),
		tui.Cell(tui.Safe(e.Actor), c.actor),
		tui.Cell(tui.Safe(e.User), c.user),
	}
	if c.device {
		cols = append(cols, tui.Cell(tui.Safe(e.Device), wDevice))
	}
	o := outcomeOf(e.Outcome)
	outcome := tui.Cell(o.label, c.outcome)
	detail := tui.Cell(tui.Safe(e.Detail), c.detail)
	if selected {
		return s.Selected.Render(marker + strings.Join(append(cols, outcome, detail), " "))
	}
	return marker + s.Text.Render(strings.Join(cols, " ")) + " " + o.style(s).Render(outcome) + " " + s.Text.Render(detail)
}

// level is how an outcome reads: good, worth a look, bad, or nothing done.
type level int

const (
	levelOK level = iota
	levelWarn
	levelDanger
	levelMuted
)

// outcomes is the one mapping from the outcomes the store records to how
// they read: a symbol (for NO_COLOR and colour-blind readers) and a style.
var outcomes = map[string]level{
	"ok": levelOK, "accepted": levelOK, "added": levelOK, "replaced": levelOK,
	"throttled": levelWarn, "disabled": levelWarn,
	"rejected": levelDanger, "locked-out": levelDanger,
	"skipped": levelMuted,
}

var symbols = map[level]string{levelOK: "✓ ", levelWarn: "! ", levelDanger: "✗ ", levelMuted: "· "}

type outcome struct {
	label string
	level level
}

// outcomeOf labels an outcome; one the mapping does not know reads as
// worth a look.
func outcomeOf(o string) outcome {
	if o == "" {
		return outcome{level: levelMuted}
	}
	l, ok := outcomes[o]
	if !ok {
		l = levelWarn
	}
	return outcome{label: symbols[l] + tui.Safe(o), level: l}
}

func (o outcome) style(s *themes.Styles) lipgloss.Style {
	switch o.level {
	case levelOK:
		return s.OK
	case levelWarn:
		return s.Warn
	case levelDanger:
		return s.Danger
	}
	return s.Muted
}
