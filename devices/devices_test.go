package devices

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// rfcKey is the RFC 4226/6238 SHA-1 test key.
var rfcKey = []byte("12345678901234567890")

var t0 = time.Unix(1_700_000_000, 0) // a step boundary: 1_700_000_000 % 30 == 20, fine for tests

func totpDevice() *Device {
	return &Device{
		Name: "phone", Kind: TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30,
		Secret: rfcKey, Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor,
	}
}

// codeAt computes the code the token shows at time at, shifted by drift
// steps, with an independent path (the package-level HOTP helper).
func codeAt(t *testing.T, d *Device, at time.Time, drift int64) string {
	t.Helper()
	step := (at.Unix()-d.T0)/d.Step + drift
	c, err := otpcore.HOTP(d.Algorithm, d.Secret, uint64(step), d.Digits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var policy = Policy{ThrottleFactor: 1, FollowDrift: true}

func TestVerifyAcceptsOnceAndMovesReplayFloor(t *testing.T) {
	d := totpDevice()
	code := codeAt(t, d, t0, 0)
	r, err := d.Verify(code, t0, policy)
	if err != nil || r.Outcome != Accepted {
		t.Fatalf("first use: %v %v", r.Outcome, err)
	}
	if d.LastStep != t0.Unix()/30 || !d.LastUsed.Equal(t0) {
		t.Fatalf("state after success: last step %d, last used %v", d.LastStep, d.LastUsed)
	}
	r, err = d.Verify(code, t0.Add(time.Second), policy)
	if err != nil || r.Outcome != Rejected {
		t.Fatalf("replay: got %v %v, want rejected", r.Outcome, err)
	}
	if d.Failures != 1 {
		t.Fatalf("replay should count as a failure, failures=%d", d.Failures)
	}
}

func TestVerifyFollowsDrift(t *testing.T) {
	d := totpDevice()
	// Token runs one step ahead: accepted within tolerance 1, drift learnt.
	r, _ := d.Verify(codeAt(t, d, t0, 1), t0, policy)
	if r.Outcome != Accepted || d.Drift != 1 || !r.Drifted() || r.DriftSample.Drift != 1 {
		t.Fatalf("outcome %v drift %d sample %+v", r.Outcome, d.Drift, r.DriftSample)
	}
	// Later it is two steps ahead: still within tolerance of the learnt drift.
	later := t0.Add(10 * time.Minute)
	r, _ = d.Verify(codeAt(t, d, later, 2), later, policy)
	if r.Outcome != Accepted || d.Drift != 2 || r.Match.Offset != 1 {
		t.Fatalf("outcome %v drift %d offset %d", r.Outcome, d.Drift, r.Match.Offset)
	}
	// Three steps ahead of the stored drift is outside tolerance 1.
	much := later.Add(10 * time.Minute)
	r, _ = d.Verify(codeAt(t, d, much, 5), much, policy)
	if r.Outcome != Rejected {
		t.Fatalf("code 3 steps beyond the drift: %v", r.Outcome)
	}
}

func TestVerifyWithoutFollowDriftKeepsDrift(t *testing.T) {
	d := totpDevice()
	d.Drift = 3
	r, _ := d.Verify(codeAt(t, d, t0, 4), t0, Policy{})
	if r.Outcome != Accepted || d.Drift != 3 {
		t.Fatalf("outcome %v drift %d, want accepted with drift kept at 3", r.Outcome, d.Drift)
	}
}

func TestThrottleBackoffAndReset(t *testing.T) {
	d := totpDevice()
	p := Policy{ThrottleFactor: 2}
	now := t0
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	for i, w := range want {
		r, _ := d.Verify("000000", now, p)
		if r.Outcome != Rejected {
			// 000000 could be right by chance; the RFC key's code at t0 is not.
			t.Fatalf("attempt %d: %v", i+1, r.Outcome)
		}
		if got := ThrottleDelay(p.ThrottleFactor, d.Failures); got != w {
			t.Fatalf("after %d failures delay %v, want %v", d.Failures, got, w)
		}
		// Just before the delay ends: throttled and not counted.
		r, _ = d.Verify(codeAt(t, d, now, 0), now.Add(w-time.Millisecond), p)
		if r.Outcome != Throttled || d.Failures != i+1 || r.RetryAfter != time.Millisecond {
			t.Fatalf("inside back-off: %v failures %d retry %v", r.Outcome, d.Failures, r.RetryAfter)
		}
		now = now.Add(w)
	}
	r, _ := d.Verify(codeAt(t, d, now, 0), now, p)
	if r.Outcome != Accepted || d.Failures != 0 || !d.LastFailure.IsZero() {
		t.Fatalf("success after back-off: %v failures %d", r.Outcome, d.Failures)
	}
	if ThrottleDelay(1, 10_000) <= 0 {
		t.Fatal("huge failure counts must not overflow the delay")
	}
	if ThrottleDelay(0, 5) != 0 {
		t.Fatal("factor 0 disables throttling")
	}
}

func TestHardLockout(t *testing.T) {
	d := totpDevice()
	p := Policy{LockoutThreshold: 3}
	for i := 0; i < 3; i++ {
		d.Verify("000000", t0.Add(time.Duration(i)*time.Minute), p)
	}
	if !d.LockedOut {
		t.Fatal("device should be locked out after 3 failures")
	}
	later := t0.Add(time.Hour)
	r, _ := d.Verify(codeAt(t, d, later, 0), later, p)
	if r.Outcome != LockedOut {
		t.Fatalf("a right code while locked out: %v", r.Outcome)
	}
	d.Unlock()
	r, _ = d.Verify(codeAt(t, d, later, 0), later, p)
	if r.Outcome != Accepted {
		t.Fatalf("after unlock: %v", r.Outcome)
	}
}

func TestDisabledAndConfirmation(t *testing.T) {
	d := totpDevice()
	d.Enabled = false
	if r, _ := d.Verify(codeAt(t, d, t0, 0), t0, policy); r.Outcome != Disabled {
		t.Fatalf("disabled device: %v", r.Outcome)
	}
	d.Enabled, d.Confirmed = true, false
	r, _ := d.Verify(codeAt(t, d, t0, 0), t0, policy)
	if r.Outcome != Accepted || !r.Confirmed || !d.Confirmed {
		t.Fatalf("first good code should confirm: %+v confirmed=%v", r, d.Confirmed)
	}
}

func TestMalformedCodeIsNotAFailure(t *testing.T) {
	d := totpDevice()
	for _, c := range []string{"12a456", "12345", "1234567", ""} {
		_, err := d.Verify(c, t0, policy)
		if !errors.Is(err, ErrMalformedCode) {
			t.Errorf("code %q: err %v, want ErrMalformedCode", c, err)
		}
	}
	if d.Failures != 0 {
		t.Fatalf("malformed codes counted %d failures", d.Failures)
	}
	// Spaces as apps display them are fine.
	c := codeAt(t, d, t0, 0)
	if r, err := d.Verify(c[:3]+" "+c[3:], t0, policy); err != nil || r.Outcome != Accepted {
		t.Fatalf("grouped code: %v %v", r.Outcome, err)
	}
}

func TestHOTPCounterAdvances(t *testing.T) {
	d := &Device{Name: "tok", Kind: HOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: rfcKey, Tolerance: 5, Enabled: true, Confirmed: true}
	// RFC 4226 Appendix D: counter 3 is 969429.
	r, _ := d.Verify("969429", t0, policy)
	if r.Outcome != Accepted || d.Counter != 4 || r.Match.Offset != 3 {
		t.Fatalf("outcome %v counter %d offset %d", r.Outcome, d.Counter, r.Match.Offset)
	}
	if r, _ := d.Verify("969429", t0, policy); r.Outcome != Rejected {
		t.Fatal("a HOTP code must not be accepted twice")
	}
	// Counter 9 (520489) is 5 ahead of 4: at the edge of tolerance 5.
	if r, _ := d.Verify("520489", t0.Add(time.Hour), policy); r.Outcome != Accepted || d.Counter != 10 {
		t.Fatalf("edge of look-ahead: %v counter %d", r.Outcome, d.Counter)
	}
}

func TestBackupCodes(t *testing.T) {
	d, codes, err := NewBackupDevice("backup", t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != BackupCodeCount || len(d.Codes) != BackupCodeCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(d.Codes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if seen[c] {
			t.Fatalf("duplicate code %q", c)
		}
		seen[c] = true
		for _, h := range d.Codes {
			if strings.Contains(string(h.Hash), strings.ReplaceAll(c, "-", "")) {
				t.Fatal("a hash contains its code in plain text")
			}
		}
		d.Codes[i].ID = int64(i + 1)
	}
	// Typed in capitals without the dash: accepted once.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	r, err := d.Verify(typed, t0, policy)
	if err != nil || r.Outcome != Accepted || r.UsedCode != 4 || len(d.Codes) != 9 {
		t.Fatalf("backup code: %v %v used %d left %d", r.Outcome, err, r.UsedCode, len(d.Codes))
	}
	r, _ = d.Verify(codes[3], t0.Add(time.Minute), policy)
	if r.Outcome != Rejected {
		t.Fatalf("a used backup code: %v", r.Outcome)
	}
	if _, err := d.Verify("not-a-code!", t0.Add(time.Hour), policy); !errors.Is(err, ErrMalformedCode) {
		t.Fatalf("malformed backup code: %v", err)
	}
	old := codes
	codes, err = d.RegenerateCodes()
	if err != nil {
		t.Fatal(err)
	}
	r, _ = d.Verify(old[0], t0.Add(2*time.Hour), policy)
	if r.Outcome != Rejected {
		t.Fatal("codes from before a regeneration must stop working")
	}
	if !LooksLikeBackupCode(codes[0]) || LooksLikeBackupCode("123456") {
		t.Fatal("LooksLikeBackupCode misclassifies")
	}
}

func TestResyncTOTP(t *testing.T) {
	d := totpDevice()
	d.Failures = 4
	d.LastFailure = t0
	// The token's clock ran 500 steps (~4 hours) ahead.
	c1, c2 := codeAt(t, d, t0, 500), codeAt(t, d, t0, 501)
	r, err := d.Resync([]string{c1, c2}, t0, otpcore.DefaultResyncRadius)
	if err != nil {
		t.Fatal(err)
	}
	if r.OldDrift != 0 || r.NewDrift != 501 || d.Drift != 501 || r.Match.Offset != 501 || d.Failures != 0 {
		t.Fatalf("resync: %+v drift %d failures %d", r, d.Drift, d.Failures)
	}
	// The codes used cannot be replayed afterwards.
	if res, _ := d.Verify(c2, t0, policy); res.Outcome != Rejected {
		t.Fatalf("replay of a resync code: %v", res.Outcome)
	}
	// The next code of the token is accepted at the new drift.
	later := t0.Add(30 * time.Second)
	if res, _ := d.Verify(codeAt(t, d, later, 501), later, policy); res.Outcome != Accepted {
		t.Fatalf("after resync: %v", res.Outcome)
	}
	if _, err := d.Resync([]string{c1}, t0, 1000); err == nil {
		t.Fatal("a single code over a wide window must be refused")
	}
	if _, err := d.Resync([]string{"12345a", c2}, t0, 10); !errors.Is(err, ErrMalformedCode) {
		t.Fatalf("malformed resync code: %v", err)
	}
}

func TestAnalyzeDrift(t *testing.T) {
	d := totpDevice()
	d.Hardware = true
	// One step gained every 10 days, samples over 60 days, last used at day 60.
	var samples []DriftSample
	for day := 0; day <= 60; day += 5 {
		samples = append(samples, DriftSample{At: t0.Add(time.Duration(day) * 24 * time.Hour), Drift: int64(day / 10)})
	}
	// A tolerance of 10 keeps the stored drift (6) inside it, so only the
	// trend decides the flag here.
	d.Drift, d.Tolerance = 6, 10
	d.LastUsed = samples[len(samples)-1].At
	now := d.LastUsed.Add(24 * time.Hour)
	tr := AnalyzeDrift(d, samples, now, 120*24*time.Hour)
	if tr.RatePerDay < 0.09 || tr.RatePerDay > 0.11 {
		t.Fatalf("rate %.3f steps/day, want about 0.1", tr.RatePerDay)
	}
	// Tolerance 10 (+ half a step) at 0.1 steps/day: 105 days after last use.
	wantLeave := d.LastUsed.Add(105 * 24 * time.Hour)
	if diff := tr.LeavesTolerance.Sub(wantLeave); diff < -5*24*time.Hour || diff > 5*24*time.Hour {
		t.Fatalf("leaves tolerance at %v, want about %v", tr.LeavesTolerance, wantLeave)
	}
	if !tr.Flag {
		t.Fatal("a token leaving tolerance within the horizon must be flagged")
	}
	if tr := AnalyzeDrift(d, samples, now, 30*24*time.Hour); tr.Flag {
		t.Fatalf("not flagged within a 30-day horizon, got %+v", tr)
	}
	steady := []DriftSample{{At: t0, Drift: 2}, {At: t0.Add(40 * 24 * time.Hour), Drift: 2}}
	if tr := AnalyzeDrift(d, steady, now, 365*24*time.Hour); tr.Flag || tr.RatePerDay != 0 {
		t.Fatalf("steady token flagged: %+v", tr)
	}
	if tr := AnalyzeDrift(d, samples[:1], now, time.Hour); tr.Flag || tr.Advice != "not enough history yet" {
		t.Fatalf("one sample: %+v", tr)
	}
}

func TestValidate(t *testing.T) {
	for name, mutate := range map[string]func(*Device){
		"digits 5":      func(d *Device) { d.Digits = 5 },
		"digits 9":      func(d *Device) { d.Digits = 9 },
		"step 0":        func(d *Device) { d.Step = 0 },
		"step negative": func(d *Device) { d.Step = -30 },
		"no secret":     func(d *Device) { d.Secret = nil },
		"long secret":   func(d *Device) { d.Secret = make([]byte, otpcore.MaxKeyLen+1) },
		"escape name":   func(d *Device) { d.Name = "x\x1b[31m" },
		"bidi serial":   func(d *Device) { d.Serial = "AB\u202eC" },
		"tolerance":     func(d *Device) { d.Tolerance = MaxTolerance + 1 },
		"kind":          func(d *Device) { d.Kind = "sms" },
		"empty name":    func(d *Device) { d.Name = "" },
	} {
		d := totpDevice()
		mutate(d)
		if err := d.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	if err := totpDevice().Validate(); err != nil {
		t.Fatalf("a valid device: %v", err)
	}
}

func TestSettings(t *testing.T) {
	s := DefaultSettings("host")
	if err := s.Set("tolerance", "3"); err != nil || s.Tolerance != 3 {
		t.Fatalf("set tolerance: %v %d", err, s.Tolerance)
	}
	for key, bad := range map[string]string{"tolerance": "-1", "throttle-factor": "x", "issuer": "a:b", "resync-window": "5", "follow-drift": "maybe", "nope": "1"} {
		if err := s.Set(key, bad); err == nil {
			t.Errorf("set %s=%q accepted", key, bad)
		}
	}
	m := s.Map()
	var back Settings
	for k, v := range m {
		if err := back.Set(k, v); err != nil {
			t.Fatalf("round trip %s=%s: %v", k, v, err)
		}
	}
	if back != s {
		t.Fatalf("settings round trip: %+v != %+v", back, s)
	}
}

// The advice's date is in the zone of the now it is given, not in that of
// the samples (which a store reads in the machine's zone): 23:00 UTC is
// the next day at UTC+13.
func TestDriftAdviceDateInTheZoneOfNow(t *testing.T) {
	d := totpDevice()
	d.Tolerance = 1
	t0 := time.Date(2026, 1, 1, 23, 0, 0, 0, time.UTC)
	samples := []DriftSample{{At: t0, Drift: 0}, {At: t0.Add(10 * 24 * time.Hour), Drift: 1}}
	d.LastUsed = samples[1].At // leaves tolerance 15 days later, at 23:00 UTC
	far := time.FixedZone("UTC+13", 13*3600)
	for zone, want := range map[*time.Location]string{time.UTC: "2026-01-26", far: "2026-01-27"} {
		tr := AnalyzeDrift(d, samples, d.LastUsed.Add(24*time.Hour).In(zone), 30*24*time.Hour)
		if !strings.HasSuffix(tr.Advice, "before "+want) {
			t.Errorf("now in %s: advice %q, want the date %s", zone, tr.Advice, want)
		}
	}
}

// TestAnalyzeDriftOutsideTolerance: a token whose stored drift is already
// further from our clock than its tolerance is flagged at once, with or
// without the history a trend needs (issue 8: +21 steps at tolerance 1
// read "not enough history yet").
func TestAnalyzeDriftOutsideTolerance(t *testing.T) {
	d := totpDevice()
	d.Hardware, d.Drift = true, 21
	now := t0.Add(24 * time.Hour)
	for _, samples := range [][]DriftSample{nil, {{At: t0, Drift: 21}}, {{At: t0, Drift: 21}, {At: now, Drift: 21}}} {
		tr := AnalyzeDrift(d, samples, now, 30*24*time.Hour)
		if !tr.Flag || !strings.Contains(tr.Advice, "10 min 30 s ahead (+21 steps)") || !strings.Contains(tr.Advice, "tolerance of ±1") {
			t.Errorf("%d samples: drift +21 at tolerance 1: %+v", len(samples), tr)
		}
	}
	d.Drift = -1 // inside ±1: nothing to say without history
	if tr := AnalyzeDrift(d, nil, now, 30*24*time.Hour); tr.Flag {
		t.Errorf("drift -1 at tolerance 1 flagged: %+v", tr)
	}
}

// A failure count at its top (a Django site's row can hold any value its
// column takes) stays there: it never wraps to a negative count that
// would lift the throttle or break the site's CHECK constraint.
func TestFailureCountSaturates(t *testing.T) {
	for _, r := range []Rules{OwnRules, DjangoRules} {
		d := &Device{Name: "d", Kind: TOTP, Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: []byte("12345678901234567890"),
			Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Failures: MaxFailures - 1}
		now := time.Unix(1_800_000_000, 0)
		for i := range 3 {
			d.LastFailure = time.Time{} // not throttled: every try counts
			if _, err := d.Verify("000000", now.Add(time.Duration(i)*time.Hour), Policy{Rules: r}); err != nil {
				t.Fatal(err)
			}
		}
		if d.Failures != MaxFailures {
			t.Errorf("rules %q: %d failures after three more at the top, want %d", r, d.Failures, MaxFailures)
		}
	}
}
