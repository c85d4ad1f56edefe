// Package enroll adds a second factor to a user: an authenticator app
// (TOTP) or HOTP app shown as a QR code with its URI and secret, a hardware
// token from its factory seed and serial, or backup codes. The device
// exists only in memory until its first code confirms it, so cancelling
// leaves nothing behind.
package enroll

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/qrtext"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/views/backupcodes"
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
	spin spinner.Model

	step   step
	choice Kind
	gen    int
	form   *tokenForm

	e      *service.Enrollment
	uri    string // what the QR code holds: e.URI without default parameters
	secret string // grouped base32, for typing into an app by hand
	qr     string // half-block art
	qrW    int
	qrH    int
	// inverted flips a colourless QR code for the other background, for
	// when the console's belief about the background is wrong.
	inverted bool
	code     textinput.Model
	note     string // the latest verdict on a code, or a problem
	bad      bool   // note is a problem

	width, height int
}

// New returns the enrollment screen for user.
func New(c *tui.Common, user string) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys), user: user}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.code = textinput.New()
	m.code.Prompt = "Code: "
	m.code.Placeholder = "the code the device shows now"
	m.code.CharLimit = 12
	m.code.SetStyles(c.Styles.Input)
	m.code.SetWidth(30)
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
	switch msg := msg.(type) {
	case startedMsg:
		if msg.gen != m.gen || m.step != stepStarting {
			return nil
		}
		if msg.err != nil {
			m.step = stepChoose
			if m.form != nil {
				m.step = stepToken
			}
			return func() tea.Msg { return tui.ErrorStatus(msg.err) }
		}
		return m.started(msg.e)
	case confirmedMsg:
		if msg.gen != m.gen || m.step != stepConfirming {
			return nil
		}
		return m.confirmed(msg)
	case tea.BackgroundColorMsg:
		m.code.SetStyles(m.c.Styles.Input)
		if m.form != nil {
			for _, f := range m.form.fields {
				if f.input != nil {
					f.input.SetStyles(m.c.Styles.Input)
				}
			}
		}
		return nil
	case spinner.TickMsg:
		if m.step != stepStarting && m.step != stepConfirming {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
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
		var cmd tea.Cmd
		m.code, cmd = m.code.Update(msg)
		return cmd
	}
	return nil
}

// cancel drops the enrollment: it was never stored.
func (m *Model) cancel() tea.Cmd {
	m.gen++
	what := "enrollment cancelled: nothing was stored"
	if m.step == stepChoose {
		return tui.Back(m)
	}
	m.forget()
	return tea.Sequence(tui.Back(m), tui.Status(tui.Info, "%s", what))
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
		return tui.Replace(m, backupcodes.New(m.c, m.user))
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
		return func() tea.Msg { return tui.ErrorStatus(err) }
	}
	return m.start(service.EnrollOptions{Token: spec})
}

func (m *Model) start(opt service.EnrollOptions) tea.Cmd {
	m.step = stepStarting
	m.gen++
	gen, c, user := m.gen, m.c, m.user
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		e, err := c.Svc.StartEnrollment(c.Ctx, user, opt)
		return startedMsg{gen: gen, e: e, err: err}
	})
}

// Start shows a prepared enrollment; exported for tests that need a
// known secret.
func (m *Model) Start(e *service.Enrollment) tea.Cmd {
	m.step = stepStarting
	return m.started(e)
}

func (m *Model) started(e *service.Enrollment) tea.Cmd {
	m.e = e
	m.step = stepCode
	m.note, m.bad = "", false
	if m.form != nil {
		m.form.wipe()
	}
	if e.URI != "" {
		m.uri = otpcore.CompactURI(e.URI)
		m.secret = otpcore.GroupBase32(otpcore.EncodeBase32(e.Device.Secret))
		m.qr, m.qrW, m.qrH = qrtext.Render(m.uri)
	}
	m.code.SetValue("")
	return m.code.Focus()
}

func (m *Model) confirm() tea.Cmd {
	code := strings.TrimSpace(m.code.Value())
	if code == "" {
		m.note, m.bad = "Type the code the device shows, then press enter.", true
		return nil
	}
	m.step = stepConfirming
	m.gen++
	gen, c, e := m.gen, m.c, m.e
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		r, err := c.Svc.Confirm(c.Ctx, e, code, false)
		return confirmedMsg{gen: gen, r: r, err: err}
	})
}

func (m *Model) confirmed(msg confirmedMsg) tea.Cmd {
	m.step = stepCode
	m.code.SetValue("")
	switch {
	case errors.Is(msg.err, devices.ErrMalformedCode):
		m.note, m.bad = tui.Safe(msg.err.Error()), true
		return nil
	case msg.err != nil:
		m.note, m.bad = tui.Safe(msg.err.Error()), true
		return nil
	case !msg.r.Accepted():
		m.note, m.bad = "That code is not right. Check the device's clock (or, for HOTP, press once) and type the new code.", true
		return nil
	}
	d := msg.r.Device
	m.forget()
	return tui.Changed(m, "confirmed: %s now has %s %s (device %d)",
		tui.Safe(m.user), tui.Safe(d.KindLabel()), tui.Quoted(d.Name), d.ID)
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
