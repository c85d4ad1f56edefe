// Package drift is the drift report: every hardware TOTP token (or every
// TOTP device) with its drift, how fast it is moving, a sparkline of its
// history and what to do; tokens whose drift will leave their tolerance
// come first.
package drift

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/resync"
	"github.com/two-factor/two-factor/views/userdetail"
)

// Horizon is how far ahead the report looks for tokens leaving their
// tolerance.
const Horizon = 30 * 24 * time.Hour

// Model is the drift report.
type Model struct {
	c    *tui.Common
	keys KeyMap
	spin spinner.Model

	loading bool
	err     error
	gen     int
	all     bool
	lines   []service.DriftRow
	cursor  tui.ListCursor

	width, height int
}

// New returns the drift report.
func New(c *tui.Common) *Model {
	return &Model{c: c, keys: DefaultKeyMap(c.Keys), loading: true,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

func (m *Model) Title() string   { return "Token drift" }
func (m *Model) Capturing() bool { return false }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.cursor.Clamp(len(m.lines), m.listHeight())
}

// listHeight leaves room for the info line, header and advice.
func (m *Model) listHeight() int { return max(1, m.height-7) }

func (m *Model) Init() tea.Cmd { return tea.Batch(m.load(), m.spin.Tick) }

func (m *Model) load() tea.Cmd {
	m.gen++
	m.loading = true
	gen, c, all := m.gen, m.c, m.all
	return func() tea.Msg {
		ls, err := c.Svc.DriftReport(c.Ctx, Horizon, all)
		return loadedMsg{gen: gen, lines: ls, err: err}
	}
}

// Lines returns the report, for tests.
func (m *Model) Lines() []service.DriftRow { return m.lines }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.gen != m.gen {
			return nil
		}
		m.loading, m.err, m.lines = false, msg.err, msg.lines
		m.cursor.Clamp(len(m.lines), m.listHeight())
		return nil
	case tui.ChangedMsg:
		return m.load()
	case spinner.TickMsg:
		if !m.loading {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.cursor.Move(msg, k.GlobalKeyMap, len(m.lines), m.listHeight()) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return tui.Back(m)
	case key.Matches(msg, k.All):
		m.all = !m.all
		return tea.Batch(m.load(), m.spin.Tick)
	case key.Matches(msg, k.Reload):
		return tea.Batch(m.load(), m.spin.Tick)
	}
	if m.cursor.Index >= len(m.lines) {
		return nil
	}
	d := m.lines[m.cursor.Index].Device
	switch {
	case key.Matches(msg, k.Resync):
		return tui.Push(resync.New(m.c, d.User, d))
	case key.Matches(msg, k.User):
		return tui.Push(userdetail.New(m.c, d.User))
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
	for _, l := range m.lines {
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
	flagged := 0
	for _, l := range m.lines {
		if l.Trend.Flag {
			flagged++
		}
	}
	b.WriteString(s.Title.Render("Drift report") + s.Muted.Render(fmt.Sprintf("  %s: %d, %d need attention within %d days",
		what, len(m.lines), flagged, int(Horizon/(24*time.Hour)))))
	if m.loading {
		b.WriteString(" " + m.spin.View())
	}
	if m.err != nil {
		return b.String() + "\n\n" + s.Danger.Render("✗ "+tui.Safe(m.err.Error()))
	}
	if len(m.lines) == 0 {
		if m.loading {
			return b.String()
		}
		return b.String() + "\n\n " + s.Text.Render("No "+what+" yet.") +
			"\n " + s.Muted.Render("Press a to include authenticator apps.")
	}
	b.WriteString("\n" + s.TableHeader.Render(strings.Repeat(" ", 2+wFlag)+strings.Join([]string{
		tui.Cell("USER", wUser), tui.Cell("DEVICE", m.deviceWidth()), tui.Cell("DRIFT", m.driftWidth()),
		tui.Cell("PER WEEK", wRate), tui.Cell("HISTORY", wSpark), tui.Cell("LEAVES", wLeaves)}, " ")))
	h := m.listHeight()
	for i := m.cursor.Offset; i < m.cursor.End(len(m.lines), h); i++ {
		b.WriteString("\n" + m.row(&m.lines[i], i == m.cursor.Index))
	}
	for i := m.cursor.End(len(m.lines), h) - m.cursor.Offset; i < h; i++ {
		b.WriteString("\n")
	}
	if m.cursor.Index < len(m.lines) {
		l := &m.lines[m.cursor.Index]
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
