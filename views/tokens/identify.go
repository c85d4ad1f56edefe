package tokens

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

// identify finds the token in hand among every token in service from two
// (or three) codes it shows one after the other.
type identify struct {
	codes  [3]*tui.Input
	focus  int
	found  map[string]bool // serials the last search matched
	search *tui.Loader[identified]
}

// identified is what a search found, and from how many codes.
type identified struct {
	codes int
	found []service.Identified
}

func newIdentify(c *tui.Common) identify {
	id := identify{search: tui.NewLoader[identified]()}
	for i := range id.codes {
		in := tui.NewInput(c, fmt.Sprintf("Code %d: ", i+1), "000000")
		in.CharLimit = 10
		in.SetWidth(8)
		id.codes[i] = in
	}
	return id
}

func (m *Model) startIdentify() tea.Cmd {
	m.mode, m.ident.focus, m.ident.found = modeIdentify, 0, nil
	for _, in := range m.ident.codes {
		in.SetValue("")
	}
	return m.focusCode()
}

func (m *Model) focusCode() tea.Cmd {
	id := &m.ident
	for i, in := range id.codes {
		if i != id.focus {
			in.Blur()
		}
	}
	return id.codes[id.focus].Focus()
}

func (m *Model) identifyKey(msg tea.Msg) tea.Cmd {
	id, k := &m.ident, m.keys
	if p, ok := msg.(tea.PasteMsg); ok {
		if m.mode == modeSearching {
			return nil
		}
		// "123456 654321": several codes at once fill the fields in turn.
		if f := strings.Fields(p.Content); len(f) > 1 {
			for i := 0; i < len(f) && id.focus+i < len(id.codes); i++ {
				id.codes[id.focus+i].SetValue(f[i])
			}
			return nil
		}
		return id.codes[id.focus].Update(msg)
	}
	kp, _ := msg.(tea.KeyPressMsg)
	if m.mode == modeSearching {
		if key.Matches(kp, k.Cancel) {
			id.search.Cancel() // the search finishes unheard
			m.mode = modeIdentify
			return tea.Batch(m.focusCode(), tui.Status(tui.Info, "identify stopped"))
		}
		return nil
	}
	switch {
	case key.Matches(kp, k.Cancel):
		m.mode = modeNormal
		id.codes[id.focus].Blur()
		return nil
	case key.Matches(kp, k.Next):
		d := 1
		if kp.String() == "shift+tab" {
			d = len(id.codes) - 1
		}
		id.focus = (id.focus + d) % len(id.codes)
		return m.focusCode()
	case key.Matches(kp, k.Search):
		return m.search()
	}
	if t := kp.Text; t != "" && (t[0] < '0' || t[0] > '9') {
		return nil // codes are digits
	}
	return id.codes[id.focus].Update(msg)
}

// search identifies the token in hand among every token in service.
func (m *Model) search() tea.Cmd {
	id := &m.ident
	var codes []string
	for _, in := range id.codes {
		if v := strings.TrimSpace(in.Value()); v != "" {
			codes = append(codes, v)
		}
	}
	if len(codes) < 2 || strings.TrimSpace(id.codes[1].Value()) == "" {
		if id.focus == 0 && strings.TrimSpace(id.codes[0].Value()) != "" {
			id.focus = 1
			return m.focusCode()
		}
		return tui.Status(tui.Error, "type two codes the token shows one after the other (press its button, wait for the next)")
	}
	m.mode = modeSearching
	c := m.c
	return id.search.Load(func() (identified, error) {
		found, err := c.Svc.Identify(c.Ctx, codes, true)
		return identified{codes: len(codes), found: found}, err
	})
}

// identifyResult takes the outcome of a search; ok is false for any other
// message.
func (m *Model) identifyResult(msg tea.Msg) (tea.Cmd, bool) {
	r, ok := m.ident.search.Accept(msg)
	if !ok || m.mode != modeSearching {
		return nil, ok
	}
	id := &m.ident
	m.mode = modeIdentify
	if r.Err != nil {
		return tea.Batch(m.focusCode(), tui.Fail(r.Err)), true
	}
	found := r.Value.found
	switch len(found) {
	case 0:
		id.found = nil
		return tea.Batch(m.focusCode(), tui.Status(tui.Error, "no token in service shows these codes within ±%d steps of its drift: are they consecutive, from one token?", service.IdentifyWindow)), true
	case 1:
		f := found[0]
		id.found = map[string]bool{f.Token.Serial: true}
		m.mode = modeNormal
		id.codes[id.focus].Blur()
		owner := "unassigned"
		if f.Token.User != "" {
			owner = "assigned to " + tui.Safe(f.Token.User)
		}
		text := fmt.Sprintf("token in hand: %s (%s, %s), %s", tui.Safe(f.Token.Serial), tui.Safe(f.Token.KindLabel()), owner, driftText(f))
		return tea.Batch(m.reveal(f.Token.Serial, f.Token.User != ""), tui.Status(tui.OK, "%s", text)), true
	}
	id.found = map[string]bool{}
	serials := make([]string, len(found))
	anyAssigned := false
	for i, f := range found {
		id.found[f.Token.Serial] = true
		serials[i] = tui.Safe(f.Token.Serial)
		anyAssigned = anyAssigned || f.Token.User != ""
	}
	text := fmt.Sprintf("%d tokens show these codes (◆): %s", len(serials), strings.Join(serials, ", "))
	if n := r.Value.codes; n < len(id.codes) {
		id.focus = n
		text += fmt.Sprintf("; type the next code as code %d to tell them apart", n+1)
	}
	return tea.Batch(m.reveal(found[0].Token.Serial, anyAssigned), m.focusCode(), tui.Status(tui.Info, "%s", text)), true
}

func driftText(f service.Identified) string {
	if f.Token.Kind == devices.HOTP {
		return fmt.Sprintf("counter %+d", f.Match.Drift)
	}
	return "clock " + devices.DriftSteps(f.Match.Drift, f.Token.Step)
}

// reveal selects serial, widening the view (all tokens, no filter) when
// it is hidden, and reloading when the list does not know it yet (the
// list selects it when it arrives).
func (m *Model) reveal(serial string, assigned bool) tea.Cmd {
	if assigned && m.show == ShowStock {
		m.show = ShowAll
		m.list.SetView(m.inView)
	}
	m.list.Select(serial)
	if m.list.SelectedKey() != serial && m.list.Query() != "" {
		m.list.ClearFilter()
	}
	if m.list.SelectedKey() != serial {
		return m.reload()
	}
	return nil
}
