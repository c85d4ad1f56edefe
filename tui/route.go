package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Screen names a kind of screen a Route can open.
type Screen string

// The screens and actions a route can name. The registry (views/registry)
// maps each to the package that builds it; screens only name them, so no
// screen imports another.
const (
	ScreenUsers       Screen = "users"        // the user list
	ScreenUser        Screen = "user"         // User's devices; Device selects one
	ScreenEnroll      Screen = "enroll"       // enroll a device for User
	ScreenBackupCodes Screen = "backup-codes" // generate User's backup codes
	ScreenAudit       Screen = "audit"        // the audit log, of User when set
	ScreenTokens      Screen = "tokens"       // the hardware token inventory
	ScreenTokenPicker Screen = "token-picker" // pick a token to give to User
	ScreenImport      Screen = "import"       // import a token seed file
	ScreenDrift       Screen = "drift"        // the drift report
	ScreenResync      Screen = "resync"       // resync User's Device
	ScreenDisable2FA  Screen = "disable-2fa"  // ask, then turn User's 2FA off
	ScreenRemoveUser  Screen = "remove-user"  // ask, then remove User
	ScreenBurn        Screen = "burn"         // program an NFC token for User, or for the inventory without
)

// Route names a screen and its arguments.
type Route struct {
	Screen Screen
	User   string
	// Device is a device id: the one to select on the user screen, the
	// one to resync.
	Device int64
}

func (r Route) String() string {
	s := string(r.Screen)
	if r.User != "" {
		s += " " + Quoted(r.User)
	}
	if r.Device != 0 {
		s += fmt.Sprintf(" device %d", r.Device)
	}
	return s
}

// NavigateMsg asks the root to open a route. With Replace the screen that
// asked is closed first (a finished enrollment gives way to its backup
// codes).
type NavigateMsg struct {
	Route   Route
	Replace bool
}

// Navigate returns a command that opens r on top of the screen that asks.
func Navigate(r Route) tea.Cmd { return func() tea.Msg { return NavigateMsg{Route: r} } }

// NavigateReplace returns a command that opens r in place of the screen
// that asks.
func NavigateReplace(r Route) tea.Cmd {
	return func() tea.Msg { return NavigateMsg{Route: r, Replace: true} }
}

// Opener builds what a route opens. Most return Push(a new screen); an
// action such as "disable 2FA" returns a command that loads what it needs
// and then asks (a Confirm).
type Opener func(c *Common, r Route) tea.Cmd

// Routes is the registry of openers, assembled once at start-up by the
// code that builds the console (views/registry) and kept in Common.
type Routes map[Screen]Opener

// open resolves r, or reports that no screen is registered for it (a
// programming error, shown rather than panicking on an admin's server).
func (rs Routes) open(c *Common, r Route) tea.Cmd {
	if o, ok := rs[r.Screen]; ok {
		return o(c, r)
	}
	return Status(Error, "the console has no screen for %s", r.Screen)
}
