package db

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// driftLogins is three years of logins of a token whose clock gains a step
// every 20 days: every 10 minutes for the last ten days, before that four
// a day.
func driftLogins(end time.Time) []devices.DriftSample {
	start := end.Add(-3 * 365 * 24 * time.Hour)
	busy := end.Add(-10 * 24 * time.Hour)
	var out []devices.DriftSample
	for at := start; !at.After(end); {
		out = append(out, devices.DriftSample{At: at, Drift: int64(at.Sub(start).Hours() / 24 / 20)})
		if at.Before(busy) {
			at = at.Add(6 * time.Hour)
		} else {
			at = at.Add(10 * time.Minute)
		}
	}
	return out
}

// Every accepted login adds a drift sample, but a device's history stays
// bounded: one sample an hour for the last week, one a day for two years
// before that, the latest of each kept, and the trend the drift report
// draws from it is the one the whole history gives.
func TestDriftHistoryIsBoundedAndKeepsTheTrend(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	d := addTOTP(t, s, "alice", "token", seed)
	end := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	logins := driftLogins(end)
	err := s.Update(ctx, "tester", "alice", func(u *Unit) error {
		for _, smp := range logins {
			u.RecordDrift(u.Devices[0], smp)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.DriftHistory(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) > devices.MaxDriftSamples {
		t.Fatalf("%d logins left %d samples, more than %d", len(logins), len(kept), devices.MaxDriftSamples)
	}
	if last := kept[len(kept)-1]; !last.At.Equal(end) {
		t.Fatalf("the latest sample is %v, want the last login's (%v)", last.At, end)
	}
	perBucket := map[int64]int{}
	for _, smp := range kept {
		age := end.Sub(smp.At)
		switch {
		case age > devices.DriftKeepFor:
			t.Fatalf("sample from %v kept, older than %v", smp.At, devices.DriftKeepFor)
		case age < devices.DriftHourlyFor:
			perBucket[smp.At.UnixMilli()/hourMillis]++
		default:
			perBucket[-1-smp.At.UnixMilli()/dayMillis]++
		}
	}
	for k, n := range perBucket {
		if n > 1 {
			t.Fatalf("%d samples in bucket %d", n, k)
		}
	}
	tok := &devices.Device{Kind: devices.TOTP, Step: 30, Tolerance: 1, LastUsed: end}
	window := slices.DeleteFunc(slices.Clone(logins), func(s devices.DriftSample) bool { return end.Sub(s.At) > devices.DriftKeepFor })
	want := devices.AnalyzeDrift(tok, window, end, 30*24*time.Hour).RatePerDay
	got := devices.AnalyzeDrift(tok, kept, end, 30*24*time.Hour).RatePerDay
	if math.Abs(got-want) > 0.05*math.Abs(want) {
		t.Fatalf("trend from the kept history %.5f steps/day, from every login %.5f", got, want)
	}
	t.Logf("%d logins, %d samples kept, trend %.5f vs %.5f steps/day", len(logins), len(kept), got, want)
}

// The drift report reads every token's history in the query that lists
// the tokens, and gets what DriftHistory gets for each.
func TestTOTPTokensCarryEachHistory(t *testing.T) {
	f := newFixture(t)
	s := f.open(t)
	for _, user := range []string{"alice", "bob", "carol"} {
		addTOTP(t, s, user, "token", seed)
	}
	end := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for i, user := range []string{"alice", "carol"} {
		err := s.Update(ctx, "tester", user, func(u *Unit) error {
			for day := range 5 + i {
				u.RecordDrift(u.Devices[0], devices.DriftSample{At: end.Add(time.Duration(day-30) * 24 * time.Hour), Drift: int64(day*(i+1) - 3)})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.TOTPTokens(ctx, false)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		want, err := s.DriftHistory(ctx, r.Device.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(r.Samples, want, func(a, b devices.DriftSample) bool { return a.At.Equal(b.At) && a.Drift == b.Drift }) {
			t.Errorf("%s: report has %v, history %v", r.Device.User, r.Samples, want)
		}
	}
	if len(rows[0].Samples) != 5 || len(rows[1].Samples) != 0 || len(rows[2].Samples) != 6 {
		t.Errorf("sample counts %d %d %d", len(rows[0].Samples), len(rows[1].Samples), len(rows[2].Samples))
	}
}
