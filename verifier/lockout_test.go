package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// metricsText reads /metrics over the socket.
func (s *socketEnv) metricsText(t *testing.T) string {
	t.Helper()
	_, _, body := (&tcpEnv{socketEnv: s}).postUnlimited(t)
	return body
}

func wantMetrics(t *testing.T, when, metrics string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(metrics, w+"\n") {
			t.Errorf("%s: /metrics lacks %q:\n%s", when, w, metrics)
		}
	}
}

// TestLockoutOverTheSocketShowsInMetricsAndUnlocks: with lockout-threshold
// 3, three wrong codes lock alice's app; her right code is then refused as
// locked-out (with no retry_after: waiting does not help), the metrics
// gauge counts one locked-out device, and after `device unlock` (the
// service's ChangeDevice, as the CLI and console call it) the right code
// is accepted and the gauge is back to zero. Between the failures the
// throttle gauge and retry_after follow the back-off.
func TestLockoutOverTheSocketShowsInMetricsAndUnlocks(t *testing.T) {
	s := serveSocket(t)
	ctx := context.Background()
	for k, v := range map[string]string{"lockout-threshold": "3", "throttle-factor": "10"} {
		if err := s.Svc.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	wantMetrics(t, "before", s.metricsText(t), "two_factor_locked_out_runs 0", "two_factor_throttled_runs 0")
	wrong := func() string { return servicetest.Code(t, s.alice, s.Clock.Now().Add(time.Hour), 0) }

	if v := s.verify(t, "alice", wrong()); v.Outcome != devices.Rejected {
		t.Fatalf("first wrong code: %+v", v)
	}
	if v := s.verify(t, "alice", wrong()); v.Outcome != devices.Throttled || v.RetryAfter != 10 {
		t.Errorf("a code 0 s after one failure with throttle-factor 10: %+v, want throttled, retry_after 10", v)
	}
	wantMetrics(t, "throttled", s.metricsText(t), "two_factor_locked_out_runs 0", "two_factor_throttled_runs 1")
	s.Clock.Advance(10 * time.Second)
	s.verify(t, "alice", wrong())
	s.Clock.Advance(20 * time.Second)
	if v := s.verify(t, "alice", wrong()); v.Outcome != devices.Rejected {
		t.Fatalf("third wrong code: %+v", v)
	}
	s.Clock.Advance(time.Hour) // long past any back-off: only the lockout remains
	right := codeNow(t, s)
	if v := s.verify(t, "alice", right); v.Outcome != devices.LockedOut || v.OK || v.RetryAfter != 0 || v.Device != nil {
		t.Errorf("right code after 3 failures with lockout-threshold 3: %+v, want locked-out naming no device (a refusal names none)", v)
	}
	wantMetrics(t, "locked", s.metricsText(t), "two_factor_locked_out_runs 1", "two_factor_throttled_runs 0")

	if _, err := s.Svc.As("admin").ChangeDevice(ctx, "alice", s.alice.Name, service.ActionUnlock, ""); err != nil {
		t.Fatal(err)
	}
	if v := s.verify(t, "alice", right); !v.OK {
		t.Errorf("right code after unlock: %+v", v)
	}
	wantMetrics(t, "unlocked", s.metricsText(t), "two_factor_locked_out_runs 0", "two_factor_throttled_runs 0")
}
