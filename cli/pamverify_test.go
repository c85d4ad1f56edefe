package cli

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPamVerifyRefusesAHungVerifier: a verifier that takes the connection
// but never answers must not hold a login (and sshd's PAM conversation)
// forever: pam-verify refuses once --timeout has passed, saying so. The
// environment is pam_exec's: PAM_* only, no HOME, no PATH, no store.
func TestPamVerifyRefusesAHungVerifier(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	env := map[string]string{"PAM_TYPE": "auth", "PAM_USER": "alice", "PAM_SERVICE": "sshd"}
	var out, errb bytes.Buffer
	start := time.Now()
	code := Execute(context.Background(), []string{"pam-verify", "--socket", sock, "--timeout", "300ms"}, Env{
		Stdin: strings.NewReader("123456"), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("pam-verify took %v to give up on a hung verifier (timeout 300ms)", took)
	}
	if code != 2 {
		t.Errorf("exit %d, want 2 (no answer: refused)", code)
	}
	if want := "refused alice (pam sshd): verifier unreachable"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q lacks %q", errb.String(), want)
	}
	if out.Len() != 0 || strings.Contains(errb.String(), "123456") {
		t.Errorf("stdout %q, stderr %q: nothing on stdout, and never the code", out.String(), errb.String())
	}
}
