package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

type row struct{ name, team string }

func kitCommon() *tui.Common {
	th := themes.Choice{Name: themes.Dark, IsDark: true}
	return &tui.Common{Ctx: context.Background(), Theme: th, Styles: th.Styles(), Keys: tui.DefaultGlobalKeyMap()}
}

func newRowList(rows ...row) *tui.List[row] {
	l := tui.NewList(kitCommon(), tui.ListOptions[row]{
		Key:  func(r row) string { return r.name },
		Text: func(r row) string { return r.name + "\x00" + r.team },
	})
	l.SetHeight(3)
	l.SetRows(rows)
	return l
}

func press(l *tui.List[row], keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "down", "up", "enter", "esc", "pgdown", "pgup", "backspace":
			msg = tea.KeyPressMsg{Code: map[string]rune{"down": tea.KeyDown, "up": tea.KeyUp, "enter": tea.KeyEnter,
				"esc": tea.KeyEscape, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace}[k]}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		l.Update(msg)
	}
}

func selected(l *tui.List[row]) string {
	r, _ := l.Selected()
	return r.name
}

var team = []row{{"alice", "ops"}, {"bob", "dev"}, {"carol", "ops"}, {"dave", "dev"}, {"erin", "sec"}}

func TestListFilterKeepsSelectionByKey(t *testing.T) {
	l := newRowList(team...)
	press(l, "down", "down") // carol
	press(l, "/", "o", "p", "s")
	if l.Len() != 2 || selected(l) != "carol" {
		t.Fatalf("filter ops: %d shown, %q selected", l.Len(), selected(l))
	}
	if got := l.Count("row", "rows"); got != "2 of 5 match · 1–2" {
		t.Errorf("count line %q", got)
	}
	press(l, "backspace", "backspace", "backspace", "x") // "x": nothing
	if l.Len() != 0 || l.NoMatch("row") == "" {
		t.Fatalf("filter x: %d shown", l.Len())
	}
	press(l, "esc")
	if l.Filtering() || l.Len() != 5 || l.Query() != "" {
		t.Fatalf("esc: filtering %v, %d shown, query %q", l.Filtering(), l.Len(), l.Query())
	}
}

func TestListNarrowsIncrementallyAndWidensAgain(t *testing.T) {
	l := newRowList(team...)
	want := map[string]int{"d": 2, "de": 2, "dev": 2, "deve": 0} // bob and dave, by team
	press(l, "/")
	typed := ""
	for _, c := range []string{"d", "e", "v", "e"} {
		press(l, c)
		typed += c
		if l.Len() != want[typed] {
			t.Errorf("filter %q: %d shown, want %d", typed, l.Len(), want[typed])
		}
	}
	press(l, "backspace", "backspace")
	if l.Len() != want["de"] {
		t.Errorf("erasing back to de: %d shown", l.Len())
	}
}

func TestListKeepsSelectionAcrossReloadAndSort(t *testing.T) {
	l := newRowList(team...)
	press(l, "down", "down", "down") // dave
	l.SetRows(append([]row{{"aaron", "ops"}}, team...))
	if selected(l) != "dave" {
		t.Fatalf("after reload with a row before it: %q", selected(l))
	}
	l.SetSort(func(a, b *row) int { return strings.Compare(b.name, a.name) })
	if selected(l) != "dave" {
		t.Fatalf("after sorting: %q", selected(l))
	}
	l.SetView(func(r row) bool { return r.team != "dev" })
	if selected(l) == "dave" || l.Len() != 4 || l.InView() != 4 {
		t.Fatalf("dev hidden: %q selected, %d shown", selected(l), l.Len())
	}
}

// A row asked for before it exists (a user just added) is selected when
// the reload that brings it arrives, even if the cursor moved no more.
func TestListSelectWaitsForTheRow(t *testing.T) {
	l := newRowList(team...)
	l.Select("zoe")
	if selected(l) != "alice" {
		t.Fatalf("zoe is not there yet: %q", selected(l))
	}
	l.SetRows(append(team[:len(team):len(team)], row{"zoe", "ops"}))
	if selected(l) != "zoe" {
		t.Fatalf("after the reload: %q", selected(l))
	}
	press(l, "up") // erin; the wish is spent
	l.SetRows(append([]row{{"adam", "x"}}, l.Rows()...))
	if selected(l) != "erin" {
		t.Fatalf("after another reload: %q", selected(l))
	}
}

func TestListDrawsOnlyTheRowsOnScreen(t *testing.T) {
	var rows []row
	for i := range 100 {
		rows = append(rows, row{fmt.Sprintf("u%03d", i), "t"})
	}
	l := newRowList(rows...)
	drawn := 0
	render := func(r row, sel bool) string {
		drawn++
		if sel {
			return "> " + r.name
		}
		return "  " + r.name
	}
	press(l, "pgdown", "G")
	out := l.View(render)
	if drawn != 3 || !strings.HasSuffix(out, "> u099") {
		t.Fatalf("drew %d rows:\n%s", drawn, out)
	}
	if got := l.Count("user", "users"); got != "100 users · 98–100" {
		t.Errorf("count %q", got)
	}
	press(l, "g")
	if selected(l) != "u000" {
		t.Errorf("g: %q", selected(l))
	}
	l.SetHeight(5)
	if n := strings.Count(l.ViewFilled(render), "\n"); n != 4 {
		t.Errorf("filled view has %d line breaks", n)
	}
}

func TestListRemoteFilterDoesNotNarrow(t *testing.T) {
	l := tui.NewList(kitCommon(), tui.ListOptions[row]{Key: func(r row) string { return r.name }, Remote: true})
	l.SetHeight(10)
	l.SetRows(team)
	press(l, "/", "O", "p")
	if l.Len() != 5 || l.Query() != "Op" {
		t.Fatalf("remote: %d shown, query %q", l.Len(), l.Query())
	}
}
