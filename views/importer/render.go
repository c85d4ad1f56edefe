package importer

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/tui"
)

func (m *Model) View() string {
	s := m.c.Styles
	switch m.state {
	case statePassword:
		return m.passwordView()
	case statePlan:
		return m.planView()
	case stateImporting:
		return "\n " + m.runs.Spinner() + s.Text.Render(" importing "+tui.Plural(m.changes(), "token", "tokens")+" from "+tui.Safe(m.file)+"…") +
			"\n\n " + s.Muted.Render("One transaction: if anything goes wrong, nothing is imported.")
	}
	lines := []string{s.Title.Render("Import a seed file"), ""}
	lines = append(lines, m.formLines()...)
	lines = append(lines, "")
	if m.state == stateChecking {
		lines = append(lines, m.runs.Spinner()+s.Text.Render(" reading the file and planning the import (a dry run: nothing changes)…"))
	} else {
		lines = append(lines,
			s.Text.Render("enter reads the file and shows what the import would do; nothing changes until"),
			s.Text.Render("you confirm that plan. ")+s.Muted.Render("tab completes the path · ↑/↓ move · space changes"))
	}
	if m.note != "" {
		lines = append(lines, "")
		lines = append(lines, m.noteLines()...)
	}
	return strings.Join(lines, "\n")
}

// noteLines wraps the note, as a problem (✗) or a hint.
func (m *Model) noteLines() []string {
	s := m.c.Styles
	style, prefix := s.Muted, ""
	if m.bad {
		style, prefix = s.Danger, "✗ "
	}
	var out []string
	for _, l := range tui.Wrap(prefix+m.note, max(20, m.width-2)) {
		out = append(out, style.Render(l))
	}
	return out
}

func (m *Model) formLines() []string {
	s := m.c.Styles
	label := func(f int, text string) string {
		marker := "  "
		if f == m.focus && m.state == stateForm {
			marker = s.Key.Render("› ")
		}
		return marker + s.Muted.Render(fmt.Sprintf("%-9s ", text))
	}
	box := func(f int, on bool, text string) string {
		mark := "[ ] "
		if on {
			mark = "[x] "
		}
		style := s.Text
		if f == m.focus && m.state == stateForm {
			style = s.Strong
		}
		return style.Render(mark + text)
	}
	f := Formats[m.format]
	format := s.Strong.Render("‹ "+f.String()+" ›") + " " + s.Muted.Render(formatHint(f))
	return []string{
		label(fPath, "File") + m.path.View(),
		label(fFormat, "Format") + format,
		label(fAssign, "Assign") + box(fAssign, m.assign, "give tokens to the users the file names"),
		label(fCreateUsers, "Users") + box(fCreateUsers, m.createUsers, "create the users it names who do not exist"),
		label(fReplace, "Replace") + box(fReplace, m.replace, "overwrite tokens whose serial is known"),
	}
}

func formatHint(f seedfile.Format) string {
	if f == seedfile.FormatAuto {
		return "detected from the content"
	}
	return f.Describe()
}

func (m *Model) passwordView() string {
	s := m.c.Styles
	lines := []string{
		s.Title.Render("Import a seed file"), "",
		s.Text.Render(tui.Safe(m.file) + " is encrypted with a password."), "",
		s.Key.Render("Password: ") + s.Text.Render(m.password.mask()) + s.Key.Render("█"), "",
		s.Muted.Render("It is shown as dots, used to decrypt this file only, and wiped when the import"),
		s.Muted.Render("is over or abandoned."),
	}
	if m.note != "" {
		lines = append(lines, "")
		lines = append(lines, m.noteLines()...)
	}
	return strings.Join(lines, "\n")
}

// planView shows the dry run's plan: the counts, then the first rows.
func (m *Model) planView() string {
	s := m.c.Styles
	c := count(m.plan)
	assigned := 0
	for _, r := range m.plan {
		if r.User != "" {
			assigned++
		}
	}
	format := m.detected.Describe()
	if Formats[m.format] == seedfile.FormatAuto {
		format += " (detected)"
	}
	lines := []string{
		s.Title.Render("Dry run of "+tui.Safe(m.file)) + s.Muted.Render(" · "+format),
		s.Text.Render("Nothing has changed yet. ") + s.Muted.Render(m.optionsText()),
		"",
		" " + s.Strong.Render(tui.Plural(len(m.plan), "token", "tokens")+":") +
			s.OK.Render(fmt.Sprintf(" %d to add", c[db.ImportAdded])) +
			s.Text.Render(fmt.Sprintf(" · %d to replace", c[db.ImportReplaced])) +
			skippedStyle(m, c[db.ImportSkipped]).Render(fmt.Sprintf(" · %d skipped", c[db.ImportSkipped])) +
			s.Text.Render(fmt.Sprintf(" · %d to be assigned", assigned)),
	}
	if c[db.ImportSkipped] > 0 && !m.replace {
		lines = append(lines, " "+s.Muted.Render("Skipped tokens are known already; tick Replace (esc) to overwrite them."))
	}
	lines = append(lines, "")
	serialW := max(10, min(24, (m.width-40)/2))
	userW := max(8, min(20, (m.width-40)/4))
	originW := 10
	reasonW := max(8, m.width-2-8-serialW-userW-originW-4)
	lines = append(lines, s.TableHeader.Render("  "+tui.Cell("ACTION", 8)+" "+tui.Cell("SERIAL", serialW)+" "+
		tui.Cell("USER", userW)+" "+tui.Cell("FROM", originW)+" "+tui.Cell("NOTE", reasonW)))
	room := max(1, m.height-len(lines)-2)
	shown := m.plan
	if len(shown) > room {
		shown = shown[:room-1]
	}
	for _, r := range shown {
		action := tui.Cell(string(r.Action), 8)
		switch r.Action {
		case db.ImportAdded:
			action = s.OK.Render(action)
		case db.ImportSkipped:
			action = s.Warn.Render(action)
		default:
			action = s.Text.Render(action)
		}
		user := "–"
		if r.User != "" {
			user = tui.Safe(r.User)
		}
		lines = append(lines, "  "+action+" "+s.Text.Render(tui.Cell(tui.Safe(r.Serial), serialW)+" "+
			tui.Cell(user, userW)+" "+tui.Cell(tui.Safe(r.Origin), originW)+" "+tui.Cell(tui.Safe(reason(r)), reasonW)))
	}
	if more := len(m.plan) - len(shown); more > 0 {
		lines = append(lines, "  "+s.Muted.Render(fmt.Sprintf("… and %s more", tui.Thousands(more))))
	}
	lines = append(lines, "")
	if m.changes() == 0 {
		lines = append(lines, s.Text.Render("Nothing to import. ")+s.Key.Render("esc")+s.Text.Render(" changes the options."))
	} else {
		lines = append(lines, s.Key.Render("enter")+s.Text.Render(" imports "+tui.Plural(m.changes(), "token", "tokens")+" in one transaction · ")+
			s.Key.Render("esc")+s.Text.Render(" changes the options"))
	}
	return strings.Join(lines, "\n")
}

func skippedStyle(m *Model, n int) lipgloss.Style {
	if n > 0 {
		return m.c.Styles.Warn
	}
	return m.c.Styles.Text
}

// reason is why a token is skipped, without the advice the summary gives.
func reason(r db.ImportResult) string {
	if i := strings.LastIndex(r.Reason, " (use --replace"); i >= 0 {
		return r.Reason[:i]
	}
	return r.Reason
}

func (m *Model) optionsText() string {
	var on []string
	if m.assign {
		on = append(on, "assign to named users")
	} else {
		on = append(on, "no assignment")
	}
	if m.createUsers {
		on = append(on, "create users")
	}
	if m.replace {
		on = append(on, "replace known serials")
	}
	return "Options: " + strings.Join(on, ", ") + "."
}
