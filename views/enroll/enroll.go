// Package enroll adds a second factor to a user: an authenticator app
// (TOTP) or HOTP app shown as a QR code with its URI and secret, a hardware
// token from its factory seed and serial, or backup codes. The device
// exists only in memory until its first code confirms it, so cancelling
// leaves nothing behind.
package enroll

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type step int

const (
	stepChoose     step = iota // which kind of device
	stepToken                  // the hardware token form
	stepStarting               // preparing the device
	stepCode                   // showing the QR code (apps) and waiting for the first code
	stepConfirming             // checking the first code
)

// Kind is what the administrator enrolls.
type Kind int

const (
	App Kind = iota
	Token
	HOTPApp
	BackupCodes
)

var choices = []struct {
	label, help string
}{
	App:         {"Authenticator app (TOTP)", "a phone app scans a QR code: Google Authenticator, Aegis, 1Password…"},
	Token:       {"Hardware token", "a TOTP or HOTP token whose factory seed you have, with its serial"},
	HOTPApp:     {"HOTP app (counter-based)", "an app that counts codes instead of following the clock"},
	BackupCodes: {"Backup codes", "ten single-use codes for the day the other devices are lost"},
}

// Model is the enrollment screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	user string

	step     step
	choice   Kind
	form     *tokenForm
	starting *tui.Loader[*service.Enrollment] // preparing the device in memory
	first    *tui.FirstCode                   // the first code, and its check

	e      *service.Enrollment
	uri    string // what the QR code holds: e.URI without default parameters
	secret string // grouped base32, for typing into an app by hand
	qr     string // half-block art
	qrW    int
	qrH    int
	// inverted flips a colourless QR code for the other background, for
	// when the console's belief about the background is wrong.
	inverted bool
	note     string // the latest verdict on a code, or a problem
	bad      bool   // note is a problem

	width, height int
}

// New returns the enrollment screen for user.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user,
		starting: tui.NewLoader[*service.Enrollment](),
		first: tui.NewFirstCode(c, "device", "the code the device shows now",
			"That code is not right. Check the device's clock (or, for HOTP, press once) and type the new code.")}
	return m
}

func (m *Model) Title() string { return "Enroll" }

// Capturing is true once a field takes text: from then on esc cancels and
// q is a letter.
func (m *Model) Capturing() bool { return m.step != stepChoose }

func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

func (m *Model) Init() tea.Cmd { return nil }

// Enrollment returns the enrollment in progress, for tests.
func (m *Model) Enrollment() *service.Enrollment { return m.e }

// URI returns the otpauth URI the QR code holds, for tests.
func (m *Model) URI() string { return m.uri }

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if r, ok := m.starting.Accept(msg); ok && m.step == stepStarting {
		if r.Err != nil {
			m.step = stepChoose
			if m.form != nil {
				m.step = stepToken
			}
			return tui.Fail(r.Err)
		}
		return m.started(r.Value)
	}
	if r, ok := m.first.Check.Accept(msg); ok && m.step == stepConfirming {
		return m.confirmed(r.Value, r.Err)
	}
	switch msg := msg.(type) {
	case spinner.TickMsg:
		return tea.Batch(m.starting.Update(msg), m.first.Check.Update(msg))
	case tea.PasteMsg:
		return m.input(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Cancel) {
		if m.step == stepConfirming {
			return nil // the code is being checked; wait for the verdict
		}
		return m.cancel()
	}
	switch m.step {
	case stepChoose:
		switch {
		case key.Matches(msg, k.Up):
			m.choice = max(0, m.choice-1)
		case key.Matches(msg, k.Down):
			m.choice = min(Kind(len(choices)-1), m.choice+1)
		case msg.String() >= "1" && msg.String() <= "4":
			m.choice = Kind(msg.String()[0] - '1')
			return m.choose()
		case key.Matches(msg, k.Choose):
			return m.choose()
		}
		return nil
	case stepToken:
		switch {
		case key.Matches(msg, k.Submit):
			if cmd, ok := m.form.move(1); ok {
				return cmd
			}
			return m.startToken()
		case key.Matches(msg, k.Next):
			cmd, _ := m.form.move(1)
			return cmd
		case key.Matches(msg, k.Prev):
			cmd, _ := m.form.move(-1)
			return cmd
		case m.form.fields[m.form.focus].input == nil && key.Matches(msg, k.Toggle):
			d := 1
			if msg.String() == "left" {
				d = -1
			}
			m.form.toggle(d)
			return nil
		}
		return m.form.update(msg)
	case stepCode:
		switch {
		case key.Matches(msg, k.Confirm):
			return m.confirm()
		case key.Matches(msg, k.Invert) && m.c.Styles.Colourless && m.e != nil && m.e.URI != "":
			m.inverted = !m.inverted // codes are digits: i is never part of one
			return nil
		}
		return m.input(msg)
	}
	return nil
}

func (m *Model) input(msg tea.Msg) tea.Cmd {
	switch m.step {
	case stepToken:
		return m.form.update(msg)
	case stepCode:
		return m.first.Input.Update(msg)
	}
	return nil
}

// cancel drops the enrollment: it was never stored.
func (m *Model) cancel() tea.Cmd {
	m.starting.Cancel()
	m.first.Check.Cancel()
	what := "enrollment cancelled: nothing was stored"
	if m.step == stepChoose {
		return tui.Back(m)
	}
	m.forget()
	return tui.BackWith(m, tui.Info, "%s", what)
}

// forget wipes the secret from memory.
func (m *Model) forget() {
	if m.e != nil && m.e.Device != nil {
		clear(m.e.Device.Secret)
	}
	if m.form != nil {
		m.form.wipe()
	}
	m.e, m.qr, m.uri, m.secret = nil, "", "", ""
}

func (m *Model) choose() tea.Cmd {
	switch m.choice {
	case BackupCodes:
		return tui.NavigateReplace(tui.Route{Screen: tui.ScreenBackupCodes, User: m.user})
	case Token:
		m.step = stepToken
		m.form = newTokenForm(m.c)
		return m.form.focusCmd()
	case HOTPApp:
		return m.start(service.EnrollOptions{Kind: devices.HOTP})
	}
	return m.start(service.EnrollOptions{Kind: devices.TOTP})
}

func (m *Model) startToken() tea.Cmd {
	spec, err := m.form.spec()
	if err != nil {
		return tui.Fail(err)
	}
	return m.start(service.EnrollOptions{Token: spec})
}

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.step {
	case stepChoose:
		return []key.Binding{k.Up, k.Down, k.Choose, k.Back}
	case stepToken:
		return []key.Binding{k.Next, k.Toggle, k.Submit, k.Cancel}
	case stepCode:
		if m.c.Styles.Colourless && m.e != nil && m.e.URI != "" {
			return []key.Binding{k.Confirm, k.Invert, k.Cancel}
		}
		return []key.Binding{k.Confirm, k.Cancel}
	}
	return []key.Binding{k.Cancel}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, tui.WithHelp(k.Choose, "enter/1-4", "choose a kind")},
		{k.Next, k.Prev, k.Toggle, k.Submit},
		{k.Confirm, k.Cancel},
	}
}
