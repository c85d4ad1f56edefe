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
	keep := mark{row: -1, key: l.SelectedKey()} // row numbers change: go by key
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
	l.resort(l.current())
}

// SetView narrows the list to the rows include accepts; nil shows all.
func (l *List[R]) SetView(include func(R) bool) {
	l.include = include
	l.refilter(l.current())
}

// Select puts the cursor on the row with key k, now if it is shown, or
// when rows with it arrive (a row just added, an item found elsewhere).
func (l *List[R]) Select(k string) {
	cur := l.current()
	l.want = k
	l.reselect(cur)
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

// mark is the row to put the cursor back on: by its number while the
// rows stay the same (filtering, sorting: a fast comparison of integers
// over 100,000 rows), by its key when new rows arrive.
type mark struct {
	row int32 // -1: go by key
	key string
}

// current marks the row under the cursor.
func (l *List[R]) current() mark {
	if l.cursor.Index < 0 || l.cursor.Index >= len(l.shown) {
		return mark{row: -1}
	}
	return mark{row: l.shown[l.cursor.Index]}
}

// resort rebuilds the order, then the shown rows.
func (l *List[R]) resort(keep mark) {
	l.order = slices.Grow(l.order[:0], len(l.rows))
	for i := range l.rows {
		l.order = append(l.order, int32(i))
	}
	if l.cmp != nil {
		slices.SortStableFunc(l.order, func(a, b int32) int { return l.cmp(&l.rows[a], &l.rows[b]) })
	}
	l.refilter(keep)
}

// refilter rebuilds the shown rows from the order.
func (l *List[R]) refilter(keep mark) {
	q := l.query
	if l.opts.Remote {
		q = ""
	}
	switch {
	case l.include == nil && q == "": // everything: a copy into the buffer
		l.shown = append(l.shown[:0], l.order...)
		l.inView = len(l.order)
	case l.include == nil:
		l.shown = l.shown[:0]
		l.inView = len(l.order)
		for _, i := range l.order {
			if strings.Contains(l.lower[i], q) {
				l.shown = append(l.shown, i)
			}
		}
	default:
		l.shown = l.shown[:0]
		l.inView = 0
		for _, i := range l.order {
			if !l.include(l.rows[i]) {
				continue
			}
			l.inView++
			if q == "" || strings.Contains(l.lower[i], q) {
				l.shown = append(l.shown, i)
			}
		}
	}
	l.reselect(keep)
}

// applyFilter narrows the list to rows containing q. When q extends the
// previous filter only the rows still shown are searched again.
func (l *List[R]) applyFilter(typed string) {
	typed = strings.TrimSpace(typed)
	q := strings.ToLower(typed)
	if typed == l.typed {
		return
	}
	keep := l.current()
	grows := l.query != "" && strings.Contains(q, l.query)
	l.typed, l.query = typed, q
	l.cursor = ListCursor{}
	if l.opts.Remote {
		l.reselect(keep)
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
	l.reselect(keep)
}

// reselect moves the cursor to the row Select asked for when it is
// shown (and forgets the wish), else to the marked row if it is shown, in
// the middle of the screen.
func (l *List[R]) reselect(keep mark) {
	switch {
	case l.want != "" && l.moveTo(l.want):
		l.want = ""
	case keep.row >= 0:
		if pos := slices.Index(l.shown, keep.row); pos >= 0 {
			l.center(pos)
		}
	case keep.key != "":
		l.moveTo(keep.key)
	}
	l.cursor.Clamp(len(l.shown), l.height)
}

func (l *List[R]) moveTo(k string) bool {
	for pos, i := range l.shown {
		if l.opts.Key(l.rows[i]) == k {
			l.center(pos)
			return true
		}
	}
	return false
}

func (l *List[R]) center(pos int) {
	l.cursor.Index = pos
	l.cursor.Offset = pos - l.height/2
}
