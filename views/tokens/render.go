package tokens

import (
	"fmt"
	"strings"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

// Fixed column widths; serial, model and manufacturer share what is left.
const (
	wMarker   = 2
	wKind     = 10 // "TOTP token"
	wHash     = 6  // "SHA256"
	wStep     = 4  // "30s"
	wUser     = 14 // the owner, or "✗ retired"
	wImported = 10 // "2026-11-22"
)

// columns is the width of each column; 0 hides it.
type columns struct {
	serial, model, maker, user int
}

func (m *Model) columns() columns {
	var c columns
	fixed := wKind + wHash + wStep + wImported
	n := 7 // columns, so n-1 single spaces between them
	if m.showUser() {
		c.user = wUser
		fixed += wUser
		n++
	}
	flex := max(0, m.width-wMarker-fixed-(n-1))
	c.serial = max(12, min(24, flex*2/5))
	rest := flex - c.serial
	if rest < 16 { // too narrow for both: the model keeps the room
		c.model = max(6, rest+1)
		return c
	}
	c.model = min(24, rest/2)
	c.maker = min(24, rest-c.model)
	return c
}

// showUser: the owner column appears when assigned or retired tokens can
// be listed.
func (m *Model) showUser() bool { return m.show == ShowAll || m.showRetired }

func (m *Model) View() string {
	s := m.c.Styles
	switch m.load.State() {
	case tui.LoadPending:
		return m.load.Waiting(m.c, "tokens")
	case tui.LoadFailed:
		return "\n " + s.Danger.Render("✗ The tokens could not be loaded: "+tui.Safe(m.load.Err().Error())) +
			"\n\n " + s.Text.Render("Press ctrl+r to try again, esc to go back.")
	}
	var b strings.Builder
	b.WriteString(m.infoLine())
	if m.list.Len() == 0 {
		b.WriteString("\n" + m.emptyView())
		return b.String()
	}
	b.WriteByte('\n')
	cols := m.columns()
	b.WriteString(m.headerLine(cols))
	b.WriteByte('\n')
	m.list.ViewInto(&b, func(d *devices.Device, selected bool) string { return m.rowLine(d, selected, cols) })
	return b.String()
}

func (m *Model) viewName() string {
	name := "Inventory"
	if m.show == ShowAll {
		name = "All tokens"
	}
	if m.showRetired {
		name += " and retired"
	}
	return name
}

func (m *Model) infoLine() string {
	s, id := m.c.Styles, &m.ident
	switch {
	case m.list.Filtering():
		return m.list.FilterView() + "  " + s.Muted.Render(m.list.Matches()+m.list.Range())
	case m.mode == modeAssign:
		line := m.assign.input.View()
		if m.assign.pending() {
			line += "  " + m.assign.run.Spinner() + s.Muted.Render(" assigning…")
		}
		return line
	case m.mode == modeIdentify, m.mode == modeSearching:
		line := id.codes[0].View() + "  " + id.codes[1].View() + "  " + id.codes[2].View()
		if m.mode == modeSearching {
			return line + "  " + id.search.Spinner() + s.Muted.Render(" identifying…")
		}
		return line + s.Muted.Render("  (3rd optional)")
	}
	left := s.Title.Render(m.viewName())
	if m.forUser != "" {
		left = s.Title.Render("Give a token to " + tui.Safe(m.forUser))
	}
	if q := m.list.Query(); q != "" {
		left += s.Text.Render(" filtered by ") + s.Strong.Render(tui.Quoted(q))
	}
	return left + "  " + s.Muted.Render(m.counts())
}

// counts says how many tokens there are of each kind and which rows show.
func (m *Model) counts() string {
	if len(m.list.Rows()) == 0 {
		return "no tokens"
	}
	if m.list.Query() != "" {
		return m.list.Matches() + m.list.Range()
	}
	parts := []string{tui.Thousands(m.stock) + " unassigned"}
	if m.assigned > 0 {
		parts = append(parts, tui.Thousands(m.assigned)+" assigned")
	}
	if m.retired > 0 {
		parts = append(parts, tui.Thousands(m.retired)+" retired")
	}
	return strings.Join(parts, " · ") + m.list.Range()
}

func (m *Model) headerLine(c columns) string {
	cells := []string{tui.Cell("SERIAL", c.serial), tui.Cell("KIND", wKind), tui.Cell("MODEL", c.model)}
	if c.maker > 0 {
		cells = append(cells, tui.Cell("MANUFACTURER", c.maker))
	}
	cells = append(cells, tui.Cell("HASH", wHash), tui.Cell("STEP", wStep))
	if c.user > 0 {
		cells = append(cells, tui.Cell("USER", c.user))
	}
	cells = append(cells, tui.Cell("IMPORTED", wImported))
	return m.c.Styles.TableHeader.Render(strings.Repeat(" ", wMarker) + strings.Join(cells, " "))
}

// rowLine renders one token. Only rows on screen are rendered, and text
// from the store is made safe here, at the last moment.
func (m *Model) rowLine(d *devices.Device, selected bool, c columns) string {
	s := m.c.Styles
	marker := "  "
	switch {
	case selected:
		marker = "› "
	case m.ident.found[d.Serial]:
		marker = "◆ "
	}
	step := "–"
	if d.Kind == devices.TOTP {
		step = fmt.Sprintf("%ds", d.Step)
	}
	state := devices.TokenStateOf(d)
	owner, ownerStyle := "–", s.Muted
	switch state {
	case devices.TokenRetired:
		owner, ownerStyle = "✗ retired", s.Danger
	case devices.TokenAssigned:
		owner, ownerStyle = tui.Safe(d.User), s.Text
	}
	cells := []string{
		tui.Cell(tui.Safe(d.Serial), c.serial),
		tui.Cell(tui.Safe(d.KindLabel()), wKind),
		tui.Cell(tui.OrDash(tui.Safe(d.Model)), c.model),
	}
	if c.maker > 0 {
		cells = append(cells, tui.Cell(tui.OrDash(tui.Safe(d.Manufacturer)), c.maker))
	}
	cells = append(cells, tui.Cell(d.Algorithm.String(), wHash), tui.Cell(step, wStep))
	userCell := -1
	if c.user > 0 {
		userCell = len(cells)
		cells = append(cells, tui.Cell(owner, c.user))
	}
	cells = append(cells, tui.Cell(m.c.InZone(d.Created).Format("2006-01-02"), wImported))
	if selected {
		return s.Selected.Render(marker + strings.Join(cells, " "))
	}
	style := s.Text
	if state == devices.TokenRetired {
		style = s.Muted
	}
	for i := range cells {
		if i == userCell {
			cells[i] = ownerStyle.Render(cells[i])
		} else {
			cells[i] = style.Render(cells[i])
		}
	}
	if m.ident.found[d.Serial] {
		marker = s.Key.Render(marker)
	}
	return marker + strings.Join(cells, " ")
}

// emptyView explains an empty list and what to do about it.
func (m *Model) emptyView() string {
	s := m.c.Styles
	k := s.Key.Render
	t := s.Text.Render
	switch {
	case len(m.list.Rows()) == 0:
		return strings.Join([]string{
			"",
			" " + s.Title.Render("No tokens in the inventory."),
			"",
			" " + t("Hardware tokens come with a seed file from their vendor (Microsoft CSV,"),
			" " + t("PSKC, OATH CSV, otpauth URIs). Press ") + k("I") + t(" to import a seed file, or run:"),
			"",
			"   " + s.Code.Render("two-factor import FILE"),
			"",
			" " + t("Then give each token to its user here with ") + k("a") + t(", or press ") + k("i") + t(" to find"),
			" " + t("which token you hold from two codes it shows."),
		}, "\n")
	case m.list.Query() != "":
		return "\n" + m.list.NoMatch("token")
	case m.show == ShowStock && m.stock == 0 && m.assigned > 0:
		return "\n " + t("No unassigned tokens: all "+tui.Plural(m.assigned, "token", "tokens")+" in service are assigned.") +
			"\n\n " + t("Press ") + k("A") + t(" to list them with their owners, ") + k("I") + t(" to import more.")
	}
	return "\n " + t("No tokens in service: "+tui.Plural(m.retired, "token is", "tokens are")+" retired.") +
		"\n\n " + t("Press ") + k("R") + t(" to list retired tokens, ") + k("I") + t(" to import new ones.")
}
