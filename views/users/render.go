package users

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/two-factor/two-factor/tui"
)

// Column widths; the name takes what is left.
const (
	wMarker  = 2
	wStatus  = 13
	wDevices = 7
	wBackup  = 6
	wLast    = 10
)

func (m *Model) View() string {
	s := m.c.Styles
	switch {
	case m.load.State() == tui.LoadPending:
		return m.load.Waiting(m.c, "users")
	case m.load.State() == tui.LoadFailed:
		return "\n " + s.Danger.Render("✗ The users could not be loaded: "+tui.Safe(m.load.Err().Error())) +
			"\n\n " + s.Text.Render("Press r to try again, q to quit.")
	case m.list.Total() == 0 && !m.adding:
		return m.emptyView()
	}
	var b strings.Builder
	b.WriteString(m.infoLine())
	b.WriteByte('\n')
	b.WriteString(m.headerLine())
	if m.list.Len() == 0 {
		b.WriteString("\n\n" + m.list.NoMatch("user"))
		return b.String()
	}
	nameW := m.nameWidth()
	b.WriteByte('\n')
	m.list.ViewInto(&b, func(r row, selected bool) string { return m.rowLine(r, selected, nameW) })
	return b.String()
}

func (m *Model) nameWidth() int {
	return max(8, m.width-wMarker-(wStatus+1)-(wDevices+1)-(wBackup+1)-wLast-1)
}

func (m *Model) infoLine() string {
	s := m.c.Styles
	var left string
	switch q := m.list.Query(); {
	case m.adding:
		return m.input.View()
	case m.list.Filtering():
		left = m.list.FilterView()
	case q != "":
		left = s.Title.Render("Users") + s.Text.Render(" filtered by ") + s.Strong.Render(tui.Quoted(q))
	default:
		left = s.Title.Render("Users")
	}
	info := m.list.Count("user", "users") + " · by " + m.sortKey.String()
	if !m.complete {
		info += " · " + m.load.Spinner() + " loading all"
	}
	return left + "  " + s.Muted.Render(info)
}

func (m *Model) headerLine() string {
	s := m.c.Styles
	line := strings.Repeat(" ", wMarker) +
		tui.Cell("USER", m.nameWidth()) + " " +
		tui.Cell("2FA", wStatus) + " " +
		tui.CellRight("DEVICES", wDevices) + " " +
		tui.CellRight("BACKUP", wBackup) + " " +
		tui.Cell("LAST USED", wLast)
	return s.TableHeader.Render(line)
}

// rowLine renders one user. Only rows on screen are ever rendered, and
// names are made safe here, at the last moment.
func (m *Model) rowLine(u row, selected bool, nameW int) string {
	s := m.c.Styles
	st := u.status
	backup := "–"
	if u.BackupCodes > 0 {
		backup = strconv.Itoa(u.BackupCodes)
	}
	marker := "  "
	if selected {
		marker = "› "
	}
	name := tui.Cell(tui.Safe(u.Name), nameW)
	label := tui.UserStatusLabel(st)
	status := tui.Cell(label.String(), wStatus)
	rest := " " + tui.CellRight(strconv.Itoa(u.Devices), wDevices) + " " +
		tui.CellRight(backup, wBackup) + " " +
		tui.Cell(m.c.Ago(u.LastUsed), wLast)
	if selected {
		return s.Selected.Render(marker + name + " " + status + rest)
	}
	return marker + s.Text.Render(name) + " " + label.Tone.Style(s).Render(status) + s.Text.Render(rest)
}

// emptyView tells a newcomer what to do with an empty store.
func (m *Model) emptyView() string {
	s := m.c.Styles
	k := func(x string) string { return s.Key.Render(fmt.Sprintf("%-3s", x)) }
	lines := []string{
		"",
		" " + s.Title.Render("No users yet."),
		"",
		" " + s.Text.Render("This store keeps the second factors of the people who sign in to"),
		" " + s.Text.Render("your systems. To get started:"),
		"",
		"   " + k("a") + s.Text.Render("add a user, by the name they sign in with;"),
		"   " + k("n") + s.Text.Render("then, on their row, enroll their authenticator app (they"),
		"   " + k("") + s.Text.Render("scan a QR code) or a hardware token;"),
		"   " + k("b") + s.Text.Render("and give them backup codes for the day the phone is lost."),
		"   " + k("i") + s.Text.Render("the hardware-token inventory: import a vendor's seed file, assign tokens."),
		"",
		" " + s.Muted.Render("From a shell: two-factor user add NAME, then two-factor enroll NAME"),
		" " + s.Muted.Render("(two-factor --help lists every command)."),
		"",
		" " + s.Muted.Render("Store: ") + s.Text.Render(tui.Safe(m.c.Location)),
	}
	return strings.Join(lines, "\n")
}
