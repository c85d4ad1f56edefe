package tui

import (
	"fmt"
	"strings"
)

// View draws the rows on screen, one a line, through render; only those
// rows are ever drawn, which keeps a frame of a long list cheap.
func (l *List[R]) View(render func(r R, selected bool) string) string {
	var b strings.Builder
	l.ViewInto(&b, render)
	return b.String()
}

// ViewInto is View written into the screen's own builder, saving a copy
// of the rows on every frame.
func (l *List[R]) ViewInto(b *strings.Builder, render func(r R, selected bool) string) {
	end := l.cursor.End(len(l.shown), l.height)
	for pos := l.cursor.Offset; pos < end; pos++ {
		if pos > l.cursor.Offset {
			b.WriteByte('\n')
		}
		b.WriteString(render(l.rows[l.shown[pos]], pos == l.cursor.Index))
	}
}

// ViewFilled is View padded with empty lines to the list's height, for
// screens that draw something below the list.
func (l *List[R]) ViewFilled(render func(r R, selected bool) string) string {
	drawn := l.cursor.End(len(l.shown), l.height) - l.cursor.Offset
	return l.View(render) + strings.Repeat("\n", max(0, l.height-drawn))
}

// FilterView draws the filter field.
func (l *List[R]) FilterView() string { return l.filter.View() }

// Range says which rows are on screen: " · 1–21", or "" for none.
func (l *List[R]) Range() string {
	n := len(l.shown)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" · %s–%s", Thousands(l.cursor.Offset+1), Thousands(l.cursor.End(n, l.height)))
}

// Matches says how many rows the filter lets through: "12 of 3,000 match".
func (l *List[R]) Matches() string {
	return fmt.Sprintf("%s of %s match", Thousands(len(l.shown)), Thousands(l.Total()))
}

// Count is the list's count line: how many rows match the filter (or how
// many there are, in words: "3,000 users"), and which are on screen.
func (l *List[R]) Count(one, many string) string {
	if l.query != "" || l.typed != "" {
		return l.Matches() + l.Range()
	}
	n := l.Total()
	noun := many
	if n == 1 {
		noun = one
	}
	return Thousands(n) + " " + noun + l.Range()
}

// NoMatch says that nothing matches the filter and how to clear it.
func (l *List[R]) NoMatch(noun string) string {
	s := l.c.Styles
	return " " + s.Muted.Render("No "+noun+" matches "+Quoted(l.query)+".") + " " + s.Text.Render("Press esc to clear the filter.")
}
