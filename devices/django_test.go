package devices

import (
	"regexp"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// djangoPolicy is a Django site's: django-otp's rules, OTP_TOTP_SYNC on,
// throttle factor 1, and a lockout threshold the rules must ignore.
var djangoPolicy = Policy{Rules: DjangoRules, ThrottleFactor: 1, FollowDrift: true, LockoutThreshold: 3}

// rfc4226Codes are RFC 4226 Appendix D's HOTP values for counters 0..9,
// which django_otp.oath.hotp's doctest also lists.
var rfc4226Codes = []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}

func djangoHOTP(counter uint64, tol int) *Device {
	return &Device{Name: "default", Kind: HOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: rfcKey,
		Tolerance: tol, Counter: counter, Enabled: true, Confirmed: true}
}

func TestDjangoHOTPKnownAnswers(t *testing.T) {
	for c, code := range rfc4226Codes {
		d := djangoHOTP(uint64(c), 0)
		if r, err := d.Verify(code, t0, djangoPolicy); err != nil || r.Outcome != Accepted || d.Counter != uint64(c)+1 {
			t.Fatalf("counter %d code %s: %v %v, counter now %d", c, code, r.Outcome, err, d.Counter)
		}
	}
	// The notes' run: counter 0, tolerance 5 (django-otp's default),
	// token 969429 (counter 3) -> accepted, counter becomes 4.
	d := djangoHOTP(0, 5)
	if r, _ := d.Verify("969429", t0, djangoPolicy); r.Outcome != Accepted || d.Counter != 4 || r.Match.Offset != 3 {
		t.Fatalf("969429 at counter 0: %v, counter %d", r.Outcome, d.Counter)
	}
	// Counter 10 is one beyond counter 4 + tolerance 5.
	d = djangoHOTP(4, 5)
	if r, _ := d.Verify("520489", t0, djangoPolicy); r.Outcome != Accepted || d.Counter != 10 {
		t.Fatalf("edge of the look-ahead: %v counter %d", r.Outcome, d.Counter)
	}
	d = djangoHOTP(3, 5)
	d.Counter = 4
	if r, _ := d.Verify("969429", t0, djangoPolicy); r.Outcome != Rejected || d.Counter != 4 || d.Failures != 1 {
		t.Fatalf("a used HOTP code: %v counter %d failures %d", r.Outcome, d.Counter, d.Failures)
	}
}

// TestDjangoTOTPDriftAndReplayRuns replays the runs of the notes (§1.2) on
// a Django device: +1 step accepted with drift 1 and last_t T+1, the replay
// refused and counted; 3 steps ahead refused, then accepted with drift set
// to 3 by hand, drift staying 3.
func TestDjangoTOTPDriftAndReplayRuns(t *testing.T) {
	T := t0.Unix() / 30
	d := totpDevice()
	code := codeAt(t, d, t0, 1)
	if r, _ := d.Verify(code, t0, djangoPolicy); r.Outcome != Accepted || d.Drift != 1 || d.LastStep != T+1 {
		t.Fatalf("+1 step: %v drift %d last_t %d (T %d)", r.Outcome, d.Drift, d.LastStep, T)
	}
	if r, _ := d.Verify(code, t0.Add(time.Second), djangoPolicy); r.Outcome != Rejected || d.Failures != 1 {
		t.Fatalf("replay: %v failures %d", r.Outcome, d.Failures)
	}

	d = totpDevice()
	ahead := codeAt(t, d, t0, 3)
	if r, _ := d.Verify(ahead, t0, djangoPolicy); r.Outcome != Rejected || d.Drift != 0 {
		t.Fatalf("3 steps ahead with drift 0: %v drift %d", r.Outcome, d.Drift)
	}
	d.Drift, d.Failures, d.LastFailure = 3, 0, time.Time{}
	if r, _ := d.Verify(ahead, t0, djangoPolicy); r.Outcome != Accepted || d.Drift != 3 || d.LastStep != T+3 {
		t.Fatalf("3 steps ahead with drift 3: %v drift %d last_t %d", r.Outcome, d.Drift, d.LastStep)
	}

	// Drift follow-up is cumulative: +1 on top of a stored +3 is +4.
	later := t0.Add(time.Hour)
	if r, _ := d.Verify(codeAt(t, d, later, 4), later, djangoPolicy); r.Outcome != Accepted || d.Drift != 4 {
		t.Fatalf("cumulative drift: %v drift %d", r.Outcome, d.Drift)
	}
	// Without OTP_TOTP_SYNC the stored drift is applied but never moves;
	// last_t still records the step that matched.
	noSync := djangoPolicy
	noSync.FollowDrift = false
	muchLater := t0.Add(2 * time.Hour)
	if r, _ := d.Verify(codeAt(t, d, muchLater, 5), muchLater, noSync); r.Outcome != Accepted || d.Drift != 4 || d.LastStep != muchLater.Unix()/30+5 {
		t.Fatalf("OTP_TOTP_SYNC off: %v drift %d last_t %d", r.Outcome, d.Drift, d.LastStep)
	}
}

// collidingSteps finds two steps at most span apart at which key shows the
// same six-digit code, the lower one first.
func collidingSteps(t *testing.T, key []byte, span int64) (int64, int64) {
	t.Helper()
	g, err := otpcore.NewGenerator(otpcore.SHA1, key, 6)
	if err != nil {
		t.Fatal(err)
	}
	last := map[uint32]int64{}
	base := t0.Unix() / 30
	for s := base; s < base+5_000_000; s++ {
		v := g.Value(uint64(s))
		if p, ok := last[v]; ok && s-p <= span {
			return p, s
		}
		last[v] = s
	}
	t.Fatal("no two steps with the same code found")
	return 0, 0
}

// TestDjangoTOTPTriesTheMostNegativeOffsetFirst: when the typed code is
// shown at two steps of the window, django-otp takes the earlier one
// (offsets -tol..+tol in order), even when the later one is the step
// expected now, and stores its drift and last_t. Our own rules take the
// nearest.
func TestDjangoTOTPTriesTheMostNegativeOffsetFirst(t *testing.T) {
	lo, hi := collidingSteps(t, rfcKey, MaxTolerance)
	d := totpDevice()
	d.Tolerance = int(hi - lo)
	code, _ := otpcore.HOTP(otpcore.SHA1, rfcKey, uint64(hi), 6)
	now := time.Unix(hi*30, 0) // our step is hi: offset 0 matches too
	own := *d
	if r, _ := own.Verify(code, now, policy); r.Outcome != Accepted || own.LastStep != hi {
		t.Fatalf("own rules: %v last step %d, want %d", r.Outcome, own.LastStep, hi)
	}
	if r, _ := d.Verify(code, now, djangoPolicy); r.Outcome != Accepted || d.LastStep != lo || d.Drift != lo-hi {
		t.Fatalf("django rules: %v last_t %d drift %d, want %d and %d", r.Outcome, d.LastStep, d.Drift, lo, lo-hi)
	}
}

// TestDjangoCodeIsPythonInt: the typed code is compared as int(token).
func TestDjangoCodeIsPythonInt(t *testing.T) {
	accepted := []string{"755224", " 755224\n", "0755224", "00000755224", "+755224", "755_224", "7_5_5_2_2_4",
		"\u0667\u0665\u0665\u0662\u0662\u0664", "\uff17\uff15\uff15\uff12\uff12\uff14", "\u0085755224\u3000", "\t+0_755224 "}
	refused := []string{"", " ", "-755224", "755224a", "75 5224", "\x1c755224", "755224\x1f", "_755224", "755224_", "755__224", "+-755224",
		"+ 755224", "755224.0", "0x0b8618", "\xff755224", "7552240", "75522", "abcdefgh"}
	for _, s := range accepted {
		d := djangoHOTP(0, 0)
		if r, err := d.Verify(s, t0, djangoPolicy); err != nil || r.Outcome != Accepted {
			t.Errorf("%q: %v %v, want accepted as int() reads it", s, r.Outcome, err)
		}
	}
	for _, s := range refused {
		d := djangoHOTP(0, 0)
		r, err := d.Verify(s, t0, djangoPolicy)
		if err != nil || r.Outcome != Rejected || d.Failures != 1 {
			t.Errorf("%q: %v %v failures %d, want a counted rejection", s, r.Outcome, err, d.Failures)
		}
	}
	// A code whose value is 0 (leading zeros) matches "-0" and "0" too.
	if v, ok := pythonInt("-0"); !ok || v != 0 {
		t.Errorf("int('-0') = %d %v", v, ok)
	}
	long := make([]byte, pythonMaxStrDigits+1)
	for i := range long {
		long[i] = '0'
	}
	if _, ok := pythonInt(string(long)); ok {
		t.Error("Python refuses more than 4300 digits")
	}
	if v, ok := pythonInt(string(long[1:])); !ok || v != 0 {
		t.Error("4300 zeros are int 0")
	}
}

func TestDjangoNonNumericCodeCountsAsFailure(t *testing.T) {
	d := totpDevice()
	r, err := d.Verify("not a code", t0, djangoPolicy)
	if err != nil || r.Outcome != Rejected || d.Failures != 1 || !d.LastFailure.Equal(t0) {
		t.Fatalf("%v %v failures %d", r.Outcome, err, d.Failures)
	}
}

func TestDjangoThrottleWithoutLockout(t *testing.T) {
	d := djangoHOTP(0, 0)
	at := t0
	for i := 1; i <= 10; i++ {
		if r, _ := d.Verify("000000", at, djangoPolicy); r.Outcome != Rejected || d.Failures != i {
			t.Fatalf("failure %d: %v, count %d", i, r.Outcome, d.Failures)
		}
		wait := ThrottleDelay(1, i)
		// Just before the wait ends: refused, not counted.
		if r, _ := d.Verify("755224", at.Add(wait-time.Microsecond), djangoPolicy); r.Outcome != Throttled || d.Failures != i {
			t.Fatalf("while throttled after %d: %v, count %d", i, r.Outcome, d.Failures)
		}
		at = at.Add(wait)
	}
	if d.LockedOut || d.Failures != 10 || ThrottleDelay(1, 10) != 512*time.Second {
		t.Fatalf("django-otp has no lockout: locked %v failures %d", d.LockedOut, d.Failures)
	}
	if r, _ := d.Verify("755224", at, djangoPolicy); r.Outcome != Accepted || d.Failures != 0 || !d.LastFailure.IsZero() {
		t.Fatalf("success resets throttling: %v failures %d", r.Outcome, d.Failures)
	}
	// A throttle factor of 0 disables throttling.
	d = djangoHOTP(0, 0)
	p := djangoPolicy
	p.ThrottleFactor = 0
	d.Verify("000000", t0, p) //nolint:errcheck
	if r, _ := d.Verify("755224", t0, p); r.Outcome != Accepted {
		t.Fatalf("factor 0: %v", r.Outcome)
	}
}

func djangoStatic(tokens ...string) *Device {
	d := &Device{Name: "backup", Kind: Backup, Enabled: true, Confirmed: true}
	for i, tok := range tokens {
		d.Codes = append(d.Codes, BackupCode{ID: int64(i + 1), Plain: tok})
	}
	return d
}

func TestDjangoStaticTokensExactAndConsumed(t *testing.T) {
	d := djangoStatic("rvfcimo5", "7rzgfcyi", "rvfcimo5")
	p := djangoPolicy
	p.ThrottleFactor = 0
	for _, wrong := range []string{"RVFCIMO5", " rvfcimo5", "rvfci-mo5", "rvfcimo", ""} {
		if r, _ := d.Verify(wrong, t0, p); r.Outcome != Rejected {
			t.Fatalf("%q: %v, want an exact match only", wrong, r.Outcome)
		}
	}
	// The lowest id of equal tokens is consumed first, as .first() does.
	r, err := d.Verify("rvfcimo5", t0, p)
	if err != nil || r.Outcome != Accepted || r.UsedCode != 1 || len(d.Codes) != 2 || d.Failures != 0 {
		t.Fatalf("token: %v %v used %d left %d", r.Outcome, err, r.UsedCode, len(d.Codes))
	}
	if r, _ := d.Verify("rvfcimo5", t0, p); r.Outcome != Accepted || r.UsedCode != 3 {
		t.Fatalf("the second equal token: %v used %d", r.Outcome, r.UsedCode)
	}
	if r, _ := d.Verify("rvfcimo5", t0, p); r.Outcome != Rejected {
		t.Fatalf("a consumed token: %v", r.Outcome)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("a Django static device has no secret and is valid: %v", err)
	}
}

func TestDjangoBackupTokensFormat(t *testing.T) {
	d, plain, err := NewBackupDeviceUnder(DjangoRules, "backup", t0)
	if err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^[a-z2-7]{8}$`)
	seen := map[string]bool{}
	if len(plain) != DjangoTokenCount || len(d.Codes) != DjangoTokenCount || d.Secret != nil || !d.PlainCodes() {
		t.Fatalf("%d tokens, %d codes, secret %v", len(plain), len(d.Codes), d.Secret != nil)
	}
	for i, tok := range plain {
		if !format.MatchString(tok) || seen[tok] || d.Codes[i].Plain != tok {
			t.Fatalf("token %d %q: not django-otp's format, repeated, or not stored as typed", i, tok)
		}
		seen[tok] = true
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if r, _ := d.Verify(plain[4], t0, djangoPolicy); r.Outcome != Accepted || len(d.Codes) != 9 {
		t.Fatalf("a fresh token: %v", r.Outcome)
	}
	old := plain[0]
	if plain, err = d.RegenerateCodesUnder(DjangoRules); err != nil || len(plain) != 10 {
		t.Fatal(err)
	}
	if r, _ := d.Verify(old, t0, djangoPolicy); r.Outcome != Rejected {
		t.Fatal("tokens from before a regeneration must stop working")
	}
	// Over many tokens every character of the alphabet shows up.
	all := map[rune]bool{}
	for range 50 {
		p, _ := d.RegenerateCodesUnder(DjangoRules)
		for _, tok := range p {
			for _, c := range tok {
				all[c] = true
			}
		}
	}
	if len(all) != 32 {
		t.Fatalf("%d distinct characters in 4000, want all 32 of [a-z2-7]", len(all))
	}
}

func TestValidateBackupCodeForms(t *testing.T) {
	own, _, _ := NewBackupDevice("backup", t0)
	mixed := *own
	mixed.Codes = append([]BackupCode{{Plain: "abcdefgh"}}, own.Codes...)
	long := djangoStatic()
	long.Codes = []BackupCode{{Plain: "abcdefghijklmnopq"}}
	ctl := djangoStatic()
	ctl.Codes = []BackupCode{{Plain: "abc\x1bdef"}}
	hashed := djangoStatic()
	hashed.Codes = []BackupCode{{Hash: []byte{1}}}
	for name, d := range map[string]*Device{"plain code beside hashed ones": &mixed, "17 characters": long,
		"control character": ctl, "hashed code without a secret": hashed} {
		if err := d.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A token the site already holds (it has an id) is the site's own.
	kept := djangoStatic("abcdefghijklmnopq")
	if err := kept.Validate(); err != nil {
		t.Errorf("an existing token: %v", err)
	}
	if err := own.Validate(); err != nil {
		t.Errorf("our own backup codes: %v", err)
	}
}

func TestDjangoFit(t *testing.T) {
	ok := totpDevice()
	if err := ok.DjangoFit(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Device){
		"SHA-256":      func(d *Device) { d.Algorithm = otpcore.SHA256 },
		"7 digits":     func(d *Device) { d.Digits = 7 },
		"step 40000":   func(d *Device) { d.Step = 40000 },
		"drift -40000": func(d *Device) { d.Drift = -40000 },
	} {
		d := totpDevice()
		change(d)
		if err := d.DjangoFit(); err == nil {
			t.Errorf("%s fits a Django site", name)
		}
	}
	if err := djangoHOTP(1<<40, 5).DjangoFit(); err != nil {
		t.Errorf("a HOTP device with a large counter: %v", err)
	}
}
