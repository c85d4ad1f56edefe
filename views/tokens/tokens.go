// Package tokens is the hardware-token inventory: the tokens imported from
// vendors' seed files, with serial, kind, model, manufacturer, hash, step
// and import date, filtered as you type. From here a token is given to a
// user, taken back, retired, or identified from two codes it shows, and
// seed files are imported (views/importer).
package tokens

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui"
)

type state int

const (
	stateLoading state = iota
	stateReady
	stateError // the first load failed
)

type mode int

const (
	modeNormal    mode = iota
	modeFilter         // typing a filter
	modeAssign         // typing the user to give the selected token to
	modeIdentify       // typing codes from a token in hand
	modeSearching      // the identify search runs
)

// Show selects which tokens in service the list holds.
type Show int

const (
	ShowStock Show = iota // unassigned tokens: the inventory proper
	ShowAll               // every token in service, with its owner
)

// maxSuggestions bounds the user names offered under the assign prompt.
const maxSuggestions = 50

// Model is the inventory screen.
type Model struct {
	c    *tui.Common
	keys KeyMap
	spin spinner.Model

	state state
	mode  mode
	err   error
	gen   int // of the token list
	idGen int // of identify searches

	// forUser, when set, makes the screen a picker: a (or enter) gives the
	// selected token to this user and closes the screen.
	forUser string

	// Every hardware token, retired ones included, by serial; their
	// lowercased serial, model, manufacturer and owner (what the filter
	// searches); and how many are in stock, assigned and retired.
	toks                     []*devices.Device
	lower                    []string
	stock, assigned, retired int

	show        Show
	showRetired bool
	visible     []int32 // toks in the current view, filtered
	query       string  // the applied filter, lowercased
	cursor      tui.ListCursor
	keep        string // the serial to keep selected across a reload

	filter       textinput.Model
	assign       textinput.Model
	assignSerial string   // the token the assign prompt is for
	pending      bool     // an assignment is on its way to the store
	names        []string // sorted user names, for suggestions; nil until loaded

	codes [3]textinput.Model
	focus int
	found map[string]bool // serials the last identify matched

	width, height int
}

// New returns the inventory screen.
func New(c *tui.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(c.Keys)}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.filter = newInput(c, "/ ", "serial, model, manufacturer or user")
	m.assign = newInput(c, "", "user name")
	m.assign.CharLimit = devices.MaxNameLen
	m.assign.ShowSuggestions = true
	for i := range m.codes {
		ti := newInput(c, fmt.Sprintf("Code %d: ", i+1), "000000")
		ti.CharLimit = 10
		ti.SetWidth(8)
		m.codes[i] = ti
	}
	return m
}

// NewPicker returns the inventory as a picker for user: a or enter gives
// them the selected token, active at once, and closes the screen.
func NewPicker(c *tui.Common, user string) *Model {
	m := New(c)
	m.forUser = user
	return m
}

func newInput(c *tui.Common, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.SetStyles(c.Styles.Input)
	return ti
}

func (m *Model) Title() string {
	if m.forUser != "" {
		return "Tokens for " + tui.Safe(m.forUser)
	}
	return "Tokens"
}

func (m *Model) Capturing() bool { return m.mode != modeNormal }

func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(10, w-50))
	m.assign.SetWidth(max(10, w-40))
	m.cursor.Clamp(len(m.visible), m.listHeight())
}

// listHeight is the number of rows on screen: the area less the info line
// and the column header.
func (m *Model) listHeight() int { return max(1, m.height-2) }

func (m *Model) Init() tea.Cmd { return tea.Batch(m.load(), m.spin.Tick) }

// load fetches every hardware token (no secrets).
func (m *Model) load() tea.Cmd {
	m.gen++
	gen, c := m.gen, m.c
	return func() tea.Msg {
		toks, err := c.Svc.Tokens(c.Ctx, db.TokenFilter{Retired: true})
		return loadedMsg{from: m, gen: gen, toks: toks, err: err}
	}
}

// reload fetches the list again, keeping what is shown until it arrives.
func (m *Model) reload() tea.Cmd {
	if m.state == stateError {
		m.state = stateLoading
	}
	if m.keep == "" {
		if d := m.Selected(); d != nil {
			m.keep = d.Serial
		}
	}
	return tea.Batch(m.load(), m.spin.Tick)
}

// loadNames fetches the user names offered under the assign prompt.
func (m *Model) loadNames() tea.Cmd {
	svc, ctx := m.c.Svc, m.c.Ctx
	return func() tea.Msg {
		us, err := svc.AllUsers(ctx)
		if err != nil {
			return namesMsg{from: m, err: err}
		}
		names := make([]string, len(us))
		for i := range us {
			names[i] = us[i].Name
		}
		slices.Sort(names)
		return namesMsg{from: m, names: names}
	}
}

func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.from != m || msg.gen != m.gen {
			return nil
		}
		if msg.err != nil {
			if m.state == stateLoading {
				m.state, m.err = stateError, msg.err
				return nil
			}
			return func() tea.Msg { return tui.ErrorStatus(fmt.Errorf("loading tokens: %w", msg.err)) }
		}
		m.state = stateReady
		m.setRows(msg.toks)
		return nil
	case namesMsg:
		if msg.from != m || msg.err != nil {
			return nil // no suggestions; the store still checks the name
		}
		m.names = msg.names
		m.suggest()
		return nil
	case assignFailedMsg:
		if msg.from != m {
			return nil
		}
		m.pending = false
		return func() tea.Msg { return tui.ErrorStatus(assignError(msg.serial, msg.err)) }
	case identifiedMsg:
		return m.identified(msg)
	case tui.ChangedMsg:
		if m.mode == modeAssign && m.pending {
			m.keep = m.assignSerial
			m.closePrompt()
		}
		return m.reload()
	case tea.BackgroundColorMsg:
		m.filter.SetStyles(m.c.Styles.Input)
		m.assign.SetStyles(m.c.Styles.Input)
		for i := range m.codes {
			m.codes[i].SetStyles(m.c.Styles.Input)
		}
		return nil
	case spinner.TickMsg:
		if m.state != stateLoading && m.mode != modeSearching && !m.pending {
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	case tea.PasteMsg:
		return m.paste(msg)
	case tea.KeyPressMsg:
		switch m.mode {
		case modeFilter:
			return m.filterKey(msg)
		case modeAssign:
			return m.assignKey(msg)
		case modeIdentify:
			return m.identifyKey(msg)
		case modeSearching:
			if key.Matches(msg, m.keys.Cancel) {
				m.idGen++ // the search finishes unheard
				m.mode = modeIdentify
				return tea.Batch(m.focusCode(), tui.Status(tui.Info, "identify stopped"))
			}
			return nil
		}
		return m.normalKey(msg)
	}
	return nil
}

func (m *Model) normalKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.cursor.Move(msg, k.GlobalKeyMap, len(m.visible), m.listHeight()) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.filter.SetValue(m.filter.Value())
		m.filter.CursorEnd()
		return m.filter.Focus()
	case key.Matches(msg, k.Back):
		if m.query != "" {
			m.filter.SetValue("")
			m.applyFilter("")
			return nil
		}
		return tui.Back(m)
	case key.Matches(msg, k.All):
		m.show = 1 - m.show
		m.refilter()
		if m.show == ShowAll {
			return tui.Status(tui.Info, "showing every token in service, with its owner")
		}
		return tui.Status(tui.Info, "showing the inventory: unassigned tokens only")
	case key.Matches(msg, k.Retired):
		m.showRetired = !m.showRetired
		m.refilter()
		if m.showRetired {
			return tui.Status(tui.Info, "showing retired tokens too")
		}
		return tui.Status(tui.Info, "retired tokens hidden")
	case key.Matches(msg, k.Reload):
		return m.reload()
	case key.Matches(msg, k.Import):
		return tui.Navigate(tui.Route{Screen: tui.ScreenImport})
	case key.Matches(msg, k.Identify):
		m.mode, m.focus, m.found = modeIdentify, 0, nil
		for i := range m.codes {
			m.codes[i].SetValue("")
		}
		return m.focusCode()
	}
	d := m.Selected()
	if d == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Assign), m.forUser != "" && key.Matches(msg, k.Open):
		if why := notAssignable(d); why != "" {
			return tui.Status(tui.Info, "%s", why)
		}
		if m.forUser != "" {
			return m.assignCmd(d.Serial, m.forUser, m)
		}
		m.mode, m.assignSerial, m.pending = modeAssign, d.Serial, false
		m.assign.Prompt = "Assign " + tui.Safe(d.Serial) + " to: "
		m.assign.SetValue("")
		m.suggest()
		return tea.Batch(m.assign.Focus(), m.loadNames())
	case key.Matches(msg, k.Unassign):
		if devices.TokenStateOf(d) != devices.TokenAssigned {
			return tui.Status(tui.Info, "token %s is not assigned to anyone", tui.Safe(d.Serial))
		}
		return tui.AskTurningOff(m.c, d.User, d.ID, service.ActionRemove, m.unassignQuestion(d))
	case key.Matches(msg, k.Retire):
		if devices.TokenStateOf(d) == devices.TokenRetired {
			return tui.Status(tui.Info, "token %s is retired already", tui.Safe(d.Serial))
		}
		if devices.TokenStateOf(d) == devices.TokenAssigned {
			return tui.AskTurningOff(m.c, d.User, d.ID, service.ActionRemove, m.retireQuestion(d))
		}
		return tui.Ask(m.retireQuestion(d)(false))
	case key.Matches(msg, k.Owner):
		if d.User == "" {
			return tui.Status(tui.Info, "token %s is not assigned to anyone", tui.Safe(d.Serial))
		}
		return tui.Navigate(tui.Route{Screen: tui.ScreenUser, User: d.User, Device: d.ID})
	}
	return nil
}

// notAssignable says why a token cannot be given to anyone, or "".
func notAssignable(d *devices.Device) string {
	switch devices.TokenStateOf(d) {
	case devices.TokenRetired:
		return fmt.Sprintf("token %s is retired and cannot be assigned", tui.Safe(d.Serial))
	case devices.TokenAssigned:
		return fmt.Sprintf("token %s belongs to %s; press u to take it back first", tui.Safe(d.Serial), tui.Safe(d.User))
	}
	return ""
}

// Line describes a token for a confirmation, safely.
func Line(d *devices.Device) string {
	what := tui.Safe(d.KindLabel()) + " serial " + tui.Safe(d.Serial)
	if maker := strings.TrimSpace(d.Manufacturer + " " + d.Model); maker != "" {
		what += " (" + tui.Safe(maker) + ")"
	}
	return what + fmt.Sprintf(", device %d", d.ID)
}

// offLine names what taking a token away costs its owner.
func offLine(owner string) string {
	return fmt.Sprintf("It is %s's only active app or token: two-factor authentication will be off for %s.", owner, owner)
}

func (m *Model) unassignQuestion(d *devices.Device) func(turnsOff bool) tui.Confirm {
	owner := tui.Safe(d.User)
	return func(turnsOff bool) tui.Confirm {
		footer := "It goes back to the inventory with its failures and last use cleared, ready for someone else. "
		if turnsOff {
			footer += offLine(owner) + " "
		}
		return tui.Confirm{
			Title:    "Unassign token",
			Question: fmt.Sprintf("Take token %s back from %s?", tui.Safe(d.Serial), owner),
			Lines:    []string{Line(d)},
			Footer:   footer + "The audit log keeps a record.",
			Yes:      "unassign " + tui.Safe(d.Serial),
			OnYes: m.changeCmd(fmt.Sprintf("token %s is back in the inventory (taken from %s)", tui.Safe(d.Serial), owner), func(svc tui.Service) error {
				return svc.UnassignToken(m.c.Ctx, d.Serial)
			}),
		}
	}
}

func (m *Model) retireQuestion(d *devices.Device) func(turnsOff bool) tui.Confirm {
	return func(turnsOff bool) tui.Confirm { return m.retireConfirm(d, turnsOff) }
}

func (m *Model) retireConfirm(d *devices.Device, turnsOff bool) tui.Confirm {
	lines := []string{Line(d)}
	assigned := devices.TokenStateOf(d) == devices.TokenAssigned
	if assigned {
		lines = append(lines, fmt.Sprintf("it is taken from %s", tui.Safe(d.User)))
	}
	if turnsOff {
		lines = append(lines, offLine(tui.Safe(d.User)))
	}
	done := "token " + tui.Safe(d.Serial) + " retired"
	if assigned {
		done += " (taken from " + tui.Safe(d.User) + ")"
	}
	return tui.Confirm{
		Title:    "Retire token",
		Question: fmt.Sprintf("Retire token %s for good?", tui.Safe(d.Serial)),
		Lines:    lines,
		Footer:   "A retired token (lost, broken, flat battery) is never offered for assignment again. The audit log keeps a record.",
		Yes:      "retire " + tui.Safe(d.Serial),
		OnYes: m.changeCmd(done, func(svc tui.Service) error {
			return svc.RetireToken(m.c.Ctx, d.Serial)
		}),
	}
}

// changeCmd runs a change to one token and reports done, already safe.
func (m *Model) changeCmd(done string, fn func(tui.Service) error) tea.Cmd {
	svc := m.c.Svc
	return func() tea.Msg {
		if err := fn(svc); err != nil {
			return tui.ErrorStatus(err)
		}
		return tui.ChangedMsg{Status: done}
	}
}

// assignCmd gives the token to user; close (when not nil) is the screen
// to close once it is done.
func (m *Model) assignCmd(serial, user string, close tui.View) tea.Cmd {
	m.keep = serial
	c := m.c
	return func() tea.Msg {
		if err := c.Svc.AssignToken(c.Ctx, serial, user); err != nil {
			return assignFailedMsg{from: m, serial: serial, err: err}
		}
		return tui.ChangedMsg{Status: fmt.Sprintf("token %s assigned to %s: active at once", tui.Safe(serial), tui.Safe(user)), Close: close}
	}
}

// assignError explains a refused assignment; an unknown user is the
// common case and gets its own advice.
func assignError(serial string, err error) error {
	var nf *db.NotFoundError
	if errors.As(err, &nf) && nf.What == "user" {
		return unknownUser(nf.Name)
	}
	return fmt.Errorf("token %s: %w", serial, err)
}

func unknownUser(name string) error {
	return fmt.Errorf("no user named %s: check the spelling, or add them on the users screen (esc, then a) and assign again", tui.Quoted(name))
}

func (m *Model) closePrompt() {
	m.mode, m.pending = modeNormal, false
	m.assign.Blur()
}

func (m *Model) assignKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.closePrompt()
		return nil
	case key.Matches(msg, m.keys.Submit):
		if m.pending {
			return nil
		}
		name := strings.TrimSpace(m.assign.Value())
		if name == "" {
			return tui.Status(tui.Error, "type the name of the user to give token %s to", tui.Safe(m.assignSerial))
		}
		if m.names != nil {
			if _, ok := slices.BinarySearch(m.names, name); !ok {
				return func() tea.Msg { return tui.ErrorStatus(unknownUser(name)) }
			}
		}
		m.pending = true
		return tea.Batch(m.assignCmd(m.assignSerial, name, nil), m.spin.Tick)
	}
	if m.pending {
		return nil
	}
	var cmd tea.Cmd
	m.assign, cmd = m.assign.Update(msg)
	m.suggest()
	return cmd
}

// suggest offers the user names that start with what is typed.
func (m *Model) suggest() {
	typed := m.assign.Value()
	if m.names == nil || typed == "" {
		m.assign.SetSuggestions(nil)
		return
	}
	i, _ := slices.BinarySearch(m.names, typed)
	j := i
	for j < len(m.names) && j-i < maxSuggestions && strings.HasPrefix(m.names[j], typed) {
		j++
	}
	m.assign.SetSuggestions(m.names[i:j])
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Clear):
		m.mode = modeNormal
		m.filter.Blur()
		m.filter.SetValue("")
		m.applyFilter("")
		return nil
	case key.Matches(msg, m.keys.Apply):
		m.mode = modeNormal
		m.filter.Blur()
		return nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	m.applyFilter(m.filter.Value())
	return cmd
}

func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case modeFilter:
		m.filter, cmd = m.filter.Update(msg)
		m.applyFilter(m.filter.Value())
	case modeAssign:
		if !m.pending {
			m.assign, cmd = m.assign.Update(msg)
			m.suggest()
		}
	case modeIdentify:
		// "123456 654321": several codes at once fill the fields in turn.
		f := strings.Fields(msg.Content)
		if len(f) > 1 {
			for i := 0; i < len(f) && m.focus+i < len(m.codes); i++ {
				m.codes[m.focus+i].SetValue(f[i])
			}
			return nil
		}
		m.codes[m.focus], cmd = m.codes[m.focus].Update(msg)
	}
	return cmd
}

func (m *Model) focusCode() tea.Cmd {
	for i := range m.codes {
		if i != m.focus {
			m.codes[i].Blur()
		}
	}
	return m.codes[m.focus].Focus()
}

func (m *Model) identifyKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Cancel):
		m.mode = modeNormal
		m.codes[m.focus].Blur()
		return nil
	case key.Matches(msg, k.Next):
		d := 1
		if msg.String() == "shift+tab" {
			d = len(m.codes) - 1
		}
		m.focus = (m.focus + d) % len(m.codes)
		return m.focusCode()
	case key.Matches(msg, k.Search):
		return m.search()
	}
	if t := msg.Text; t != "" && (t[0] < '0' || t[0] > '9') {
		return nil // codes are digits
	}
	var cmd tea.Cmd
	m.codes[m.focus], cmd = m.codes[m.focus].Update(msg)
	return cmd
}

// search identifies the token in hand among every token in service.
func (m *Model) search() tea.Cmd {
	var codes []string
	for i := range m.codes {
		if v := strings.TrimSpace(m.codes[i].Value()); v != "" {
			codes = append(codes, v)
		}
	}
	if len(codes) < 2 || strings.TrimSpace(m.codes[1].Value()) == "" {
		if m.focus == 0 && strings.TrimSpace(m.codes[0].Value()) != "" {
			m.focus = 1
			return m.focusCode()
		}
		return tui.Status(tui.Error, "type two codes the token shows one after the other (press its button, wait for the next)")
	}
	m.mode = modeSearching
	m.idGen++
	gen, c := m.idGen, m.c
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		found, err := c.Svc.Identify(c.Ctx, codes, true)
		return identifiedMsg{from: m, gen: gen, codes: len(codes), found: found, err: err}
	})
}

func (m *Model) identified(msg identifiedMsg) tea.Cmd {
	if msg.from != m || msg.gen != m.idGen || m.mode != modeSearching {
		return nil
	}
	m.mode = modeIdentify
	if msg.err != nil {
		return tea.Batch(m.focusCode(), func() tea.Msg { return tui.ErrorStatus(msg.err) })
	}
	switch len(msg.found) {
	case 0:
		m.found = nil
		return tea.Batch(m.focusCode(), tui.Status(tui.Error, "no token in service shows these codes within ±%d steps of its drift: are they consecutive, from one token?", service.IdentifyWindow))
	case 1:
		f := msg.found[0]
		m.found = map[string]bool{f.Token.Serial: true}
		m.mode = modeNormal
		m.codes[m.focus].Blur()
		owner := "unassigned"
		if f.Token.User != "" {
			owner = "assigned to " + tui.Safe(f.Token.User)
		}
		text := fmt.Sprintf("token in hand: %s (%s, %s), drift %s", tui.Safe(f.Token.Serial), tui.Safe(f.Token.KindLabel()), owner, driftText(f))
		return tea.Batch(m.reveal(f.Token.Serial, f.Token.User != ""), tui.Status(tui.OK, "%s", text))
	}
	m.found = map[string]bool{}
	serials := make([]string, len(msg.found))
	anyAssigned := false
	for i, f := range msg.found {
		m.found[f.Token.Serial] = true
		serials[i] = tui.Safe(f.Token.Serial)
		anyAssigned = anyAssigned || f.Token.User != ""
	}
	text := fmt.Sprintf("%d tokens show these codes (◆): %s", len(serials), strings.Join(serials, ", "))
	if msg.codes < len(m.codes) {
		m.focus = msg.codes
		text += fmt.Sprintf("; type the next code as code %d to tell them apart", msg.codes+1)
	}
	return tea.Batch(m.reveal(msg.found[0].Token.Serial, anyAssigned), m.focusCode(), tui.Status(tui.Info, "%s", text))
}

func driftText(f service.Identified) string {
	if f.Token.Kind == devices.HOTP {
		return fmt.Sprintf("%+d counters", f.Match.Drift)
	}
	return tui.Steps(f.Match.Drift, f.Token.Step)
}

// reveal selects serial, widening the view (all tokens, no filter) when
// it is hidden, and reloading when the list does not know it yet.
func (m *Model) reveal(serial string, assigned bool) tea.Cmd {
	if assigned && m.show == ShowStock {
		m.show = ShowAll
	}
	if m.query != "" && !m.matchesSerial(serial) {
		m.filter.SetValue("")
		m.query = ""
	}
	m.keep = serial
	m.refilter()
	if d := m.Selected(); d == nil || d.Serial != serial {
		m.keep = serial
		return m.reload()
	}
	return nil
}

func (m *Model) matchesSerial(serial string) bool {
	for i, d := range m.toks {
		if d.Serial == serial {
			return strings.Contains(m.lower[i], m.query)
		}
	}
	return false
}

// setRows takes a new list and precomputes what the views and the filter
// need.
func (m *Model) setRows(toks []*devices.Device) {
	if m.keep == "" {
		if d := m.Selected(); d != nil {
			m.keep = d.Serial
		}
	}
	m.toks = toks
	m.lower = make([]string, len(toks))
	m.stock, m.assigned, m.retired = 0, 0, 0
	for i, d := range toks {
		m.lower[i] = strings.ToLower(d.Serial + "\x00" + d.Model + "\x00" + d.Manufacturer + "\x00" + d.User)
		switch devices.TokenStateOf(d) {
		case devices.TokenRetired:
			m.retired++
		case devices.TokenAssigned:
			m.assigned++
		default:
			m.stock++
		}
	}
	m.refilter()
}

// inView reports whether token i belongs to the current view.
func (m *Model) inView(i int) bool {
	switch devices.TokenStateOf(m.toks[i]) {
	case devices.TokenRetired:
		return m.showRetired
	case devices.TokenAssigned:
		return m.show == ShowAll
	}
	return true
}

// refilter rebuilds the visible rows and puts the selection back.
func (m *Model) refilter() {
	keep := m.keep
	if keep == "" {
		if d := m.Selected(); d != nil {
			keep = d.Serial
		}
	}
	m.keep = ""
	m.visible = m.visible[:0]
	for i := range m.toks {
		if m.inView(i) && (m.query == "" || strings.Contains(m.lower[i], m.query)) {
			m.visible = append(m.visible, int32(i))
		}
	}
	m.selectSerial(keep)
}

// applyFilter narrows the list to tokens whose serial, model,
// manufacturer or owner contains q.
func (m *Model) applyFilter(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == m.query {
		return
	}
	m.query = q
	keep := ""
	if d := m.Selected(); d != nil {
		keep = d.Serial
	}
	m.cursor = tui.ListCursor{}
	m.keep = keep
	m.refilter()
}

// selectSerial moves the cursor to the token when it is shown.
func (m *Model) selectSerial(serial string) {
	if serial != "" {
		for pos, i := range m.visible {
			if m.toks[i].Serial == serial {
				m.cursor.Index = pos
				m.cursor.Offset = pos - m.listHeight()/2
				break
			}
		}
	}
	m.cursor.Clamp(len(m.visible), m.listHeight())
}

// Selected returns the token under the cursor, or nil.
func (m *Model) Selected() *devices.Device {
	if m.cursor.Index < 0 || m.cursor.Index >= len(m.visible) {
		return nil
	}
	return m.toks[m.visible[m.cursor.Index]]
}

// Visible is how many tokens the view and the filter let through.
func (m *Model) Visible() int { return len(m.visible) }

// Loaded reports whether the list is in.
func (m *Model) Loaded() bool { return m.state == stateReady }

// Showing returns the view.
func (m *Model) Showing() Show { return m.show }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeFilter:
		return []key.Binding{k.Apply, k.Clear}
	case modeAssign:
		return []key.Binding{k.Submit, tui.WithHelp(k.Cancel, "esc", "cancel"), key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete name"))}
	case modeIdentify:
		return []key.Binding{k.Search, k.Next, k.Cancel}
	case modeSearching:
		return []key.Binding{tui.WithHelp(k.Cancel, "esc", "stop")}
	}
	if m.state != stateReady {
		return []key.Binding{k.Back}
	}
	if len(m.toks) == 0 {
		return []key.Binding{tui.WithHelp(k.Import, "I", "import a seed file"), k.Back}
	}
	var out []key.Binding
	if d := m.Selected(); d != nil {
		state := devices.TokenStateOf(d)
		switch {
		case m.forUser != "" && notAssignable(d) == "":
			out = append(out, tui.WithHelp(k.Open, "enter", "give to "+tui.Safe(m.forUser)))
		case state == devices.TokenAssigned:
			out = append(out, k.Unassign, k.Owner)
		case state == devices.TokenUnassigned:
			out = append(out, k.Assign)
		}
		if state != devices.TokenRetired {
			out = append(out, k.Retire)
		}
	}
	out = append(out, k.Identify, k.Import, k.Filter, m.allHelp())
	if m.query != "" {
		out = append(out, k.Clear)
	}
	return out
}

func (m *Model) allHelp() key.Binding {
	if m.show == ShowAll {
		return tui.WithHelp(m.keys.All, "A", "hide assigned")
	}
	return tui.WithHelp(m.keys.All, "A", "all")
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	retired := tui.WithHelp(k.Retired, "R", "show retired tokens")
	if m.showRetired {
		retired = tui.WithHelp(k.Retired, "R", "hide retired tokens")
	}
	all := tui.WithHelp(k.All, "A", "show assigned tokens too")
	if m.show == ShowAll {
		all = tui.WithHelp(k.All, "A", "show unassigned tokens only")
	}
	return [][]key.Binding{
		k.Navigation(),
		{k.Filter, k.Clear, all, retired, k.Reload},
		{tui.WithHelp(k.Assign, "a", "assign to a user"), tui.WithHelp(k.Unassign, "u", "take back from its user"),
			tui.WithHelp(k.Retire, "x", "retire for good"), tui.WithHelp(k.Owner, "o", "open its owner")},
		{tui.WithHelp(k.Identify, "i", "identify the token in hand"), tui.WithHelp(k.Import, "I", "import a seed file"), k.Back},
	}
}
