package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
)

// FirstCode is the step that enrolling an app and burning a token share:
// the field the first code is typed in, its check through the service, and
// the verdict in words. The device or token is recorded only once its
// first code is accepted.
type FirstCode struct {
	Input *Input
	Check *Loader[service.VerifyResult]
	empty string // asks for a code when enter is pressed with none typed
	wrong string // what to do after a wrong code
}

// NewFirstCode returns the step for a thing ("device", "token") whose
// code field shows placeholder; wrong is what to do after a wrong code.
func NewFirstCode(c *Common, thing, placeholder, wrong string) *FirstCode {
	in := NewInput(c, "Code: ", placeholder)
	in.CharLimit = 12
	in.SetWidth(30)
	return &FirstCode{Input: in, Check: NewLoader[service.VerifyResult](),
		empty: "Type the code the " + thing + " shows, then press enter.", wrong: wrong}
}

// Ask empties the field and puts the cursor in it.
func (f *FirstCode) Ask() tea.Cmd {
	f.Input.SetValue("")
	return f.Input.Focus()
}

// Submit starts check on the code typed; with no code typed it starts
// nothing and returns what to tell the user instead.
func (f *FirstCode) Submit(check func(code string) (service.VerifyResult, error)) (cmd tea.Cmd, note string) {
	code := strings.TrimSpace(f.Input.Value())
	if code == "" {
		return nil, f.empty
	}
	return f.Check.Load(func() (service.VerifyResult, error) { return check(code) }), ""
}

// Verdict empties the field after a check and returns what went wrong,
// in words safe to draw, or "" when the code was accepted.
func (f *FirstCode) Verdict(r service.VerifyResult, err error) string {
	f.Input.SetValue("")
	switch {
	case err != nil:
		return Safe(err.Error())
	case !r.Accepted():
		return f.wrong
	}
	return ""
}
