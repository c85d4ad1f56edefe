package importer

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// maxSecret bounds a typed password. The buffer is allocated once at this
// size and never grows, so no copy of what was typed is left behind in a
// discarded array.
const maxSecret = 256

// secret is a masked field for a password: it shows one • per character
// typed, never the characters, and wipe overwrites what was typed. (The
// seed-file parser takes the password as a Go string, which cannot be
// overwritten; that copy lives only as long as the command that reads the
// file.)
type secret struct {
	buf []rune
}

func newSecret() secret { return secret{buf: make([]rune, 0, maxSecret)} }

// key edits the field; it reports whether the key was for it.
func (s *secret) key(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "backspace", "ctrl+h":
		if n := len(s.buf); n > 0 {
			s.buf[n-1] = 0
			s.buf = s.buf[:n-1]
		}
		return true
	case "ctrl+u", "ctrl+w":
		s.wipe()
		return true
	}
	if msg.Text == "" {
		return false
	}
	s.insert(msg.Text)
	return true
}

func (s *secret) insert(text string) {
	for _, r := range text {
		if r < 0x20 || r == 0x7f || len(s.buf) == cap(s.buf) {
			continue
		}
		s.buf = append(s.buf, r)
	}
}

// String returns what was typed, for the parser only.
func (s *secret) String() string { return string(s.buf) }

// Len is how many characters were typed.
func (s *secret) Len() int { return len(s.buf) }

// wipe overwrites and forgets what was typed.
func (s *secret) wipe() {
	clear(s.buf[:cap(s.buf)])
	s.buf = s.buf[:0]
}

// mask renders the field: one • per character, then a block cursor.
func (s *secret) mask() string { return strings.Repeat("•", len(s.buf)) }
