package burn

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// options are what a burn writes, chosen before the token is fetched:
// the device name (a user's token only; a batch names each by its
// serial), the hash and the time step. The defaults are the command
// line's: "token", SHA-1, 30 s.
type options struct {
	name   *tui.Input // nil for a batch
	sha256 bool
	step60 bool
	focus  int // 0 name, 1 hash, 2 step (a batch starts at 1)
}

func newOptions(c *tui.Common, forUser bool) *options {
	o := &options{focus: 1}
	if forUser {
		o.name = tui.NewInput(c, "Name: ", "token")
		o.name.CharLimit = 64
		o.name.SetWidth(30)
		o.focus = 0
	}
	return o
}

// focusCmd gives the name field the cursor when it has the focus.
func (o *options) focusCmd() tea.Cmd {
	if o.name == nil {
		return nil
	}
	if o.focus == 0 {
		return o.name.Focus()
	}
	o.name.Blur()
	return nil
}

func (o *options) move(d int) tea.Cmd {
	first := 1
	if o.name != nil {
		first = 0
	}
	o.focus = min(2, max(first, o.focus+d))
	return o.focusCmd()
}

// typing is true while the name field takes text.
func (o *options) typing() bool { return o.name != nil && o.focus == 0 }

func (o *options) toggle() {
	switch o.focus {
	case 1:
		o.sha256 = !o.sha256
	case 2:
		o.step60 = !o.step60
	}
}

func (o *options) update(msg tea.Msg) tea.Cmd {
	if !o.typing() {
		return nil
	}
	return o.name.Update(msg)
}

func (o *options) burnOptions() service.BurnOptions {
	opt := service.BurnOptions{SHA256: o.sha256, Step: 30 * time.Second}
	if o.step60 {
		opt.Step = 60 * time.Second
	}
	if o.name != nil {
		opt.Name = strings.TrimSpace(o.name.Value())
	}
	return opt
}

// summary is the options in one line: "SHA-1 · 30 s".
func (o *options) summary() string {
	opt := o.burnOptions()
	hash := "SHA-1"
	if opt.SHA256 {
		hash = "SHA-256"
	}
	return fmt.Sprintf("%s · %d s", hash, int(opt.Step/time.Second))
}

func (o *options) view(c *tui.Common) string {
	s := c.Styles
	choice := func(i int, label, a, b string, second bool) string {
		marker := "  "
		if o.focus == i {
			marker = s.Key.Render("› ")
		}
		left, right := "● "+a, "○ "+b
		if second {
			left, right = "○ "+a, "● "+b
		}
		return marker + s.Text.Render(fmt.Sprintf("%-6s", label)) + "  " + left + "   " + right
	}
	var lines []string
	if o.name != nil {
		marker := "  "
		if o.focus == 0 {
			marker = s.Key.Render("› ")
		}
		lines = append(lines, marker+o.name.View())
	}
	lines = append(lines,
		choice(1, "Hash", "SHA-1", "SHA-256", o.sha256),
		choice(2, "Step", "30 s", "60 s", o.step60))
	return strings.Join(lines, "\n")
}
