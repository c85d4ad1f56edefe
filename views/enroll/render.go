package enroll

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/qrtext"
	"github.com/two-factor/two-factor/tui"
)

// sidePanel is the narrowest text column beside a QR code.
const sidePanel = 32

func (m *Model) View() string {
	s := m.c.Styles
	who := tui.Safe(m.user)
	switch m.step {
	case stepChoose:
		var b strings.Builder
		b.WriteString(s.Title.Render("Enroll a device for "+who) + "\n\n")
		for i, c := range choices {
			marker, label := "  ", s.Text.Render(c.label)
			if Kind(i) == m.choice {
				marker, label = s.Key.Render("› "), s.Strong.Render(c.label)
			}
			b.WriteString(fmt.Sprintf("%s%s %s\n     %s\n", marker, s.Muted.Render(fmt.Sprint(i+1)), label, s.Muted.Render(c.help)))
		}
		b.WriteString("\n" + s.Muted.Render("Nothing is stored until the device's first code confirms it."))
		return b.String()
	case stepToken:
		return s.Title.Render("Hardware token for "+who) + "\n\n" + m.form.view(m.c) +
			"\n" + s.Muted.Render("NFC programming of blank tokens comes later; this takes a token's factory seed.") +
			"\n" + s.Muted.Render("enter moves on; on the last field it starts the enrollment.")
	case stepStarting:
		return "\n " + m.starting.Spinner() + s.Muted.Render(" preparing the device…")
	}
	if m.e == nil {
		return ""
	}
	if m.e.URI == "" {
		return m.tokenCodeView()
	}
	return m.appView()
}

// tokenCodeView asks for the first code of a hardware token.
func (m *Model) tokenCodeView() string {
	s := m.c.Styles
	d := m.e.Device
	lines := []string{
		s.Title.Render(fmt.Sprintf("Confirm %s serial %s for %s", tui.Safe(d.KindLabel()), tui.Safe(d.Serial), tui.Safe(m.user))),
		"",
		s.Text.Render("Press the token's button and type the code it shows."),
		"",
		m.codeLine(),
		m.noteLine(),
	}
	return strings.Join(lines, "\n")
}

func (m *Model) codeLine() string {
	s := m.c.Styles
	if m.step == stepConfirming {
		return m.first.Check.Spinner() + s.Muted.Render(" checking the code…")
	}
	return m.first.Input.View()
}

func (m *Model) noteLine() string {
	if m.note == "" && m.c.Styles.Colourless && m.e != nil && m.e.URI != "" {
		return m.c.Styles.Muted.Render("enter confirms · esc cancels (nothing stored) · i inverts the code")
	}
	if m.note == "" {
		return m.c.Styles.Muted.Render("enter confirms · esc cancels, and nothing is stored")
	}
	if m.bad {
		return m.c.Styles.Danger.Render("✗ " + m.note)
	}
	return m.c.Styles.Text.Render(m.note)
}

// appView draws the QR code with the URI and secret as a fallback, in the
// first layout that fits: stacked, then side by side, else the text alone
// with the size the terminal would need.
func (m *Model) appView() string {
	if lines, ok := m.stacked(); ok {
		return strings.Join(lines, "\n")
	}
	if lines, ok := m.sideBySide(); ok {
		return strings.Join(lines, "\n")
	}
	return strings.Join(m.textOnly(), "\n")
}

func (m *Model) heading() string {
	return m.c.Styles.Title.Render(fmt.Sprintf("Scan with %s's %s app", tui.Safe(m.user), appKind(m.e.Device.Kind)))
}

func appKind(k devices.Kind) string {
	if k == devices.HOTP {
		return "HOTP"
	}
	return "authenticator"
}

// qrLines returns the QR art as lines drawn so that it scans on this
// terminal: white and black set explicitly when there is colour (any
// background then), else drawn for the background the console believes
// in, which i flips when that belief is wrong (detection failed).
func (m *Model) qrLines() []string {
	s := m.c.Styles
	lines := strings.Split(m.qr, "\n")
	if !s.Colourless {
		for i, l := range lines {
			lines[i] = s.QR.Render(l)
		}
		return lines
	}
	return qrtext.ForBackground(s.DarkBackground != m.inverted).Apply(lines)
}

// fallback is the URI and the secret, wrapped to width.
func (m *Model) fallback(width int) []string {
	s := m.c.Styles
	var out []string
	out = append(out, s.Muted.Render("URI:"))
	for _, l := range tui.Wrap(m.uri, width) {
		out = append(out, s.Code.Render(l))
	}
	out = append(out, s.Muted.Render("Secret (to type in by hand):"))
	for _, l := range tui.Wrap(m.secret, width) {
		out = append(out, s.Code.Render(l))
	}
	return out
}

func (m *Model) stacked() ([]string, bool) {
	if m.qrW > m.width {
		return nil, false
	}
	uri := "URI: " + m.uri
	if ansi.StringWidth(uri) > m.width {
		return nil, false // the URI must read on one line below a code
	}
	s := m.c.Styles
	lines := []string{m.heading()}
	lines = append(lines, m.qrLines()...)
	lines = append(lines,
		s.Muted.Render("URI: ")+s.Code.Render(m.uri),
		s.Muted.Render("Secret: ")+s.Code.Render(m.secret),
		"",
		m.codeLine(),
		m.noteLine(),
	)
	return lines, len(lines) <= m.height
}

// sideText is the column beside the QR code, width cells wide.
func (m *Model) sideText(width int) []string {
	var text []string
	for _, l := range tui.Wrap(ansi.Strip(m.heading()), width) {
		text = append(text, m.c.Styles.Title.Render(l))
	}
	text = append(text, "")
	text = append(text, m.fallback(width)...)
	text = append(text, "", m.codeLine())
	style := m.c.Styles.Muted
	if m.bad {
		style = m.c.Styles.Danger
	}
	for _, l := range tui.Wrap(ansi.Strip(m.noteLine()), width) {
		text = append(text, style.Render(l))
	}
	return text
}

func (m *Model) sideBySide() ([]string, bool) {
	right := m.width - m.qrW - 2
	if right < sidePanel {
		return nil, false
	}
	text := m.sideText(right)
	qr := m.qrLines()
	n := max(len(qr), len(text))
	if n > m.height {
		return nil, false
	}
	lines := make([]string, n)
	for i := range lines {
		left := strings.Repeat(" ", m.qrW)
		if i < len(qr) {
			left = qr[i] + strings.Repeat(" ", m.qrW-ansi.StringWidth(qr[i]))
		}
		r := ""
		if i < len(text) {
			r = text[i]
		}
		lines[i] = left + "  " + r
	}
	return lines, true
}

// textOnly is the fallback when no layout fits: it says how large the
// terminal must be for the QR code.
func (m *Model) textOnly() []string {
	s := m.c.Styles
	chrome := max(0, m.c.Height-m.height)
	needW := m.qrW + 2 + sidePanel
	needH := max(m.qrH, len(m.sideText(sidePanel))) + chrome
	lines := []string{m.heading()}
	for _, l := range tui.Wrap(fmt.Sprintf("! The QR code needs a terminal of at least %d×%d; this one is %d×%d.",
		needW, needH, m.c.Width, m.c.Height), m.width) {
		lines = append(lines, s.Warn.Render(l))
	}
	for _, l := range tui.Wrap("Enlarge the window (or zoom out) to scan it, or type the secret into the app.", m.width) {
		lines = append(lines, s.Text.Render(l))
	}
	lines = append(lines, "")
	lines = append(lines, m.fallback(m.width)...)
	lines = append(lines, "", m.codeLine(), m.noteLine())
	return lines
}
