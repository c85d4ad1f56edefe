package devices

import (
	"fmt"
	"math"
	"time"
)

// DriftSample is the drift a successful TOTP verification observed.
type DriftSample struct {
	At    time.Time
	Drift int64 // steps
}

// The drift history kept per device. A trend is a slope over days and
// weeks, so it needs a sample an hour at most, and older ones can be
// thinned further; every login adding a row forever would grow the store
// by a row per login. The store applies this in the transaction that adds
// a sample, keeping the latest sample of each bucket.
const (
	DriftHourlyFor = 7 * 24 * time.Hour       // the last week: one sample an hour
	DriftKeepFor   = 2 * 365 * 24 * time.Hour // before that: one a day, for two years
	// MaxDriftSamples is the most a device keeps under that rule.
	MaxDriftSamples = int(DriftHourlyFor/time.Hour) + int((DriftKeepFor-DriftHourlyFor)/(24*time.Hour)) + 2
)

// DriftTrend summarises a token's drift history.
type DriftTrend struct {
	Samples    int
	Current    int64   // steps, as stored
	RatePerDay float64 // steps per day, least-squares over the history
	// LeavesTolerance is when, if nobody uses the token, its clock will
	// have moved further from the stored drift than the tolerance: the
	// first login after that fails and needs a resync. Zero when the drift
	// is not moving.
	LeavesTolerance time.Time
	Flag            bool   // leaves tolerance within the horizon, or already has
	Advice          string // what an admin should do
}

// minTrendSpan is the shortest history worth extrapolating: drift from a
// crystal shows over weeks, and two samples an hour apart are noise.
const minTrendSpan = 24 * time.Hour

// AnalyzeDrift fits a line through a TOTP device's drift history and says
// whether the token will drift out of its tolerance within horizon of now.
// Drift follow-up re-centres the window on every login, so what matters is
// how far the clock moves between uses: a token used daily survives a fast
// drift, one left in a drawer for a month may not.
func AnalyzeDrift(d *Device, samples []DriftSample, now time.Time, horizon time.Duration) DriftTrend {
	t := analyzeTrend(d, samples, now, horizon)
	// A drift already beyond the tolerance needs no history to be seen:
	// logins work only while each one keeps the stored drift up to date.
	if outside := outsideTolerance(d); outside != "" {
		t.Flag = true
		if t.Advice == "not enough history yet" || t.Advice == "steady" || t.Advice == "within tolerance" {
			t.Advice = outside
		} else {
			t.Advice = outside + "; " + t.Advice
		}
	}
	return t
}

// outsideTolerance is the advice for a token whose stored drift is
// further from our clock than its tolerance, or "".
func outsideTolerance(d *Device) string {
	if d.Kind != TOTP || d.Drift >= -int64(d.Tolerance) && d.Drift <= int64(d.Tolerance) {
		return ""
	}
	if w := DriftWarning(d.Drift, d.Step); w != "" {
		return w + "; check it and resync it with two codes, or replace it"
	}
	return fmt.Sprintf("its clock is %s, beyond its tolerance of ±%d: logins work only while they follow it; resync it if one fails",
		DriftSteps(d.Drift, d.Step), d.Tolerance)
}

// analyzeTrend is the part of AnalyzeDrift that needs a history.
func analyzeTrend(d *Device, samples []DriftSample, now time.Time, horizon time.Duration) DriftTrend {
	t := DriftTrend{Samples: len(samples), Current: d.Drift}
	if len(samples) < 2 || samples[len(samples)-1].At.Sub(samples[0].At) < minTrendSpan {
		t.Advice = "not enough history yet"
		return t
	}
	t.RatePerDay = slopePerDay(samples)
	if math.Abs(t.RatePerDay) < 1e-6 {
		t.Advice = "steady"
		return t
	}
	last := d.LastUsed
	if last.IsZero() {
		last = samples[len(samples)-1].At
	}
	// Half a step of slack: a token is still accepted until its clock is
	// past the edge of the outermost step.
	days := (float64(d.Tolerance) + 0.5) / math.Abs(t.RatePerDay)
	t.LeavesTolerance = last.Add(time.Duration(days * float64(24*time.Hour)))
	switch {
	case !t.LeavesTolerance.After(now):
		t.Flag = true
		t.Advice = "probably outside its tolerance already: resync it with two codes"
	case t.LeavesTolerance.Before(now.Add(horizon)):
		t.Flag = true
		// The date in now's zone: the caller's clock says where the
		// reader is; the samples' zone is only where they were read.
		t.Advice = fmt.Sprintf("ask the user to sign in, or resync, before %s", t.LeavesTolerance.In(now.Location()).Format("2006-01-02"))
	default:
		t.Advice = "within tolerance"
	}
	// A clock that gains or loses more than a step a week needs more than
	// tracking.
	if math.Abs(t.RatePerDay) > 1.0/7 {
		t.Flag = true
		t.Advice += fmt.Sprintf("; drifting %.1f steps a week: consider a larger tolerance or replacing the token", t.RatePerDay*7)
	}
	return t
}

func slopePerDay(s []DriftSample) float64 {
	t0 := s[0].At
	var n, sx, sy, sxx, sxy float64
	for _, p := range s {
		x := p.At.Sub(t0).Hours() / 24
		y := float64(p.Drift)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}
