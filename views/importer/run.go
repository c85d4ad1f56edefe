package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/inputfile"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/tui"
)

// Running the dry run and the import, and what comes of them.

// dryRun plans the import: of data when the file was read already (a
// password was asked for), otherwise of the file read afresh.
func (m *Model) dryRun(data []byte) tea.Cmd {
	path := strings.TrimSpace(m.path.Value())
	if path == "" {
		m.focus = fPath
		m.setNote(true, "type the path of the seed file to import")
		return m.focusCmd()
	}
	if data == nil {
		m.password.wipe() // a new file: a password typed for another one is no use
	}
	return m.run(true, path, data)
}

// run starts a dry run or the import in a command; the command owns data
// until its message comes back.
func (m *Model) run(dry bool, path string, data []byte) tea.Cmd {
	m.state, m.note, m.bad = stateImporting, "", false
	if dry {
		m.state = stateChecking
	}
	m.path.Blur()
	m.data = nil
	opt := m.Options(dry)
	opt.Parse.Password = m.password.String()
	c := m.c
	return m.runs.Load(func() (r ran, err error) {
		r = ran{dry: dry, path: path, data: data}
		if r.data == nil {
			if r.data, err = inputfile.Read(expand(path), seedfile.DefaultMaxBytes); err != nil {
				return r, err
			}
		}
		r.detected = opt.Parse.Format
		if r.detected == seedfile.FormatAuto {
			r.detected, _ = seedfile.Detect(r.data)
		}
		r.results, err = c.Svc.Import(c.Ctx, bytes.NewReader(r.data), opt)
		return r, err
	})
}

func (m *Model) ran(res tui.Loaded[ran]) tea.Cmd {
	msg, err := res.Value, res.Err
	if m.state != stateChecking && m.state != stateImporting {
		clear(msg.data) // a run given up on: its bytes are no one's now
		return nil
	}
	m.file, m.data, m.detected = msg.path, msg.data, msg.detected
	switch {
	case err == nil && msg.dry:
		m.state, m.plan = statePlan, msg.results
		return nil
	case err == nil:
		counts := count(msg.results)
		text := fmt.Sprintf("imported %s from %s: %d added, %d replaced, %d skipped",
			tui.Plural(len(msg.results), "token", "tokens"), tui.Safe(msg.path),
			counts[db.ImportAdded], counts[db.ImportReplaced], counts[db.ImportSkipped])
		m.wipe()
		return tui.Changed(m, "%s", text)
	case errors.Is(err, seedfile.ErrPasswordRequired):
		m.state = statePassword
		m.setNote(false, "")
		return nil
	case (errors.Is(err, seedfile.ErrWrongKey) || errors.Is(err, seedfile.ErrMACMismatch)) && m.password.Len() > 0:
		m.password.wipe()
		m.state = statePassword
		m.setNote(true, "%s does not open with this password (%s); type it again", tui.Safe(msg.path), tui.Safe(err.Error()))
		return nil
	}
	// Anything else: back to the form, the file's bytes and the password
	// wiped, the error (which names the file and the line) on show.
	m.wipe()
	m.state, m.focus = stateForm, fPath
	text := fmt.Sprintf("import %s: %s; nothing was imported", msg.path, consoleWords(err.Error()))
	if errors.Is(err, seedfile.ErrKeyRequired) {
		text = fmt.Sprintf("%s is encrypted with a pre-shared key, which the console does not take: run two-factor import --psk-file KEYFILE %s", msg.path, msg.path)
	}
	m.setNote(true, "%s", tui.Safe(text))
	return tea.Batch(m.focusCmd(), func() tea.Msg { return tui.StatusMsg{Text: tui.Safe(text), Level: tui.Error} })
}

// consoleWords rewrites the command line's advice for the console.
var consoleWords = strings.NewReplacer(
	"use --replace to overwrite", "tick Replace to overwrite",
	"pass --create-users to add it, or --no-assign", "tick Create users to add it, or untick Assign",
).Replace

func count(rs []db.ImportResult) map[db.ImportAction]int {
	out := map[db.ImportAction]int{}
	for _, r := range rs {
		out[r.Action]++
	}
	return out
}

func (m *Model) wipeData() {
	clear(m.data)
	m.data = nil
}

// wipe forgets the file's bytes, the password and the plan.
func (m *Model) wipe() {
	m.wipeData()
	m.password.wipe()
	m.plan = nil
}
