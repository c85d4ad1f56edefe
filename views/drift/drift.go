// Package drift is the drift report: every hardware TOTP token (or every
// TOTP device) with its drift, how fast it is moving, a sparkline of its
// history and what to do; tokens whose drift will leave their tolerance
// come first.
package drift

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// Horizon is how far ahead the report looks for tokens leaving their
// tolerance.
const Horizon = 30 * 24 * time.Hour

// Model is the drift report.
type Model struct {
	c    *tui.Common
	keys KeyMap

	load *tui.Loader[[]service.DriftRow]
	list *tui.List[service.DriftRow] // the selection follows the device
	all  bool

	width, height int
}

// New returns the drift report.
func New(c *tui.Common) *Model {
	return &Model{c: c, keys: DefaultKeyMap(c.Keys), load: tui.NewLoader[[]service.DriftRow](),
		list: tui.NewList(c, tui.ListOptions[service.DriftRow]{
			Key: func(r service.DriftRow) string { return strconv.FormatInt(r.Device.ID, 10) },
		})}
}

func (m *Model) Title() string   { return "Token drift" }
func (m *Model) Capturing() bool { return false }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.list.SetHeight(h - 7) // room for the info line, header and advice
}

func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	c, all := m.c, m.all
	return m.load.Load(func() ([]service.DriftRow, error) { return c.Svc.DriftReport(c.Ctx, Horizon, all) })
}

// Lines returns the report, for tests.
func (m *Model) Lines() []service.DriftRow { return m.list.Rows() }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.load.Accept(msg); ok {
		if r.Err == nil {
			m.list.SetRows(r.Value)
		}
		return nil
	}
	switch msg := msg.(type) {
	case tui.ChangedMsg:
		return m.reload()
	case spinner.TickMsg:
		return m.load.Update(msg)
	case tea.KeyPressMsg:
		if cmd, ok := m.list.Update(msg); ok {
			return cmd
		}
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		return tui.Back(m)
	case key.Matches(msg, k.All):
		m.all = !m.all
		return m.reload()
	case key.Matches(msg, k.Reload):
		return m.reload()
	}
	r, ok := m.list.Selected()
	if !ok {
		return nil
	}
	d := r.Device
	switch {
	case key.Matches(msg, k.Resync):
		return tui.Navigate(tui.Route{Screen: tui.ScreenResync, User: d.User, Device: d.ID})
	case key.Matches(msg, k.User):
		// The user's screen, with this device selected.
		return tui.Navigate(tui.Route{Screen: tui.ScreenUser, User: d.User, Device: d.ID})
	}
	return nil
}

const (
	wFlag   = 2
	wUser   = 14
	wRate   = 8
	wSpark  = 10
	wLeaves = 10
)

func (m *Model) deviceWidth() int {
	return max(10, m.width-2-wFlag-wUser-m.driftWidth()-wRate-wSpark-wLeaves-6)
}

// driftWidth fits the longest drift shown ("on time" to "23 h 59 min
// behind"), so short drifts leave the room to device names.
func (m *Model) driftWidth() int {
	w := len("DRIFT")
	for _, l := range m.list.Rows() {
		w = max(w, len(driftText(l.Device)))
	}
	return w
}

func driftText(d *devices.Device) string { return devices.DriftWords(d.Drift, d.Step) }

func (m *Model) View() string {
	s := m.c.Styles
	var b strings.Builder
	what := "hardware tokens"
	if m.all {
		what = "all TOTP devices"
	}
	lines := m.list.Rows()
	flagged := 0
	for _, l := range lines {
		if l.Trend.Flag {
			flagged++
		}
	}
	b.WriteString(s.Title.Render("Drift report") + s.Muted.Render(fmt.Sprintf("  %s: %d, %d need attention within %d days",
		what, len(lines), flagged, int(Horizon/(24*time.Hour)))))
	if m.load.Busy() {
		b.WriteString(" " + m.load.Spinner())
	}
	if err := m.load.Err(); err != nil {
		return b.String() + "\n\n" + s.Danger.Render("✗ "+tui.Safe(err.Error()))
	}
	if len(lines) == 0 {
		if m.load.Busy() || m.load.State() == tui.LoadPending {
			return b.String()
		}
		return b.String() + "\n\n " + s.Text.Render("No "+what+" yet.") +
			"\n " + s.Muted.Render("Press a to include authenticator apps.")
	}
	b.WriteString("\n" + s.TableHeader.Render(strings.Repeat(" ", 2+wFlag)+strings.Join([]string{
		tui.Cell("USER", wUser), tui.Cell("DEVICE", m.deviceWidth()), tui.Cell("DRIFT", m.driftWidth()),
		tui.Cell("PER WEEK", wRate), tui.Cell("HISTORY", wSpark), tui.Cell("LEAVES", wLeaves)}, " ")))
	b.WriteString("\n" + m.list.ViewFilled(func(l service.DriftRow, selected bool) string { return m.row(&l, selected) }))
	if l, ok := m.list.Selected(); ok {
		b.WriteString("\n" + s.Muted.Render(strings.Repeat("─", m.width)))
		// The row above names the device (serial first); the advice only
		// says which row it is about.
		advice := tui.Safe(l.Device.User) + "'s " + tui.Safe(l.Device.Name) + ": " + tui.Safe(l.Trend.Advice)
		st := s.Text
		if l.Trend.Flag {
			st = s.Warn
			advice = "! " + advice
		}
		for i, w := range tui.Wrap(advice, m.width) {
			if i == 3 {
				break
			}
			b.WriteString("\n" + st.Render(w))
		}
	}
	return b.String()
}

func (m *Model) row(l *service.DriftRow, selected bool) string {
	s := m.c.Styles
	d := l.Device
	flag := "✓ "
	switch {
	case l.Trend.Flag:
		flag = "! "
	case l.Trend.Samples < 2 || l.Trend.RatePerDay == 0 && l.Trend.Advice != "steady":
		flag = "· "
	}
	name := tui.Safe(d.Label())
	vals := make([]int64, len(l.Samples))
	for i, x := range l.Samples {
		vals[i] = x.Drift
	}
	rate, leaves := "–", "–"
	if l.Trend.RatePerDay != 0 {
		rate = fmt.Sprintf("%+.2f", l.Trend.RatePerDay*7)
	}
	if !l.Trend.LeavesTolerance.IsZero() {
		leaves = m.c.InZone(l.Trend.LeavesTolerance).Format("2006-01-02")
	}
	marker := "  "
	if selected {
		marker = "› "
	}
	line := strings.Join([]string{
		tui.Cell(tui.Safe(d.User), wUser), tui.Cell(name, m.deviceWidth()), tui.Cell(driftText(d), m.driftWidth()),
		tui.Cell(rate, wRate), tui.Cell(tui.Sparkline(vals, wSpark), wSpark), tui.Cell(leaves, wLeaves)}, " ")
	if selected {
		return s.Selected.Render(marker + flag + line)
	}
	fs := s.OK
	switch flag {
	case "! ":
		fs = s.Warn
	case "· ":
		fs = s.Muted
	}
	return marker + fs.Render(flag) + s.Text.Render(line)
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	all := k.All
	if m.all {
		all = tui.WithHelp(k.All, "a", "tokens only")
	}
	return []key.Binding{k.Resync, k.User, all, k.Reload, k.Back}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{k.Navigation(), {k.Resync, k.User, k.All, k.Reload, k.Back}}
}
