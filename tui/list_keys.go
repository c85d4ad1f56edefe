package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ListKeyMap is the filter field's keys; the movement keys and / are the
// global ones.
type ListKeyMap struct {
	Apply key.Binding // leave the filter, keeping it
	Clear key.Binding // leave the filter, dropping it
}

// DefaultListKeyMap returns the filter field's keys.
func DefaultListKeyMap() ListKeyMap {
	return ListKeyMap{
		Apply: key.NewBinding(key.WithKeys("enter", "down", "up"), key.WithHelp("enter", "keep filter")),
		Clear: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// Filtering is true while the filter field has the keys.
func (l *List[R]) Filtering() bool { return l.filtering }

// Update handles what belongs to the list: the movement keys, / and esc
// (which clears an applied filter), and, while filtering, every key and
// paste. ok is false for anything else, which the screen then handles.
func (l *List[R]) Update(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if !l.filtering {
			return nil, false
		}
		cmd = l.filter.Update(msg)
		l.applyFilter(l.filter.Value())
		return cmd, true
	case tea.KeyPressMsg:
		if l.filtering {
			return l.filterKey(msg), true
		}
		return l.normalKey(msg)
	}
	return nil, false
}

func (l *List[R]) normalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := l.c.Keys
	switch {
	case l.cursor.Move(msg, k, len(l.shown), l.height):
		l.want = "" // the user chose another row
		return nil, true
	case key.Matches(msg, k.Filter) && (l.opts.Text != nil || l.opts.Remote):
		l.filtering = true
		l.filter.CursorEnd()
		return l.filter.Focus(), true
	case key.Matches(msg, k.Back) && l.typed != "":
		l.ClearFilter()
		return nil, true
	}
	return nil, false
}

func (l *List[R]) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	k := l.Keys()
	switch {
	case key.Matches(msg, k.Clear):
		l.ClearFilter()
		return nil
	case key.Matches(msg, k.Apply):
		l.filtering = false
		l.filter.Blur()
		return nil
	}
	cmd := l.filter.Update(msg)
	l.applyFilter(l.filter.Value())
	return cmd
}

// ClearFilter drops the filter and leaves the field.
func (l *List[R]) ClearFilter() {
	l.filtering = false
	l.filter.Reset()
	l.applyFilter("")
}

// Keys returns the filter field's keys, for the screen's help.
func (l *List[R]) Keys() ListKeyMap { return l.keys }

// FilterHelp is the short help while filtering.
func (l *List[R]) FilterHelp() []key.Binding {
	k := l.Keys()
	return []key.Binding{k.Apply, k.Clear}
}
