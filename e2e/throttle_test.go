package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/verifier"
)

// askSocket verifies through a running verifier's socket.
func askSocket(t *testing.T, v *verifierProc, user, code string) verifier.VerifyResponse {
	t.Helper()
	r, err := verifier.Client{Socket: v.socket}.Verify(context.Background(), user, code)
	if err != nil {
		t.Fatalf("verify %s over %s: %v", user, v.socket, err)
	}
	return r
}

// TestThrottleSurvivesARestartAndLockoutNeedsUnlock: a failure over the
// socket throttles alice for a minute; `status` says so; the verifier is
// restarted (SIGTERM, then a new process) and her right code is still
// refused with the rest of the minute as retry_after. With a lockout
// threshold, the next failure locks her token: the right code is refused
// as locked-out, `status` tells the admin the unlock command, and after
// `device unlock` the code is accepted.
func TestThrottleSurvivesARestartAndLockoutNeedsUnlock(t *testing.T) {
	s := build(t)
	step := nowStep()
	s.enrollToken(t, "alice", step)
	s.cli(t, 0, "config", "set", "throttle-factor", "60")
	v := s.serve(t)
	right, wrong := pamCode(t, step+1), pamCode(t, step+20)

	if r := askSocket(t, v, "alice", wrong); r.Outcome != "rejected" {
		t.Fatalf("wrong code: %+v", r)
	}
	first := askSocket(t, v, "alice", right)
	if first.Outcome != "throttled" || first.RetryAfter < 50 || first.RetryAfter > 60 {
		t.Fatalf("right code just after a failure with throttle-factor 60: %+v, want throttled, retry_after 50-60", first)
	}
	if out := s.cli(t, 0, "status", "alice"); !strings.Contains(out, "alice: enabled; throttled (token) for") {
		t.Errorf("status of a throttled user: %q", out)
	}

	v.stop(t)
	time.Sleep(time.Second) // the back-off keeps running while nobody serves
	v = s.serve(t)
	again := askSocket(t, v, "alice", right)
	if again.Outcome != "throttled" || again.RetryAfter > first.RetryAfter || again.RetryAfter < first.RetryAfter-10 {
		t.Fatalf("after a restart: %+v, want still throttled with retry_after at most %d", again, first.RetryAfter)
	}

	s.cli(t, 0, "config", "set", "throttle-factor", "0")
	s.cli(t, 0, "config", "set", "lockout-threshold", "2")
	if r := askSocket(t, v, "alice", wrong); r.Outcome != "rejected" {
		t.Fatalf("second wrong code: %+v", r)
	}
	locked := askSocket(t, v, "alice", right)
	if locked.Outcome != "locked-out" || locked.Device != nil { // a refusal names no device
		t.Fatalf("right code after 2 failures with lockout-threshold 2: %+v", locked)
	}
	status := s.cli(t, 0, "status", "alice")
	if want := "alice: enabled; locked out (token); an administrator must run: two-factor device unlock alice "; !strings.Contains(status, want) {
		t.Errorf("status of a locked-out user: %q, want %q", status, want)
	}
	if js := s.cli(t, 0, "status", "alice", "--json"); !strings.Contains(js, `"locked_out": true`) {
		t.Errorf("status --json of a locked-out user: %s", js)
	}
	// The admin takes the device from status's advice: the verifier's
	// refusal names none.
	s.cli(t, 0, "device", "unlock", "alice", "token")
	if r := askSocket(t, v, "alice", right); !r.OK {
		t.Errorf("right code after device unlock: %+v", r)
	}
	if out := s.cli(t, 0, "status", "alice"); out != "alice: enabled\n" {
		t.Errorf("status after unlock: %q", out)
	}
}
