package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ListCursor is the selection in a list of N rows of which Height are
// shown: the selected index and the first row on screen. Screens render
// only rows [Offset, Offset+Height), which is what keeps a list of
// 100,000 users fast.
type ListCursor struct {
	Index, Offset int
}

// Clamp keeps the cursor inside n rows and on screen.
func (c *ListCursor) Clamp(n, height int) {
	height = max(1, height)
	c.Index = max(0, min(c.Index, n-1))
	if c.Index < c.Offset {
		c.Offset = c.Index
	}
	if c.Index >= c.Offset+height {
		c.Offset = c.Index - height + 1
	}
	c.Offset = max(0, min(c.Offset, n-height))
}

// Move handles the navigation keys; it reports whether msg was one.
func (c *ListCursor) Move(msg tea.KeyPressMsg, k GlobalKeyMap, n, height int) bool {
	switch {
	case key.Matches(msg, k.Up):
		c.Index--
	case key.Matches(msg, k.Down):
		c.Index++
	case key.Matches(msg, k.PageUp):
		c.Index -= max(1, height-1)
		c.Offset -= max(1, height-1)
	case key.Matches(msg, k.PageDown):
		c.Index += max(1, height-1)
		c.Offset += max(1, height-1)
	case key.Matches(msg, k.Top):
		c.Index = 0
	case key.Matches(msg, k.Bottom):
		c.Index = n - 1
	default:
		return false
	}
	c.Clamp(n, height)
	return true
}

// End is one past the last row on screen.
func (c ListCursor) End(n, height int) int { return min(n, c.Offset+max(0, height)) }
