package pamexec

import (
	"errors"
	"strings"
	"testing"
)

func TestReadCode(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		err            error
	}{
		{"as pam_exec passes it: no newline, then EOF", "123456", "123456", nil},
		{"with the NUL terminator older pam_exec wrote", "123456\x00", "123456", nil},
		{"typed by hand", "123456\n", "123456", nil},
		{"a backup code", "abcd-efgh-ijkl", "abcd-efgh-ijkl", nil},
		{"nothing", "", "", ErrNoCode},
		{"only a NUL", "\x00", "", ErrNoCode},
		{"exactly the bound", strings.Repeat("7", MaxCode), strings.Repeat("7", MaxCode), nil},
		{"one byte over the bound", strings.Repeat("7", MaxCode+1), "", ErrCodeTooLong},
		{"pam_exec's 512 bytes", strings.Repeat("7", 512), "", ErrCodeTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadCode(strings.NewReader(c.in))
			if !errors.Is(err, c.err) || got != c.want {
				t.Fatalf("ReadCode(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
			}
			if err != nil && strings.Contains(err.Error(), "7777") {
				t.Errorf("the error repeats the input: %v", err)
			}
		})
	}
}

// TestLogWordCannotForgeALogLine: a user name comes from whoever logs in
// (ssh sends it before any authentication), so it must not carry a
// newline, an escape sequence or a bidirectional override into the log,
// nor be of any length.
func TestLogWordCannotForgeALogLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"alice", "alice"},
		{"alice@example.com", "alice@example.com"},
		{"2001:db8::1", "2001:db8::1"},
		{"", `""`},
		{"bob smith", `"bob smith"`},
		{"alice\nJan  1 00:00:00 host sshd[1]: Accepted password for root", `"alice\nJan  1 00:00:00 host sshd[1]: Accepted password for root"`},
		{"x\x1b[2Jy", `"x\x1b[2Jy"`},
		{"evil\u202egnp.exe", `"evil\u202egnp.exe"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{strings.Repeat("a", 100), `"` + strings.Repeat("a", maxLogWord) + `"...`},
		{strings.Repeat("é", 40), `"` + strings.Repeat("é", maxLogWord/2) + `"...`},
	} {
		got := LogWord(c.in)
		if got != c.want {
			t.Errorf("LogWord(%q) = %s, want %s", c.in, got, c.want)
		}
		if strings.ContainsAny(got, "\n\r\x1b\u202e") {
			t.Errorf("LogWord(%q) = %q still holds a control character", c.in, got)
		}
	}
}

func TestSource(t *testing.T) {
	for _, c := range []struct {
		inv  Invocation
		want string
	}{
		{Invocation{Service: "sshd", RHost: "203.0.113.9"}, "pam sshd from 203.0.113.9"},
		{Invocation{Service: "sudo"}, "pam sudo"},
		{Invocation{}, "pam"},
		{Invocation{Service: "sshd", RHost: "evil\nhost"}, `pam sshd from "evil\nhost"`},
	} {
		if got := c.inv.Source(); got != c.want {
			t.Errorf("%+v.Source() = %q, want %q", c.inv, got, c.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"PAM_TYPE": "auth", "PAM_USER": "alice", "PAM_SERVICE": "sshd", "PAM_RHOST": "203.0.113.9"}
	got := FromEnv(func(k string) string { return env[k] })
	if want := (Invocation{Type: "auth", User: "alice", Service: "sshd", RHost: "203.0.113.9"}); got != want {
		t.Fatalf("FromEnv = %+v, want %+v", got, want)
	}
}
