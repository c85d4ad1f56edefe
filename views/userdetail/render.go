package userdetail

import (
	"fmt"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/tui"
)

// detailLines is the height of the selected device's panel.
const detailLines = 9

const (
	wName   = 18
	wKind   = 13
	wState  = 14
	wDetail = 20 // "! 23 h 59 min behind"
	wLast   = 9
)

// tableHeight is how many device rows fit above the panel.
func (m *Model) tableHeight() int { return max(1, m.height-3-detailLines) }

func (m *Model) View() string {
	s := m.c.Styles
	switch m.load.State() {
	case tui.LoadPending:
		return m.load.Waiting(m.c, tui.Safe(m.user))
	case tui.LoadFailed:
		return "\n " + s.Danger.Render("✗ "+tui.Safe(m.load.Err().Error())) + "\n\n " + s.Text.Render("Press esc to go back, ctrl+r to try again.")
	}
	var b strings.Builder
	b.WriteString(m.summary())
	b.WriteString("\n")
	if m.devs.Len() == 0 {
		b.WriteString("\n " + s.Text.Render(tui.Safe(m.user)+" has no devices: two-factor authentication is off.") +
			"\n\n " + s.Text.Render("Press ") + s.Key.Render("n") + s.Text.Render(" to enroll an authenticator app or a hardware token,") +
			"\n " + s.Key.Render("i") + s.Text.Render(" to give them a hardware token from the inventory,") +
			"\n " + s.Key.Render("b") + s.Text.Render(" to give them backup codes."))
		return b.String()
	}
	b.WriteString("\n" + s.TableHeader.Render("  "+tui.Cell("NAME", m.nameWidth())+" "+tui.Cell("KIND", wKind)+" "+
		tui.Cell("STATE", wState)+" "+tui.Cell("DETAIL", m.detailWidth())+" "+tui.Cell("LAST USED", wLast)))
	b.WriteString("\n" + m.devs.View(m.row))
	b.WriteString("\n\n" + m.panel(m.Selected()))
	return b.String()
}

// nameWidth and detailWidth share what the fixed columns leave: the name
// grows to 32 cells, the detail takes the rest.
func (m *Model) nameWidth() int {
	return max(wName, min(32, m.width-2-wKind-wState-wDetail-wLast-4))
}

func (m *Model) detailWidth() int {
	return max(wDetail, m.width-2-m.nameWidth()-wKind-wState-wLast-4)
}

func (m *Model) summary() string {
	s := m.c.Styles
	state := s.Muted.Render("– 2FA disabled")
	if m.detail.Enabled() {
		state = s.OK.Render("✓ 2FA enabled")
	}
	locked := 0
	for _, d := range m.devs.Rows() {
		if d.LockedOut {
			locked++
		}
	}
	if locked > 0 {
		state += s.Danger.Render(fmt.Sprintf(" · ✗ %d locked out", locked))
	}
	return s.Title.Render(tui.Safe(m.user)) + "  " + state + s.Muted.Render(" · "+tui.Plural(m.devs.Len(), "device", "devices"))
}

// deviceState is whether a device works now, by the domain's one rule.
// It is judged again at each frame rather than taken from the loaded
// detail, so a throttle that ends is seen to end without a reload.
func (m *Model) deviceState(d *devices.Device) tui.StateLabel {
	return tui.DeviceStateLabel(devices.StateOf(d, m.policy, m.c.Now()))
}

func deviceDetail(d *devices.Device) string {
	switch d.Kind {
	case devices.Backup:
		return tui.Plural(len(d.Codes), "code left", "codes left")
	case devices.HOTP:
		return fmt.Sprintf("counter %d", d.Counter)
	case devices.Phone:
		return d.PhoneNumber // masked by the store
	}
	if devices.DriftSuspicious(d.Drift, d.Step) {
		return "! " + devices.DriftWords(d.Drift, d.Step) // the detail pane says why
	}
	return devices.DriftWords(d.Drift, d.Step)
}

func (m *Model) row(d *devices.Device, selected bool) string {
	s := m.c.Styles
	st := m.deviceState(d)
	marker := "  "
	if selected {
		marker = "› "
	}
	cells := []string{
		tui.Cell(tui.Safe(d.Name), m.nameWidth()),
		tui.Cell(tui.Safe(d.KindLabel()), wKind),
		tui.Cell(st.String(), wState),
		tui.Cell(deviceDetail(d), m.detailWidth()),
		tui.Cell(m.c.Ago(d.LastUsed), wLast),
	}
	if selected {
		return s.Selected.Render(marker + strings.Join(cells, " "))
	}
	cells[2] = st.Tone.Style(s).Render(cells[2])
	return marker + strings.Join(cells, " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// panel is everything about the selected device.
func (m *Model) panel(d *devices.Device) string {
	if d == nil {
		return ""
	}
	s := m.c.Styles
	label := func(l string) string { return s.Muted.Render(fmt.Sprintf(" %-10s ", l)) }
	var lines []string
	title := fmt.Sprintf("%s · device %d", tui.Safe(d.Name), d.ID)
	lines = append(lines, s.Title.Render("── "+title+" "+strings.Repeat("─", max(0, m.width-len([]rune(title))-5))))

	kind := tui.Safe(d.KindLabel())
	if d.Kind.IsOTP() {
		kind += fmt.Sprintf(" · %s, %d digits", d.Algorithm, d.Digits)
		if d.Kind == devices.TOTP {
			kind += fmt.Sprintf(", %d s steps", d.Step)
		}
	}
	lines = append(lines, label("Kind")+s.Text.Render(kind))
	if d.Hardware {
		hw := "serial " + tui.Safe(tui.OrDash(d.Serial))
		if d.Model != "" || d.Manufacturer != "" {
			hw += " · model " + tui.Safe(strings.TrimSpace(d.Manufacturer+" "+d.Model))
		}
		if d.SeedSource != "" {
			hw += " · seed " + tui.Safe(string(d.SeedSource))
		}
		lines = append(lines, label("Token")+s.Text.Render(hw))
	}
	tol := ""
	switch d.Kind {
	case devices.TOTP:
		tol = "±" + tui.Plural(d.Tolerance, "step", "steps")
	case devices.HOTP:
		tol = tui.Plural(d.Tolerance, "counter", "counters") + " ahead"
	}
	state := label("Confirmed") + s.Text.Render(yesNo(d.Confirmed)) +
		s.Muted.Render("   enabled ") + s.Text.Render(yesNo(d.Enabled))
	if d.Kind.IsOTP() {
		state += s.Muted.Render("   tolerance ") + s.Text.Render(tol)
	}
	lines = append(lines, state)
	switch d.Kind {
	case devices.TOTP:
		lines = append(lines, label("Drift")+s.Text.Render(devices.DriftSteps(d.Drift, d.Step))+m.history(d))
		if w := devices.DriftWarning(d.Drift, d.Step); w != "" {
			for _, l := range tui.Wrap("! "+w, max(20, m.width-4)) {
				lines = append(lines, s.Warn.Render(l))
			}
		}
	case devices.HOTP:
		lines = append(lines, label("Counter")+s.Text.Render(fmt.Sprintf("next %d", d.Counter)))
	case devices.Backup:
		lines = append(lines, label("Codes")+s.Text.Render(tui.Plural(len(d.Codes), "unused code", "unused codes")+" of 10"))
	}
	lines = append(lines, label("Failures")+m.failures(d))
	used := m.c.Stamp(d.LastUsed)
	if !d.LastUsed.IsZero() {
		used += " (" + m.c.Ago(d.LastUsed) + ")"
	}
	lines = append(lines, label("Last used")+s.Text.Render(used)+
		s.Muted.Render("   created ")+s.Text.Render(createdStamp(m.c, d.Created)))
	return strings.Join(lines, "\n")
}

// history is the drift sparkline, oldest to newest.
func (m *Model) history(d *devices.Device) string {
	s := m.c.Styles
	samples := m.drift[d.ID]
	if len(samples) == 0 {
		return s.Muted.Render("   no history yet")
	}
	vals := make([]int64, len(samples))
	lo, hi := samples[0].Drift, samples[0].Drift
	for i, x := range samples {
		vals[i] = x.Drift
		lo, hi = min(lo, x.Drift), max(hi, x.Drift)
	}
	width := max(8, min(40, m.width-50))
	return s.Muted.Render("   history ") + s.Text.Render(tui.Sparkline(vals, width)) +
		s.Muted.Render(fmt.Sprintf(" %s, %+d…%+d", tui.Plural(len(samples), "sample", "samples"), lo, hi))
}

func (m *Model) failures(d *devices.Device) string {
	s := m.c.Styles
	now := m.c.Now()
	switch {
	case d.LockedOut:
		return s.Danger.Render(fmt.Sprintf("%d · ✗ locked out", d.Failures)) + s.Text.Render(": press u to unlock")
	case d.Failures == 0:
		return s.Text.Render("none")
	}
	text := fmt.Sprintf("%d, last %s", d.Failures, m.c.Ago(d.LastFailure))
	if until := d.ThrottledUntil(m.policy); now.Before(until) {
		return s.Warn.Render(text+fmt.Sprintf(" · ! throttled for %s", until.Sub(now).Round(1e9))) + s.Text.Render(": u clears it")
	}
	return s.Text.Render(text + " · not throttled")
}

// createdStamp is when a device was created, or "unknown" where the store
// never recorded it (a Django site from before django-otp 1.4 has no
// created_at): "never" would say it does not exist.
func createdStamp(c *tui.Common, t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return c.Stamp(t)
}
