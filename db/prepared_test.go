package db

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// A login (read the user's devices and secrets, save the device, a drift
// sample and an audit row) runs through statements prepared once: the
// second and third logins prepare nothing new. Before, every transaction
// parsed its SQL anew and nothing was kept.
func TestLoginStatementsPreparedOnce(t *testing.T) {
	s := newFixture(t).open(t)
	addTOTP(t, s, "alice", "phone", seed)
	login := func(at time.Time) {
		t.Helper()
		err := s.Update(ctx, "verifier", "alice", func(u *Unit) error {
			d := u.Devices[0]
			d.LastStep++
			u.Save(d)
			u.RecordDrift(d, devices.DriftSample{At: at, Drift: 0})
			u.Audit("verify", d, "ok", "")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		s.prepared.mu.Lock()
		defer s.prepared.mu.Unlock()
		return len(s.prepared.stmts)
	}
	login(time.Now())
	after := count()
	if after == 0 {
		t.Fatal("a login prepared no statement to keep")
	}
	login(time.Now().Add(2 * time.Hour)) // a new hour: the drift thinning runs too
	login(time.Now().Add(4 * time.Hour))
	if n := count(); n != after {
		t.Errorf("later logins prepared %d more statements: a query text varies per call", n-after)
	}
}
