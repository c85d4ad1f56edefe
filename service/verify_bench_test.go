package service

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// BenchmarkVerifyUnknownVsWrongCode times a code for an unknown user and a
// wrong code for a known one, on a real store, one of each per iteration
// in alternating order so that machine noise falls on both alike. The
// figure to watch is unknown/wrong: near 1 means a caller cannot tell the
// two apart by timing.
//
//	go test ./service/ -run '^$' -bench VerifyUnknownVsWrongCode -benchtime 2000x -count 3
func BenchmarkVerifyUnknownVsWrongCode(b *testing.B) {
	dir := b.TempDir()
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	s := &Service{store: st, Actor: "bench", Now: c.now}
	// Without throttling every wrong code is checked in full, the case an
	// attacker would time.
	if err := st.SetSetting(ctx, "bench", "throttle-factor", "0"); err != nil {
		b.Fatal(err)
	}
	e, err := s.StartEnrollment(ctx, "alice", EnrollOptions{CreateUser: true})
	if err != nil {
		b.Fatal(err)
	}
	if r, err := s.Confirm(ctx, e, code(b, e.Device.Secret, c.t, 0), true); err != nil || !r.Accepted() {
		b.Fatalf("confirm: %v %v", r.Outcome, err)
	}
	c.t = c.t.Add(time.Hour)
	wrong := "000000"
	if wrong == code(b, e.Device.Secret, c.t, 0) {
		wrong = "000001"
	}
	timed := func(user string) time.Duration {
		start := time.Now()
		r, err := s.Verify(ctx, user, "", wrong)
		d := time.Since(start)
		if err != nil || r.Outcome != devices.Rejected {
			b.Fatalf("%s: %v %v", user, r.Outcome, err)
		}
		return d
	}
	var unknown, known time.Duration
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			unknown += timed("nobody")
			known += timed("alice")
		} else {
			known += timed("alice")
			unknown += timed("nobody")
		}
		n++
	}
	b.ReportMetric(float64(unknown.Nanoseconds())/float64(n), "ns/unknown")
	b.ReportMetric(float64(known.Nanoseconds())/float64(n), "ns/wrong")
	b.ReportMetric(float64(unknown)/float64(known), "unknown/wrong")
}
