// Package pamexec turns a run by pam_exec.so (with expose_authtok) into one
// question for the running verifier, and the answer into an exit status.
// pam_exec gives the helper almost nothing: the user and service in PAM_*
// variables, the code on standard input, no HOME and no PATH. So the helper
// needs no configuration besides the verifier's socket, holds no seed and
// no key, and writes no file; whatever goes wrong, it refuses.
package pamexec

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Invocation is what pam_exec tells the helper about the login, from the
// environment it sets (see pam_exec(8)).
type Invocation struct {
	Type    string // PAM_TYPE: auth, account, session or password
	User    string // PAM_USER: the account being logged in to
	Service string // PAM_SERVICE: sshd, sudo, login, ...
	RHost   string // PAM_RHOST: the remote host, when the service knows it
}

// FromEnv reads the invocation from pam_exec's environment.
func FromEnv(getenv func(string) string) Invocation {
	return Invocation{
		Type:    getenv("PAM_TYPE"),
		User:    getenv("PAM_USER"),
		Service: getenv("PAM_SERVICE"),
		RHost:   getenv("PAM_RHOST"),
	}
}

// Source names where the login comes from, for the verifier's audit log:
// "pam sshd from 203.0.113.9". The parts come from the login (a remote
// host name can be chosen by whoever controls its reverse DNS), so each is
// bounded and quoted when it holds anything but plain characters.
func (inv Invocation) Source() string {
	s := "pam"
	if inv.Service != "" {
		s += " " + LogWord(inv.Service)
	}
	if inv.RHost != "" {
		s += " from " + LogWord(inv.RHost)
	}
	return s
}

// maxLogWord bounds a name in a log line: a login name or host name longer
// than this is an attack or a mistake, and the start is enough to see which.
const maxLogWord = 64

// LogWord makes text from a login safe to write to the system log and a
// terminal: bounded, and quoted with every control or format character
// escaped when it is not a plain word, so a user name can never forge a
// log line or hide part of one.
func LogWord(s string) string {
	cut := false
	if len(s) > maxLogWord {
		s, cut = s[:maxLogWord], true
		for !utf8.ValidString(s) && len(s) > maxLogWord-utf8.UTFMax {
			s = s[:len(s)-1] // do not split the last rune
		}
	}
	if !cut && plainWord(s) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	if cut {
		q += "..."
	}
	return q
}

func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@+-:", r)) {
			return false
		}
	}
	return true
}

// MaxCode is the most the helper reads from standard input. A one-time code
// has 6 to 8 digits and a backup code a few more characters; pam_exec may
// pass up to 512 bytes of whatever was typed, which is not read further.
const MaxCode = 64

// ErrNoCode: standard input was empty.
var ErrNoCode = errors.New("no code on standard input (is expose_authtok on the pam_exec line, and the helper in the auth stack?)")

// ErrCodeTooLong: more than MaxCode bytes were typed; no code is that long.
var ErrCodeTooLong = fmt.Errorf("the code typed is longer than %d bytes", MaxCode)

// ReadCode reads the code pam_exec writes to standard input: the text typed,
// with no newline, then end of file. Versions of pam_exec before Linux-PAM
// 1.5 also wrote the C string's terminating NUL, and a person testing the
// helper by hand types a newline; both are dropped. The code itself never
// appears in an error.
func ReadCode(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCode+1))
	if err != nil {
		return "", fmt.Errorf("reading the code from standard input: %w", err)
	}
	if len(b) > MaxCode {
		return "", ErrCodeTooLong
	}
	code := strings.TrimRight(string(b), "\x00\r\n")
	if code == "" {
		return "", ErrNoCode
	}
	return code, nil
}
