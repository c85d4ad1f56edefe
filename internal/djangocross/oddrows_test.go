package djangocross

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
)

// oddDevice is a TOTP device whose row holds a value Django's ORM lets in
// and its verify_token works with, though its forms would not write it,
// and the step offset at which the test's code lies.
type oddDevice struct {
	name   string
	key    string // as stored
	digits int
	tol    int
	drift  int
	offset int64 // from the device's expected step: ±1 moves drift beyond the column
}

var oddDevices = []oddDevice{
	{"upper-hex", strings.ToUpper(hex.EncodeToString([]byte("12345678901234567890"))), 6, 1, 0, 0},
	{"1-byte key", "ab", 6, 1, 0, 0},
	{"40-byte key", strings.Repeat("ab", 40), 6, 1, 0, 0},
	{"41-byte key", strings.Repeat("cd", 41), 6, 1, 0, 0},
	{"8 digits", hex.EncodeToString([]byte("12345678901234567890")), 8, 1, 0, 0},
	{"tolerance 0", hex.EncodeToString([]byte("12345678901234567890")), 6, 0, 0, 0},
	{"drift past max", hex.EncodeToString([]byte("12345678901234567890")), 6, 1, 32767, 1},
	{"drift past min", hex.EncodeToString([]byte("12345678901234567890")), 6, 1, -32768, -1},
}

// TestOddRowsAgreeBothWays: for rows Django's ORM makes and its own
// verify_token works with (upper-case hex, keys of 1 to 41 bytes, 8
// digits, tolerance 0, drift followed past the SmallIntegerField's
// limits, as Django's verify_token does), a code accepted on one side is
// accepted there without error and refused as a replay on the other, in
// both orders. Before, two-factor's store refused to save such a device
// (a 41-byte key, or a drift Django itself had written) and every login
// through two-factor failed with an error.
func TestOddRowsAgreeBothWays(t *testing.T) {
	site := djangosite.New(t)
	svc := open(t, site)
	ctx := context.Background()
	for _, c := range oddDevices {
		for _, twoFactorFirst := range []bool{true, false} {
			user := strings.ReplaceAll(c.name, " ", "-") + map[bool]string{true: "-tf", false: "-dj"}[twoFactorFirst]
			site.CreateUser(user)
			d := site.AddTOTP(user, djangosite.TOTP{Key: c.key, Digits: c.digits, Tolerance: djangosite.Int(c.tol), Drift: c.drift})
			key, err := hex.DecodeString(c.key)
			if err != nil {
				t.Fatal(err)
			}
			code, err := otpcore.HOTP(otpcore.SHA1, key, uint64(nowStep()+int64(c.drift)+c.offset), c.digits)
			if err != nil {
				t.Fatal(err)
			}
			if twoFactorFirst {
				r, err := svc.Verify(ctx, user, "", code)
				if err != nil || !r.Accepted() {
					t.Errorf("%s: two-factor first: %+v %v", c.name, r, err)
				}
				if djangoVerify(t, site, user, d, code) {
					t.Errorf("%s: Django accepted a code two-factor had accepted", c.name)
				}
				continue
			}
			if !djangoVerify(t, site, user, d, code) {
				t.Fatalf("%s: Django refused its own device's code: %v", c.name, site.State(d).Columns)
			}
			r, err := svc.Verify(ctx, user, "", code)
			if err != nil || r.Accepted() {
				t.Errorf("%s: two-factor after Django: %+v %v (want a plain rejection)", c.name, r, err)
			}
			if got := site.State(d).Int("throttling_failure_count"); err == nil && got != 1 {
				t.Errorf("%s: the replay refused by two-factor left failure count %d, want 1", c.name, got)
			}
		}
	}
}

// TestEmptyKeyDeviceStopsNoLogin: a confirmed TOTP device with an empty
// key (Django's ORM stores one; its verify_token then accepts the code
// anyone can compute from an empty key) accepts nothing in two-factor, and
// does not stop the user's other devices from being tried: their backup
// token is accepted by two-factor as django_otp.match_token accepts it.
// Before, the empty key made every verification of the user an error.
func TestEmptyKeyDeviceStopsNoLogin(t *testing.T) {
	site := djangosite.New(t)
	svc := open(t, site)
	ctx := context.Background()
	for _, u := range []string{"ann", "ben"} {
		site.CreateUser(u)
		d := site.AddTOTP(u, djangosite.TOTP{})
		site.SQL("UPDATE otp_totp_totpdevice SET key = '' WHERE id = ?", d.ID)
		site.AddStatic(u, "backup", "abcdefgh")
	}
	if got := djangoMatch(t, site, "ann", "abcdefgh"); got == "" {
		t.Fatal("Django refused ann's backup token")
	}
	r, err := svc.Verify(ctx, "ben", "", "abcdefgh")
	if err != nil || !r.Accepted() {
		t.Fatalf("two-factor on ben's backup token beside an empty-key device: %+v %v", r, err)
	}
	site.Unthrottle()
	if got := djangoMatch(t, site, "ann", emptyKeyCode(nowStep())); got == "" {
		t.Error("Django refused the empty key's code: the documented difference is gone")
	}
	r, err = svc.Verify(ctx, "ben", "", emptyKeyCode(nowStep()))
	if err != nil || r.Accepted() {
		t.Fatalf("two-factor on the empty key's public code: %+v %v (want a rejection)", r, err)
	}
}

// emptyKeyCode is the 6-digit code of an empty key at counter c, as
// django-otp computes it (otpcore refuses an empty key): RFC 4226 over
// crypto/hmac.
func emptyKeyCode(c int64) string {
	mac := hmac.New(sha1.New, nil)
	binary.Write(mac, binary.BigEndian, uint64(c))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0xf
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// TestBrokenKeyRowLocksNobodyOut: a leftover unconfirmed TOTP row whose
// key is not hex (Django's ORM stores any text; its logins never try an
// unconfirmed device) does not stop two-factor from listing the user's
// devices, accepting their backup token as Django's match_token does,
// generating new tokens, or removing the broken row. Before, every read
// of the user failed on that row, so the admin could not even remove it.
func TestBrokenKeyRowLocksNobodyOut(t *testing.T) {
	site := djangosite.New(t)
	svc := open(t, site)
	ctx := context.Background()
	for _, u := range []string{"ann", "ben"} {
		site.CreateUser(u)
		d := site.AddTOTP(u, djangosite.TOTP{Name: "half-enrolled", Unconfirmed: true})
		site.SQL("UPDATE otp_totp_totpdevice SET key = 'not hex at all' WHERE id = ?", d.ID)
		site.AddStatic(u, "backup", "abcdefgh", "ijklmnop")
	}
	if got := djangoMatch(t, site, "ann", "abcdefgh"); got == "" {
		t.Fatal("Django refused ann's backup token")
	}
	ds, err := svc.Devices(ctx, "ben")
	if err != nil || len(ds) != 2 {
		t.Fatalf("ben's devices: %v %v", ds, err)
	}
	if r, err := svc.Verify(ctx, "ben", "", "abcdefgh"); err != nil || !r.Accepted() {
		t.Fatalf("ben's backup token: %+v %v", r, err)
	}
	if _, err := svc.ChangeDevice(ctx, "ben", "half-enrolled", service.ActionRemove, ""); err != nil {
		t.Fatalf("removing the broken row: %v", err)
	}
	if n := site.SQL("SELECT count(*) FROM otp_totp_totpdevice WHERE key = 'not hex at all'")[0][0]; n != float64(1) && n != int64(1) {
		t.Fatalf("broken rows left: %v (want ann's only)", n)
	}
}

// TestThrottleStampWithOffsetReadAlike: a throttling timestamp stored with
// an offset (Django reads "…+01:00" as that instant) throttles two-factor
// exactly when it throttles Django: a failure an hour ago in +01:00 text
// written as the local time of a site at UTC+1 does not throttle either,
// one a second ago does throttle both.
func TestThrottleStampWithOffsetReadAlike(t *testing.T) {
	site := djangosite.New(t)
	svc := open(t, site)
	ctx := context.Background()
	plus1 := time.FixedZone("", 3600)
	for _, c := range []struct {
		user      string
		ago       time.Duration
		throttled bool
	}{{"recent", time.Second, true}, {"old", 10 * time.Minute, false}} {
		site.CreateUser(c.user)
		d := site.AddTOTP(c.user, djangosite.TOTP{})
		stamp := time.Now().Add(-c.ago).In(plus1).Format("2006-01-02 15:04:05.000000-07:00")
		site.SQL("UPDATE otp_totp_totpdevice SET throttling_failure_count = 3, throttling_failure_timestamp = ? WHERE id = ?", stamp, d.ID)
		code := totpCode(t, d.Key, nowStep())
		r, err := svc.Verify(ctx, c.user, "", code)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Outcome == devices.Throttled; got != c.throttled {
			t.Errorf("%s (%s): two-factor says %s", c.user, stamp, r.Outcome)
		}
		// Django, on the next step's code (the first may have been used).
		site.SQL("UPDATE otp_totp_totpdevice SET throttling_failure_count = 3, throttling_failure_timestamp = ? WHERE id = ?", stamp, d.ID)
		if ok := djangoVerify(t, site, c.user, d, totpCode(t, d.Key, nowStep()+1)); ok == c.throttled {
			t.Errorf("%s (%s): Django accepted=%v", c.user, stamp, ok)
		}
	}
}
