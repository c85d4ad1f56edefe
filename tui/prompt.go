package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The prompt the root owns. A screen asks (a yes/no question in front of
// a destructive action, or one line of text) by returning Ask or AskLine;
// the root draws the prompt over the screen, takes the keys until it is
// answered, and gives the answer to the screen that asked: a yes runs
// OnYes as that screen's command, a line arrives as its AnswerMsg.

// Confirm is a yes/no question. Lines must already be safe to draw
// (built with Safe from store text).
type Confirm struct {
	Title    string   // the breadcrumb, e.g. "Disable 2FA"
	Question string   // "Disable two-factor authentication for alice?"
	Lines    []string // exactly what will be removed or changed
	Footer   string   // the consequence, e.g. "alice will sign in with a password alone."
	Yes      string   // what y does: "disable", "remove"
	OnYes    tea.Cmd  // run for the screen that asked
}

// Line asks for one line of text.
type Line struct {
	ID          string // tells the asker which question an answer is for
	Prompt      string // the message before the text, e.g. "New name: "
	Value       string // the text to start from
	Placeholder string
	CharLimit   int
	// Check refuses an answer, keeping the prompt open with the error.
	Check func(string) error
}

// AnswerMsg is the line typed for Line ID, delivered to the screen that
// asked. Esc cancels the prompt with no answer.
type AnswerMsg struct {
	ID    string
	Value string
}

// askMsg carries a Confirm or an Input to the root.
type askMsg struct {
	confirm *Confirm
	line    *Line
}

// Ask returns a command that asks c.
func Ask(c Confirm) tea.Cmd {
	return func() tea.Msg { return askMsg{confirm: &c} }
}

// AskLine returns a command that asks for a line.
func AskLine(l Line) tea.Cmd {
	return func() tea.Msg { return askMsg{line: &l} }
}

// prompt is an open question and who asked it.
type prompt struct {
	asker   int
	confirm *Confirm
	line    *Line
	field   *Input
	err     string
	keys    promptKeys
}

type promptKeys struct{ Yes, No, Enter, Cancel key.Binding }

func newPrompt(c *Common, asker int, a askMsg) *prompt {
	p := &prompt{asker: asker, confirm: a.confirm, line: a.line}
	yes := "yes"
	if a.confirm != nil && a.confirm.Yes != "" {
		yes = a.confirm.Yes
	}
	p.keys = promptKeys{
		Yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", yes)),
		No:     key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "keep everything")),
		Enter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
	if a.line != nil {
		p.field = NewInput(c, a.line.Prompt, a.line.Placeholder)
		p.field.CharLimit = a.line.CharLimit
		p.field.SetWidth(max(10, c.Width-ansi.StringWidth(a.line.Prompt)-2))
		p.field.SetValue(a.line.Value)
		p.field.CursorEnd()
	}
	return p
}

// outcome is what a key did to the prompt.
type outcome int

const (
	pending outcome = iota
	answeredYes
	answeredNo
	answeredLine
	cancelled
)

func (p *prompt) update(msg tea.Msg) (outcome, tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if p.confirm != nil {
		switch {
		case !isKey:
		case key.Matches(k, p.keys.Yes):
			return answeredYes, nil
		case key.Matches(k, p.keys.No):
			return answeredNo, nil
		}
		return pending, nil
	}
	if isKey {
		switch {
		case key.Matches(k, p.keys.Cancel):
			return cancelled, nil
		case key.Matches(k, p.keys.Enter):
			if p.line.Check != nil {
				if err := p.line.Check(p.value()); err != nil {
					p.err = Safe(err.Error())
					return pending, nil
				}
			}
			return answeredLine, nil
		}
	}
	return pending, p.field.Update(msg)
}

func (p *prompt) value() string { return strings.TrimSpace(p.field.Value()) }

func (p *prompt) focus() tea.Cmd {
	if p.line == nil {
		return nil
	}
	return p.field.Focus()
}

func (p *prompt) shortHelp() []key.Binding {
	if p.confirm != nil {
		return []key.Binding{p.keys.Yes, p.keys.No}
	}
	return []key.Binding{p.keys.Enter, p.keys.Cancel}
}

// confirmBox draws a question in the danger box, naming exactly what will
// happen and that only y goes ahead.
func (p *prompt) confirmBox(c *Common, width int) string {
	s := c.Styles
	q := p.confirm
	boxW := min(width, 78)
	inner := max(20, boxW-4) // border and padding
	var lines []string
	add := func(style func(...string) string, text, first, rest string) {
		for i, l := range Wrap(text, inner-len([]rune(first))) {
			prefix := first
			if i > 0 {
				prefix = rest
			}
			lines = append(lines, prefix+style(l))
		}
	}
	add(s.Danger.Render, "! "+q.Question, "", "  ")
	lines = append(lines, "")
	for _, l := range q.Lines {
		add(s.Text.Render, l, "  • ", "    ")
	}
	if q.Footer != "" {
		lines = append(lines, "")
		add(s.Text.Render, q.Footer, "", "")
	}
	lines = append(lines, "",
		s.Key.Render("y")+s.Text.Render(" "+Truncate(p.keys.Yes.Help().Desc, inner-2)),
		s.Key.Render("n")+s.Text.Render(" or ")+s.Key.Render("esc")+s.Text.Render(" keep everything as it is"))
	return "\n" + s.DangerBox.Width(boxW).Render(strings.Join(lines, "\n"))
}

// inputLines draws the line being typed, and why the last answer was
// refused.
func (p *prompt) inputLines(c *Common) string {
	out := p.field.View()
	if p.err != "" {
		out = c.Styles.Danger.Render("✗ "+p.err) + "\n" + out
	}
	return out
}
