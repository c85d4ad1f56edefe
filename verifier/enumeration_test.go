package verifier_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/verifier"
)

// wrongCodeRun sends a run of wrong codes for user through the HTTP API,
// with the pauses a patient attacker would take, and returns each answer
// (status and body) in order.
func (s *tcpEnv) wrongCodeRun(t *testing.T, user string) []string {
	t.Helper()
	wrong := servicetest.Code(t, s.alice, s.Clock.Now().Add(time.Hour), 0)
	body := fmt.Sprintf(`{"user": %q, "code": %q}`, user, wrong)
	var answers []string
	for _, pause := range []time.Duration{0, 0, 500 * time.Millisecond, time.Second, 0, 2 * time.Second, 0, 4 * time.Second, 8 * time.Second} {
		s.Clock.Advance(pause)
		st, retry, b := s.post(t, s.token, "/v1/verify", body)
		answers = append(answers, fmt.Sprintf("after %v: %d Retry-After %q %s", pause, st, retry, strings.TrimSpace(b)))
	}
	return answers
}

// TestHTTPRunsOfWrongCodesDoNotTellNamesApart is issue 10's "an unknown
// user and a wrong code are indistinguishable" over a sequence, not one
// step: an existing user's device counts failures and throttles (and
// locks out), so an unknown name must answer the same run of wrong codes
// with the same statuses and bodies, retry_after included, or two wrong
// codes would tell which names exist.
func TestHTTPRunsOfWrongCodesDoNotTellNamesApart(t *testing.T) {
	for _, lockout := range []string{"0", "3"} {
		t.Run("lockout-threshold "+lockout, func(t *testing.T) {
			s := serveTCP(t, verifier.Limit{})
			if err := s.Svc.SetSetting(context.Background(), "lockout-threshold", lockout); err != nil {
				t.Fatal(err)
			}
			s.Clock.Advance(time.Hour)
			known := s.wrongCodeRun(t, "alice")
			s.Clock.Advance(24 * time.Hour)
			unknown := s.wrongCodeRun(t, "mallory")
			for i := range known {
				if known[i] != unknown[i] {
					t.Errorf("answer %d differs:\n  existing user: %s\n  unknown name:  %s", i+1, known[i], unknown[i])
				}
			}
			if !strings.Contains(strings.Join(known, "\n"), `"outcome":"throttled"`) {
				t.Errorf("the run never reached the back-off, so it proves nothing:\n%s", strings.Join(known, "\n"))
			}
		})
	}
}

// TestSocketRunsOfWrongCodesDoNotTellNamesApart is the same through the
// client the PAM helper and `verify --socket` use.
func TestSocketRunsOfWrongCodesDoNotTellNamesApart(t *testing.T) {
	s := serveSocket(t)
	s.Clock.Advance(time.Hour)
	run := func(user string) []string {
		wrong := servicetest.Code(t, s.alice, s.Clock.Now().Add(time.Hour), 0)
		var out []string
		for _, pause := range []time.Duration{0, 0, time.Second, 0} {
			s.Clock.Advance(pause)
			v := s.verify(t, user, wrong)
			device := "none"
			if v.Device != nil {
				device = v.Device.Name
			}
			out = append(out, fmt.Sprintf("ok %v outcome %s device %s retry_after %d", v.OK, v.Outcome, device, v.RetryAfter))
		}
		return out
	}
	known := run("alice")
	s.Clock.Advance(24 * time.Hour)
	unknown := run("mallory")
	if strings.Join(known, "\n") != strings.Join(unknown, "\n") {
		t.Errorf("existing user:\n%s\nunknown name:\n%s", strings.Join(known, "\n"), strings.Join(unknown, "\n"))
	}
}
