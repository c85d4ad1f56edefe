package verifier_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
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

// mixedShapeRun sends a run of wrong codes of every shape (6 and 8
// digits, backup codes) for user through answer, with pauses, and returns
// each answer; the last line is what the /metrics gauges moved by.
func (s *tcpEnv) mixedShapeRun(t *testing.T, user string, answer func(user, code string) string) []string {
	t.Helper()
	six := servicetest.Code(t, s.alice, s.Clock.Now().Add(time.Hour), 0)
	const backup, eight = "abcde-fghij", "12345678"
	before := s.gauges(t)
	var out []string
	for _, step := range []struct {
		pause time.Duration
		code  string
	}{
		{0, six}, {0, backup}, {0, eight}, {0, six}, {0, backup}, {time.Second, backup}, {0, six},
		{2 * time.Second, six}, {0, eight}, {time.Second, eight}, {4 * time.Second, backup}, {0, six}, {8 * time.Second, six},
	} {
		s.Clock.Advance(step.pause)
		shape := map[string]string{six: "6 digits", eight: "8 digits", backup: "backup code"}[step.code]
		out = append(out, fmt.Sprintf("after %v, %s: %s", step.pause, shape, answer(user, step.code)))
	}
	after := s.gauges(t)
	return append(out, fmt.Sprintf("gauges moved by %+d locked out, %+d throttled", after[0]-before[0], after[1]-before[1]))
}

// gauges reads the lockout and throttle gauges from /metrics.
func (s *tcpEnv) gauges(t *testing.T) [2]int {
	t.Helper()
	var g [2]int
	text := s.metricsText(t)
	for i, name := range []string{"two_factor_locked_out_runs ", "two_factor_throttled_runs "} {
		_, rest, ok := strings.Cut(text, "\n"+name)
		if !ok {
			t.Fatalf("/metrics lacks %s:\n%s", name, text)
		}
		fmt.Sscan(rest, &g[i])
	}
	return g
}

// TestRunsOfMixedShapesAndDisabledDevicesDoNotTellNamesApart: a user's
// devices each keep their own back-off, so a run mixing wrong 6-digit,
// 8-digit and backup codes must get the same answers for a user with an
// app and backup codes, a user whose only app an admin disabled, a user
// without devices and an unknown name, byte for byte through HTTP
// (status, Retry-After, body) and field for field through the socket,
// and move the /metrics gauges alike.
func TestRunsOfMixedShapesAndDisabledDevicesDoNotTellNamesApart(t *testing.T) {
	transports := map[string]func(s *tcpEnv, user, code string) string{
		"http": func(s *tcpEnv, user, code string) string {
			st, retry, b := s.post(t, s.token, "/v1/verify", fmt.Sprintf(`{"user": %q, "code": %q}`, user, code))
			return fmt.Sprintf("%d Retry-After %q %s", st, retry, strings.TrimSpace(b))
		},
		"socket": func(s *tcpEnv, user, code string) string {
			v := s.verify(t, user, code)
			return fmt.Sprintf("ok %v outcome %s device %v retry_after %d", v.OK, v.Outcome, v.Device, v.RetryAfter)
		},
	}
	for _, c := range []struct{ lockout, transport string }{{"0", "http"}, {"3", "http"}, {"0", "socket"}, {"3", "socket"}} {
		t.Run(c.transport+", lockout-threshold "+c.lockout, func(t *testing.T) {
			s := serveTCP(t, verifier.Limit{})
			ctx := context.Background()
			lockout := c.lockout
			if err := s.Svc.SetSetting(ctx, "lockout-threshold", lockout); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Svc.BackupCodes(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			s.AddUser(t, "dave")
			app := s.Enroll(t, "dave", service.EnrollOptions{})
			if _, err := s.Svc.ChangeDevice(ctx, "dave", app.Name, service.ActionDisable, ""); err != nil {
				t.Fatal(err)
			}
			s.AddUser(t, "bob")
			answer := func(user, code string) string { return transports[c.transport](s, user, code) }
			var first []string
			for _, user := range []string{"alice", "dave", "bob", "mallory"} {
				s.Clock.Advance(24 * time.Hour) // every earlier back-off is over
				got := s.mixedShapeRun(t, user, answer)
				if first == nil {
					first = got
					all := strings.Join(got, "\n")
					if !strings.Contains(all, "throttled") || !strings.Contains(all, "rejected") {
						t.Fatalf("the run never met a back-off, so it proves nothing:\n%s", all)
					}
					continue
				}
				for i := range first {
					if got[i] != first[i] {
						t.Errorf("answer %d differs:\n  alice (app, backup codes): %s\n  %s: %s", i+1, first[i], user, got[i])
					}
				}
			}
		})
	}
}
