package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/tui/tuitest"
)

// zeroed reports whether every rune of the field's whole buffer is zero.
func zeroed(s *secret) bool {
	for _, r := range s.buf[:cap(s.buf)] {
		if r != 0 {
			return false
		}
	}
	return true
}

func TestSecretEditsAndWipes(t *testing.T) {
	s := newSecret()
	for _, k := range []string{"p", "a", "s", "s"} {
		s.key(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
	}
	s.insert("wörd\x1b[31m") // the escape is dropped, the rest kept
	s.key(tea.KeyPressMsg{Code: tea.KeyBackspace})
	if got := s.String(); got != "passwörd[31" || s.mask() != "•••••••••••" {
		t.Fatalf("field %q, mask %q", got, s.mask())
	}
	addr := &s.buf[:1][0]
	s.wipe()
	if s.Len() != 0 || !zeroed(&s) || &s.buf[:1][0] != addr {
		t.Fatal("wipe left the typed runes in the buffer")
	}
	for range maxSecret + 10 {
		s.insert("x")
	}
	if s.Len() != maxSecret || &s.buf[:1][0] != addr {
		t.Fatal("the buffer grew: a copy of the password could be left behind")
	}
}

// TestPasswordWipedAfterImport: once the import is done the typed
// password and the file's bytes are gone from the screen's memory.
func TestPasswordWipedAfterImport(t *testing.T) {
	e := tuitest.NewEnv(t)
	dir := t.TempDir()
	var b bytes.Buffer
	toks := []seedfile.Token{{Serial: "P1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Period: 30, Secret: []byte("12345678901234567890")}}
	if err := seedfile.WritePSKC(&b, toks, seedfile.PSKCWriteOptions{Password: "hunter22", Iterations: 1000}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.pskc")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := e.Common(80, 24)
	m := New(c)
	a := tuitest.NewApp(c, m)
	a.Type(path)
	a.Keys("enter")
	a.Type("hunter22")
	a.Keys("enter")
	if m.state != statePlan || m.password.Len() != 8 || m.data == nil {
		t.Fatalf("state %v, password %d, data %d\n%s", m.state, m.password.Len(), len(m.data), a.Frame())
	}
	data := m.data
	a.Keys("enter")
	if m.password.Len() != 0 || !zeroed(&m.password) {
		t.Error("the password is still in the field's buffer")
	}
	if m.data != nil || !bytes.Equal(data, make([]byte, len(data))) {
		t.Error("the file's bytes were not wiped")
	}
}
