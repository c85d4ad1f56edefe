package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service/servicetest"
)

// TestViaIsAuditedAsTheCallersClaim: what a caller says about the login
// (the PAM helper's "pam sshd from HOST") is recorded after the source the
// verifier established itself, so it can add to the audit but never
// replace the peer's uid; a newline in it cannot forge an audit line.
func TestViaIsAuditedAsTheCallersClaim(t *testing.T) {
	s := serveSocket(t)
	s.Clock.Advance(30 * time.Second)
	code := servicetest.Code(t, s.alice, s.Clock.Now(), 0)
	if v, err := s.client.VerifyVia(context.Background(), "alice", code, "pam sshd from 203.0.113.9"); err != nil || !v.OK {
		t.Fatalf("right code with via: %+v, %v", v, err)
	}
	s.Clock.Advance(time.Hour)
	if _, err := s.client.VerifyVia(context.Background(), "alice", "000000", "x\nserve/unix uid=0"); err != nil {
		t.Fatal(err)
	}
	actors := s.auditActors(t)
	for _, want := range []string{"via pam sshd from 203.0.113.9", `via x\x0aserve/unix uid=0`} {
		if !strings.Contains(actors, want) {
			t.Errorf("audit actors %q lack %q", actors, want)
		}
	}
	for _, a := range strings.Split(actors, "; ") {
		if !strings.HasPrefix(a, "serve/unix uid=") || strings.Contains(a, "\n") {
			t.Errorf("audit actor %q does not start with the verifier's own source, or holds a newline", a)
		}
	}
}
