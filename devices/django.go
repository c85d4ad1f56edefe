package devices

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// django-otp's verification, kept exactly for a Django site's database
// (Policy.Rules == DjangoRules), where the site's own logins verify the
// same devices: what Django accepts two-factor accepts, what it refuses
// two-factor refuses, and both leave the same drift, last_t, counter and
// throttling state behind. From django_otp 1.1.3 and 1.7
// (plugins/otp_totp, otp_hotp, otp_static and models.ThrottlingMixin):
//
//   - a code is the number Python's int(token) makes of it (pythonInt);
//     a string int() refuses is a wrong code and counts as a failure;
//   - TOTP tries t = T+drift+offset for offset -tolerance..+tolerance, the
//     most negative first, skipping t <= last_t; the first match wins,
//     last_t becomes t and, with OTP_TOTP_SYNC (FollowDrift), drift
//     becomes drift+offset;
//   - HOTP tries counter..counter+tolerance and stores match+1;
//   - a static token is an exact, case-sensitive match of the typed string
//     with a stored plain token, which is then deleted;
//   - throttling as ours (factor·2^(n-1) s after the latest failure),
//     never a hard lockout.

// djangoVerify is Verify's dispatch under DjangoRules. ok reports a match;
// a non-nil error is a device that cannot verify at all.
func (d *Device) djangoVerify(code string, now time.Time, p Policy) (Result, bool, error) {
	if d.Kind.IsOTP() && !d.djangoUsable() {
		// It counts a failure like any wrong code, and the user's other
		// devices are still tried.
		return Result{}, false, nil
	}
	switch d.Kind {
	case TOTP:
		return d.djangoTOTP(code, now, p)
	case HOTP:
		return d.djangoHOTP(code)
	case Backup:
		return d.djangoStatic(code)
	}
	return Result{}, false, fmt.Errorf("device kind %q cannot verify codes", string(d.Kind))
}

// djangoUsable reports whether a TOTP or HOTP device read from a Django
// site can be verified here. Django's ORM stores rows its forms never make
// (the columns' CHECKs only ask for >= 0), and on those django-otp either
// fails (a step of 0 divides by zero), crawls and accepts almost any code
// (a tolerance beyond the SmallIntegerField: 2e9 steps either side), or
// accepts the code anyone can compute (an empty key, or one that is not
// hex, which the store reads as empty). Such a device accepts nothing
// here.
func (d *Device) djangoUsable() bool {
	return (len(d.Secret) > 0 || len(d.Keyed) > 0) &&
		d.Digits >= otpcore.MinDigits && d.Digits <= otpcore.MaxDigits &&
		d.Tolerance >= 0 && d.Tolerance <= djangoMaxSmallUint &&
		(d.Kind != TOTP || d.Step >= 1)
}

func (d *Device) djangoTOTP(code string, now time.Time, p Policy) (Result, bool, error) {
	g, err := d.acquireGenerator()
	if err != nil {
		return Result{}, false, err
	}
	defer g.Release()
	want, numeric := pythonInt(code)
	ours := d.params().StepAt(now.Unix())
	tol := int64(max(d.Tolerance, 0))
	for off := -tol; off <= tol; off++ {
		step := ours + d.Drift + off
		// step < 0 has no code (django-otp would raise packing it).
		if step <= d.LastStep || step < 0 {
			continue
		}
		if numeric && valueEquals(g.Value(uint64(step)), want) {
			m := otpcore.Match{Step: step, Offset: off, Drift: d.Drift + off}
			d.RaiseFloor(step)
			// django-otp writes drift+offset unchecked; past its
			// SmallIntegerField (11 days of steps) we keep the drift as it
			// is rather than write what Django's own forms refuse: the
			// floor above still stops the code's replay on both sides.
			if p.FollowDrift && djangoDriftFits(m.Drift) {
				d.Drift = m.Drift
			}
			return Result{Match: m, DriftSample: DriftSample{At: now, Drift: m.Drift}}, true, nil
		}
	}
	return Result{}, false, nil
}

func (d *Device) djangoHOTP(code string) (Result, bool, error) {
	g, err := d.acquireGenerator()
	if err != nil {
		return Result{}, false, err
	}
	defer g.Release()
	want, numeric := pythonInt(code)
	if !numeric {
		return Result{}, false, nil
	}
	for i := 0; i <= max(d.Tolerance, 0); i++ {
		c := d.Counter + uint64(i)
		if c >= otpcore.MaxCounter || c < d.Counter {
			break // used up; never wrap to counters already shown
		}
		if valueEquals(g.Value(c), want) {
			d.AdvanceCounter(otpcore.CounterAfter(c))
			return Result{Match: otpcore.Match{Step: int64(c), Offset: int64(i)}}, true, nil
		}
	}
	return Result{}, false, nil
}

// valueEquals compares a code's value with a typed number in constant time.
func valueEquals(code uint32, typed uint64) bool {
	return subtle.ConstantTimeEq(int32(typed>>32), 0)&subtle.ConstantTimeEq(int32(uint32(typed)), int32(code)) == 1
}

// djangoStatic matches code against the plain static tokens, comparing
// every one so timing does not tell which matched; the first equal token
// (django-otp takes .first(), the lowest id) is consumed.
func (d *Device) djangoStatic(code string) (Result, bool, error) {
	res, ok := d.consumeCode(func(c BackupCode) bool { return subtle.ConstantTimeCompare([]byte(c.Plain), []byte(code)) == 1 })
	return res, ok, nil
}

// DjangoTokenCount is how many static tokens django-two-factor-auth's
// backup-token page makes (BackupTokensView.number_of_tokens).
const DjangoTokenCount = 10

// maxStaticTokenLen is otp_static_statictoken.token's max_length.
const maxStaticTokenLen = 16

// randomStaticToken is django-otp's StaticToken.random_token(): five
// random bytes in lower-case base32, eight characters of [a-z2-7].
func randomStaticToken() (string, error) {
	var raw [5]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.EncodeToString(raw[:])), nil
}

// regenerateDjangoTokens replaces a static device's tokens with a fresh
// set in django-otp's format, kept plain (Django compares them so) and
// with no secret.
func (d *Device) regenerateDjangoTokens() ([]string, error) {
	plain := make([]string, DjangoTokenCount)
	codes := make([]BackupCode, DjangoTokenCount)
	for i := range plain {
		tok, err := randomStaticToken()
		if err != nil {
			return nil, err
		}
		plain[i], codes[i] = tok, BackupCode{Plain: tok}
	}
	d.Secret, d.Codes = nil, codes
	return plain, nil
}

// PlainCodes reports whether d is a Django static device: backup codes
// kept as plain tokens, with no secret to key their hashes.
func (d *Device) PlainCodes() bool { return d.Kind == Backup && len(d.Secret) == 0 }

// validateCodes checks a backup device's codes: hashed under a secret
// (ours), or plain tokens a Django site can store and compare (no secret),
// never a mixture.
func (d *Device) validateCodes() error {
	for i, c := range d.Codes {
		if d.PlainCodes() != (c.Plain != "") {
			if c.Plain != "" {
				return fmt.Errorf("backup code %d is plain text on a device whose codes are hashed", i+1)
			}
			return fmt.Errorf("backup code %d has no token on a Django static device", i+1)
		}
		// Tokens already in the site's database (with an id) are the
		// site's business, whatever Django let in; new ones must fit.
		if c.Plain == "" || c.ID != 0 {
			continue
		}
		if len(c.Plain) > maxStaticTokenLen {
			return fmt.Errorf("backup code %d is %d characters long; a Django static token holds at most %d", i+1, len(c.Plain), maxStaticTokenLen)
		}
		if err := ValidateName(fmt.Sprintf("backup code %d", i+1), c.Plain); err != nil {
			return err
		}
	}
	return nil
}

// Limits of django-otp's columns: step is a PositiveSmallIntegerField and
// drift a SmallIntegerField (SQLite would store more, but Django would
// read a value its own forms refuse).
const (
	djangoMaxSmallUint = 32767
	djangoMinSmallInt  = -32768
)

// djangoDriftFits reports whether drift fits django-otp's drift column.
func djangoDriftFits(drift int64) bool {
	return drift >= djangoMinSmallInt && drift <= djangoMaxSmallUint
}

// DjangoFit reports, naming the problem, a TOTP or HOTP device a Django
// site cannot hold or would verify differently: django-otp knows only
// HMAC-SHA1 and its forms only 6 or 8 digits. Nil for other kinds.
func (d *Device) DjangoFit() error {
	if !d.Kind.IsOTP() {
		return nil
	}
	if d.Algorithm != otpcore.SHA1 {
		return fmt.Errorf("%s: django-otp verifies only HMAC-SHA1", d.Algorithm)
	}
	if d.Digits != 6 && d.Digits != 8 {
		return fmt.Errorf("%d digits: django-otp's devices have 6 or 8", d.Digits)
	}
	if d.Tolerance > djangoMaxSmallUint {
		return fmt.Errorf("tolerance %d is beyond django-otp's limit of %d", d.Tolerance, djangoMaxSmallUint)
	}
	if d.Kind == HOTP {
		return nil
	}
	if d.Step < 1 || d.Step > djangoMaxSmallUint {
		return fmt.Errorf("step of %d s is beyond django-otp's limit of %d", d.Step, djangoMaxSmallUint)
	}
	if !djangoDriftFits(d.Drift) {
		return fmt.Errorf("drift of %d steps is beyond django-otp's limits (%d to %d)", d.Drift, djangoMinSmallInt, djangoMaxSmallUint)
	}
	return nil
}
