package tui

import (
	"slices"
	"strings"
)

// List is a screen's list of rows of type R: filtered as the user types,
// optionally sorted and narrowed to a view, with a cursor that stays on
// the same row (by key) across reloads, sorting and filtering. It keeps
// the rows once and works on indices into them, and the lowercase text the
// filter searches is computed once per row when the rows arrive, so a
// keystroke in the filter over 100,000 rows is a pass of strings.Contains
// (only over the rows still shown when the filter grows).
//
// The screen gives the rows and how to draw one; the list handles the
// movement keys, the filter field and what is on screen (list_keys.go,
// list_view.go).
type List[R any] struct {
	c    *Common
	opts ListOptions[R]

	rows   []R
	lower  []string // the filter's index: opts.Text of each row, lowercased
	order  []int32  // rows in sort order
	shown  []int32  // order narrowed to the view and the filter
	inView int      // rows in the view, before the filter
	total  int      // a total known before all rows are in, or 0

	include func(R) bool // the view: which rows belong, nil for all
	cmp     func(a, b *R) int

	query  string // the applied filter, lowercased and trimmed
	typed  string // the applied filter as typed, trimmed (a remote filter)
	want   string // a key to select once a row with it arrives
	cursor ListCursor
	height int

	filter    *Input
	filtering bool
	keys      ListKeyMap
}

// ListOptions describe a list's rows.
type ListOptions[R any] struct {
	// Key names a row stably across reloads (a user name, a serial, an
	// entry id): the selection follows it.
	Key func(R) string
	// Text is what the filter searches in a row; it is lowercased once.
	// Nil with Remote: the screen filters (the store searches); nil
	// without: the list has no filter (/ is not the list's).
	Text func(R) string
	// Remote: the filter field does not narrow the rows here; the screen
	// reads Query and loads the rows that match.
	Remote bool
	// Placeholder is the filter field's hint.
	Placeholder string
}

// NewList returns an empty list.
func NewList[R any](c *Common, opts ListOptions[R]) *List[R] {
	return &List[R]{c: c, opts: opts, filter: NewInput(c, "/ ", opts.Placeholder), height: 1, keys: DefaultListKeyMap()}
}

// SetRows replaces the rows. The selected row stays selected when it is
// still there (or the row Select asked for, once it arrives).
func (l *List[R]) SetRows(rows []R) {
	keep := l.keepKey()
	l.rows, l.total = rows, 0
	if l.opts.Text != nil && !l.opts.Remote {
		l.lower = make([]string, len(rows))
		for i := range rows {
			l.lower[i] = strings.ToLower(l.opts.Text(rows[i]))
		}
	}
	l.resort(keep)
}

// SetTotal says how many rows there are when only the first of them are
// in (the rest are on their way); SetRows forgets it.
func (l *List[R]) SetTotal(n int) { l.total = n }

// SetSort orders the rows by cmp (stable: equal rows keep the order they
// came in); nil restores that order.
func (l *List[R]) SetSort(cmp func(a, b *R) int) {
	l.cmp = cmp
	l.resort(l.keepKey())
}

// SetView narrows the list to the rows include accepts; nil shows all.
func (l *List[R]) SetView(include func(R) bool) {
	l.include = include
	l.refilter(l.keepKey())
}

// Select puts the cursor on the row with key k, now if it is shown, or
// when rows with it arrive (a row just added, an item found elsewhere).
func (l *List[R]) Select(k string) {
	cur := l.keepKey()
	l.want = k
	l.selectKey(cur)
}

// Selected returns the row under the cursor.
func (l *List[R]) Selected() (R, bool) {
	if l.cursor.Index < 0 || l.cursor.Index >= len(l.shown) {
		var zero R
		return zero, false
	}
	return l.rows[l.shown[l.cursor.Index]], true
}

// SelectedKey is the key of the row under the cursor, or "".
func (l *List[R]) SelectedKey() string {
	if r, ok := l.Selected(); ok {
		return l.opts.Key(r)
	}
	return ""
}

// Rows returns every row, in the order they came.
func (l *List[R]) Rows() []R { return l.rows }

// Len is how many rows are shown (the view and the filter let through).
func (l *List[R]) Len() int { return len(l.shown) }

// InView is how many rows the view holds before the filter.
func (l *List[R]) InView() int { return l.inView }

// Total is how many rows there are in the view, or the total given by
// SetTotal while the rest are on their way.
func (l *List[R]) Total() int { return max(l.total, l.inView) }

// Query is the applied filter: lowercased for a local list, as typed
// (trimmed) for a remote one.
func (l *List[R]) Query() string {
	if l.opts.Remote {
		return l.typed
	}
	return l.query
}

// SetHeight is how many rows fit on screen.
func (l *List[R]) SetHeight(h int) {
	l.height = max(1, h)
	l.cursor.Clamp(len(l.shown), l.height)
}

// SetFilterWidth is the width of the filter field.
func (l *List[R]) SetFilterWidth(w int) { l.filter.SetWidth(max(10, w)) }

// keepKey is the row to keep selected: the one under the cursor (a row
// asked for by Select comes first, in selectKey).
func (l *List[R]) keepKey() string { return l.SelectedKey() }

// resort rebuilds the order, then the shown rows.
func (l *List[R]) resort(keep string) {
	l.order = l.order[:0]
	for i := range l.rows {
		l.order = append(l.order, int32(i))
	}
	if l.cmp != nil {
		slices.SortStableFunc(l.order, func(a, b int32) int { return l.cmp(&l.rows[a], &l.rows[b]) })
	}
	l.refilter(keep)
}

// refilter rebuilds the shown rows from the order.
func (l *List[R]) refilter(keep string) {
	l.shown = l.shown[:0]
	l.inView = 0
	for _, i := range l.order {
		if l.include != nil && !l.include(l.rows[i]) {
			continue
		}
		l.inView++
		if l.matches(i, l.query) {
			l.shown = append(l.shown, i)
		}
	}
	l.selectKey(keep)
}

func (l *List[R]) matches(i int32, q string) bool {
	return q == "" || l.opts.Remote || strings.Contains(l.lower[i], q)
}

// applyFilter narrows the list to rows containing q. When q extends the
// previous filter only the rows still shown are searched again.
func (l *List[R]) applyFilter(typed string) {
	typed = strings.TrimSpace(typed)
	q := strings.ToLower(typed)
	if typed == l.typed {
		return
	}
	keep := l.keepKey()
	grows := l.query != "" && strings.Contains(q, l.query)
	l.typed, l.query = typed, q
	l.cursor = ListCursor{}
	if l.opts.Remote {
		l.selectKey(keep)
		return
	}
	if !grows {
		l.refilter(keep)
		return
	}
	kept := l.shown[:0]
	for _, i := range l.shown {
		if strings.Contains(l.lower[i], q) {
			kept = append(kept, i)
		}
	}
	l.shown = kept
	l.selectKey(keep)
}

// selectKey moves the cursor to the row Select asked for when it is
// shown (and forgets the wish), else to the row with key k, in the middle
// of the screen.
func (l *List[R]) selectKey(k string) {
	if l.want != "" && l.moveTo(l.want) {
		l.want = ""
	} else if k != "" {
		l.moveTo(k)
	}
	l.cursor.Clamp(len(l.shown), l.height)
}

func (l *List[R]) moveTo(k string) bool {
	for pos, i := range l.shown {
		if l.opts.Key(l.rows[i]) == k {
			l.cursor.Index = pos
			l.cursor.Offset = pos - l.height/2
			return true
		}
	}
	return false
}
