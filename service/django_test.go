package service

import (
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
)

// djangoSite is a Django site's database made from a dump of real Django
// migrations (db/testdata/django), opened through db.OpenDjango, with a
// plain connection that stands in for Django's ORM to seed and inspect
// rows as Django writes and reads them.
type djangoSite struct {
	*djangofixture.Site
	svc   *Service
	clock *clock
}

func newDjangoSite(t *testing.T, schema string) *djangoSite {
	t.Helper()
	site := djangofixture.New(t, "", schema)
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	st, err := db.OpenDjango(ctx, site.Path, db.Options{KeyFile: site.Path + ".two-factor.key", Create: true, Now: c.now, BusyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := New(st)
	svc.Actor, svc.Now = "tester", c.now
	return &djangoSite{Site: site, svc: svc, clock: c}
}

// failures reads a device's throttling_failure_count as Django would.
func (s *djangoSite) failures(t *testing.T, table string, id int64) int {
	t.Helper()
	return s.Count(t, "SELECT throttling_failure_count FROM "+table+" WHERE id = ?", id)
}

var (
	keyA = []byte("12345678901234567890")
	keyB = []byte("abcdefghijklmnopqrst")
)

// TestDjangoMatchTokenTriesEveryConfirmedDevice: without a device, a code
// goes to every confirmed device in plugin order (TOTP, HOTP, static) until
// one accepts, and each one tried that did not accept counts a failure,
// also those tried before the one that accepted; unconfirmed devices and
// devices after the accepting one are not touched.
func TestDjangoMatchTokenTriesEveryConfirmedDevice(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	alice := s.User(t, "alice")
	totpID := s.TOTP(t, alice, "default", true, keyA)
	pending := s.TOTP(t, alice, "new phone", false, keyB)
	hotpID := s.HOTP(t, alice, "token", keyB)
	staticID := s.Static(t, alice, "backup", "rvfcimo5", "7rzgfcyi")

	// A static token: TOTP and HOTP are tried first and count a failure.
	r, err := s.svc.Verify(ctx, "alice", "", "rvfcimo5")
	if err != nil || !r.Accepted() || r.Device.Kind != devices.Backup {
		t.Fatalf("static token: %+v %v", r, err)
	}
	if s.failures(t, "otp_totp_totpdevice", totpID) != 1 || s.failures(t, "otp_hotp_hotpdevice", hotpID) != 1 ||
		s.failures(t, "otp_totp_totpdevice", pending) != 0 || s.failures(t, "otp_static_staticdevice", staticID) != 0 {
		t.Fatal("failures after a static token: want 1 on TOTP and HOTP, 0 on the unconfirmed and the static device")
	}
	if n := s.Count(t, "SELECT count(*) FROM otp_static_statictoken WHERE token = 'rvfcimo5'"); n != 0 {
		t.Fatal("the static token was not consumed")
	}

	// A HOTP code (counter 0 of keyB) two seconds later: TOTP fails again,
	// HOTP accepts, the static device is not tried.
	s.clock.t = s.clock.t.Add(2 * time.Second)
	hc, _ := otpcore.HOTP(otpcore.SHA1, keyB, 0, 6)
	if r, err := s.svc.Verify(ctx, "alice", "", hc); err != nil || !r.Accepted() || r.Device.Kind != devices.HOTP {
		t.Fatalf("HOTP code: %+v %v", r, err)
	}
	if s.failures(t, "otp_totp_totpdevice", totpID) != 2 || s.failures(t, "otp_hotp_hotpdevice", hotpID) != 0 ||
		s.failures(t, "otp_static_staticdevice", staticID) != 0 {
		t.Fatal("failures after a HOTP code: want 2 on TOTP, 0 on HOTP (reset) and static (not tried)")
	}
	if s.Count(t, "SELECT counter FROM otp_hotp_hotpdevice WHERE id = ?", hotpID) != 1 {
		t.Fatal("HOTP counter not advanced to 1")
	}

	// Not a number: refused by every device, and counted by each, as
	// django-otp counts int() failures.
	s.clock.t = s.clock.t.Add(10 * time.Second)
	if r, err := s.svc.Verify(ctx, "alice", "", "hello!"); err != nil || r.Outcome != devices.Rejected {
		t.Fatalf("non-numeric code: %+v %v", r, err)
	}
	if s.failures(t, "otp_totp_totpdevice", totpID) != 3 || s.failures(t, "otp_hotp_hotpdevice", hotpID) != 1 ||
		s.failures(t, "otp_static_staticdevice", staticID) != 1 {
		t.Fatal("a non-numeric code must count a failure on every device tried")
	}

	// Half a second later every device is throttled: nothing is counted.
	s.clock.t = s.clock.t.Add(500 * time.Millisecond)
	if r, _ := s.svc.Verify(ctx, "alice", "", "000000"); r.Outcome != devices.Throttled {
		t.Fatalf("all throttled: %v", r.Outcome)
	}
	if s.failures(t, "otp_totp_totpdevice", totpID) != 3 {
		t.Fatal("an attempt while throttled was counted")
	}

	// With a device ref only that device is tried (django_otp.verify_token).
	s.clock.t = s.clock.t.Add(time.Minute)
	tc, _ := otpcore.HOTP(otpcore.SHA1, keyA, uint64(s.clock.t.Unix()/30), 6)
	if r, err := s.svc.Verify(ctx, "alice", "token", tc); err != nil || r.Outcome != devices.Rejected {
		t.Fatalf("TOTP code against the HOTP device: %+v %v", r, err)
	}
	if s.failures(t, "otp_totp_totpdevice", totpID) != 3 || s.failures(t, "otp_hotp_hotpdevice", hotpID) != 2 {
		t.Fatal("verify with a device must touch that device only")
	}
	if r, err := s.svc.Verify(ctx, "alice", "default", tc); err != nil || !r.Accepted() {
		t.Fatalf("TOTP code against its device: %+v %v", r, err)
	}
	var lastT int64
	s.DB.QueryRow("SELECT last_t FROM otp_totp_totpdevice WHERE id = ?", totpID).Scan(&lastT)
	if lastT != s.clock.t.Unix()/30 || s.failures(t, "otp_totp_totpdevice", totpID) != 0 {
		t.Fatalf("after success: last_t %d, failures %d", lastT, s.failures(t, "otp_totp_totpdevice", totpID))
	}
	// The same code again: refused (last_t) and counted.
	if r, _ := s.svc.Verify(ctx, "alice", "", tc); r.Outcome != devices.Rejected || s.failures(t, "otp_totp_totpdevice", totpID) != 1 {
		t.Fatalf("replay: %v", r.Outcome)
	}
}

// TestDjangoPhoneDevicesAreNotTried: two-factor-auth's phone devices are
// listed but never verified here (their codes go out by SMS).
func TestDjangoPhoneDevicesAreNotTried(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema17)
	bob := s.User(t, "bob")
	phone := s.Exec(t, `INSERT INTO two_factor_phonedevice (name, confirmed, throttling_failure_timestamp, throttling_failure_count, number, key, method, user_id)
		VALUES ('default', 1, NULL, 0, '+441234567890', ?, 'sms', ?)`, hex.EncodeToString(keyA), bob)
	pc, _ := otpcore.HOTP(otpcore.SHA1, keyA, uint64(s.clock.t.Unix()/30), 6)
	if r, err := s.svc.Verify(ctx, "bob", "", pc); err != nil || r.Outcome != devices.Rejected {
		t.Fatalf("phone code: %+v %v", r, err)
	}
	// Past the back-off the refusal started: a name whose devices cannot
	// check a code throttles like one device would (see cannotBeRight).
	s.clock.t = s.clock.t.Add(2 * time.Second)
	if r, err := s.svc.Verify(ctx, "bob", "default", pc); err != nil || r.Outcome != devices.Rejected {
		t.Fatalf("phone code with the device named: %+v %v", r, err)
	}
	if s.failures(t, "two_factor_phonedevice", phone) != 0 {
		t.Fatal("a phone device was tried")
	}
}

// TestDjangoEnrollmentNamesTheFirstTOTPDeviceDefault: two-factor-auth
// counts a user as enrolled when a confirmed device is named `default`.
func TestDjangoEnrollmentNamesTheFirstTOTPDeviceDefault(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema17)
	names := []string{}
	for range 2 {
		e, err := s.svc.StartEnrollment(ctx, "carol", EnrollOptions{CreateUser: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.svc.Confirm(ctx, e, code(t, e.Device.Secret, s.clock.t, 0), true)
		if err != nil || !r.Accepted() {
			t.Fatalf("confirm: %+v %v", r, err)
		}
		names = append(names, r.Device.Name)
	}
	if names[0] != "default" || names[1] == "default" {
		t.Fatalf("device names %q: the first TOTP device must be default, only it", names)
	}
	var key string
	var step, t0, digits, tol, confirmed int
	if err := s.DB.QueryRow(`SELECT key, step, t0, digits, tolerance, confirmed FROM otp_totp_totpdevice WHERE name = 'default'`).
		Scan(&key, &step, &t0, &digits, &tol, &confirmed); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(key) || step != 30 || t0 != 0 || digits != 6 || tol != 1 || confirmed != 1 {
		t.Fatalf("stored device: key %d chars, step %d t0 %d digits %d tolerance %d confirmed %d", len(key), step, t0, digits, tol, confirmed)
	}
	st, err := s.svc.Status(ctx, []string{"carol"})
	if err != nil || len(st) != 1 || !st[0].Enabled {
		t.Fatalf("status after enrollment: %+v %v", st, err)
	}

	// A token Django cannot verify is refused before a code is asked for.
	spec := devices.TokenSpec{Kind: devices.TOTP, Serial: "S1", Algorithm: otpcore.SHA256, Digits: 6, Step: 30, Secret: make([]byte, 32)}
	if _, err := s.svc.StartEnrollment(ctx, "carol", EnrollOptions{Token: &spec}); !errors.Is(err, db.ErrUnavailable) {
		t.Fatalf("SHA-256 token: %v, want ErrUnavailable", err)
	}
}

// TestDjangoBackupCodesUseTheStaticDevice: backup codes go to the user's
// static device whatever its name (addstatictoken's "Backup Code"), or to
// a new one named backup; ten tokens in django-otp's format that the site
// accepts as they are shown.
func TestDjangoBackupCodesUseTheStaticDevice(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	dave := s.User(t, "dave")
	old := s.Static(t, dave, "Backup Code", "oldtoken")
	codes, err := s.svc.BackupCodes(ctx, "dave")
	if err != nil || len(codes) != 10 {
		t.Fatalf("%d codes, %v", len(codes), err)
	}
	format := regexp.MustCompile(`^[a-z2-7]{8}$`)
	for _, c := range codes {
		if !format.MatchString(c) || s.Count(t, "SELECT count(*) FROM otp_static_statictoken WHERE token = ? AND device_id = ?", c, old) != 1 {
			t.Fatalf("token %q: not in django-otp's format, or not stored plain on the existing device", c)
		}
	}
	if s.Count(t, "SELECT count(*) FROM otp_static_staticdevice") != 1 || s.Count(t, "SELECT count(*) FROM otp_static_statictoken") != 10 {
		t.Fatal("the existing static device must be reused and its old tokens deleted")
	}
	if r, err := s.svc.Verify(ctx, "dave", "", codes[3]); err != nil || !r.Accepted() {
		t.Fatalf("a new token: %+v %v", r, err)
	}

	erin := s.User(t, "erin")
	if codes, err = s.svc.BackupCodes(ctx, "erin"); err != nil || len(codes) != 10 {
		t.Fatal(err)
	}
	if s.Count(t, "SELECT count(*) FROM otp_static_staticdevice WHERE user_id = ? AND name = 'backup' AND confirmed = 1", erin) != 1 {
		t.Fatal("a user without a static device gets one named backup")
	}
}

// TestDjangoResyncClearsThrottling: an admin's resync writes drift and
// last_t as django-otp reads them and clears the throttling fields.
func TestDjangoResyncClearsThrottling(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	frank := s.User(t, "frank")
	id := s.TOTP(t, frank, "default", true, keyA)
	s.Exec(t, "UPDATE otp_totp_totpdevice SET throttling_failure_count = 7, throttling_failure_timestamp = '2027-01-15 08:00:00.000000' WHERE id = ?", id)
	now := s.clock.t
	codes := []string{code(t, keyA, now.Add(-30*time.Second), 40), code(t, keyA, now, 40)}
	res, _, err := s.svc.Resync(ctx, "frank", codes, ResyncOptions{})
	if err != nil || res.NewDrift != 40 {
		t.Fatalf("resync: %+v %v", res, err)
	}
	var drift, lastT, failures int64
	var ts sql.NullString
	s.DB.QueryRow("SELECT drift, last_t, throttling_failure_count, throttling_failure_timestamp FROM otp_totp_totpdevice WHERE id = ?", id).
		Scan(&drift, &lastT, &failures, &ts)
	if drift != 40 || lastT != now.Unix()/30+40 || failures != 0 || ts.Valid {
		t.Fatalf("after resync: drift %d last_t %d failures %d timestamp %v", drift, lastT, failures, ts)
	}
	// The next code from the token is accepted; the resync codes are not.
	if r, _ := s.svc.Verify(ctx, "frank", "", codes[1]); r.Outcome != devices.Rejected {
		t.Fatal("a resync code was accepted again")
	}
	s.clock.t = now.Add(5 * time.Second)
	if r, _ := s.svc.Verify(ctx, "frank", "", code(t, keyA, now.Add(30*time.Second), 40)); !r.Accepted() {
		t.Fatalf("the next code after resync: %v", r.Outcome)
	}
}

// TestDjangoRefusesWhatDjangoCannotRepresent before doing any work, and
// lets an admin clear throttling (unlock).
func TestDjangoRefusesWhatDjangoCannotRepresent(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	gina := s.User(t, "gina")
	id := s.TOTP(t, gina, "default", true, keyA)
	s.Exec(t, "UPDATE otp_totp_totpdevice SET throttling_failure_count = 4, throttling_failure_timestamp = '2027-01-15 08:00:00' WHERE id = ?", id)
	for name, call := range map[string]func() error{
		"disable":      func() error { _, err := s.svc.ChangeDevice(ctx, "gina", "default", ActionDisable, ""); return err },
		"enable":       func() error { _, err := s.svc.ChangeDevice(ctx, "gina", "default", ActionEnable, ""); return err },
		"remove user":  func() error { return s.svc.RemoveUser(ctx, "gina") },
		"lockout":      func() error { return s.svc.SetSetting(ctx, "lockout-threshold", "5") },
		"unknown user": func() error { _, err := s.svc.ChangeDevice(ctx, "nobody", "1", ActionDisable, ""); return err },
	} {
		err := call()
		if !errors.Is(err, db.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", name, err)
		}
	}
	if s.Count(t, "SELECT count(*) FROM auth_user WHERE username = 'gina'") != 1 || s.failures(t, "otp_totp_totpdevice", id) != 4 {
		t.Fatal("a refused operation changed something")
	}
	if _, err := s.svc.ChangeDevice(ctx, "gina", "default", ActionUnlock, ""); err != nil {
		t.Fatal(err)
	}
	if s.failures(t, "otp_totp_totpdevice", id) != 0 || s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice WHERE throttling_failure_timestamp IS NULL") != 1 {
		t.Fatal("unlock must clear django-otp's throttling fields")
	}
}

// A resync that finds a token further off than django-otp's drift column
// holds says so at once, before anything is saved.
func TestDjangoResyncBeyondTheDriftColumn(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	id := s.TOTP(t, s.User(t, "hana"), "default", true, keyA)
	now := s.clock.t
	const off = 40000 // steps ahead: two weeks, beyond a SmallIntegerField
	codes := []string{code(t, keyA, now.Add(-30*time.Second), off), code(t, keyA, now, off)}
	_, err := s.svc.ResyncPreview(ctx, "hana", codes, ResyncOptions{Window: 50000})
	if !errors.Is(err, db.ErrUnavailable) || !strings.Contains(err.Error(), "drift") {
		t.Fatalf("resync beyond the column: %v", err)
	}
	if s.Count(t, "SELECT drift FROM otp_totp_totpdevice WHERE id = ?", id) != 0 {
		t.Fatal("the drift changed")
	}
}

// The user screen's "2FA on" (UserDetail.Enabled, and the warning before
// removing a device) follows the rule the user list and status follow on
// a Django site: a confirmed device named default, of any kind; a user
// whose only device has another name is not protected, whatever it is.
func TestDjangoUserDetailAgreesWithStatus(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "bob"), "my phone", true, keyA) // the notes' bob
	carol := s.User(t, "carol")
	s.TOTP(t, carol, "my phone", true, keyA)
	s.Static(t, carol, devices.DjangoDefaultName, "abcdefgh") // a default of another kind
	for _, c := range []struct {
		user string
		want bool
	}{{"bob", false}, {"carol", true}} {
		d, err := s.svc.UserDetail(ctx, c.user)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.svc.Status(ctx, []string{c.user})
		if err != nil {
			t.Fatal(err)
		}
		if d.Enabled() != c.want || st[0].Enabled != c.want {
			t.Errorf("%s: detail says enabled %v, status %v; want %v", c.user, d.Enabled(), st[0].Enabled, c.want)
		}
	}
	d, err := s.svc.UserDetail(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	for _, dd := range d.Devices {
		if turns := d.TurnsOff(dd.ID, ActionRemove); turns != (dd.Name == devices.DjangoDefaultName) {
			t.Errorf("removing carol's %q turns 2FA off: %v", dd.Name, turns)
		}
	}
}

// TestDjangoUnknownNamesThrottleLikeADevice: on a Django site too, a run
// of wrong codes for an unknown name is answered as for a user with one
// device (django-otp's back-off, no hard lockout), read back from the
// side file's audit log.
func TestDjangoUnknownNamesThrottleLikeADevice(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "alice"), "default", true, keyA)
	run := func(user string) []string {
		var out []string
		for _, pause := range []time.Duration{0, 0, time.Second, 0, 2 * time.Second, time.Second} {
			s.clock.t = s.clock.t.Add(pause)
			out = append(out, s.answerToWrongCode(t, user))
		}
		return out
	}
	known := run("alice")
	if !slices.Contains(known, "throttled 1s") || !slices.Contains(known, "throttled 2s") {
		t.Fatalf("the run never met the back-off, so it proves nothing: %q", known)
	}
	s.clock.t = s.clock.t.Add(time.Hour)
	if unknown := run("mallory"); !slices.Equal(known, unknown) {
		t.Errorf("existing user %q, unknown name %q", known, unknown)
	}
}

// TestDjangoSimultaneousWrongCodesCountLikeADevice: on a Django site a
// verification reads outside the write lock, and a device's failure count
// is written conditionally, so of several wrong codes at the same moment
// one counts and the others, read again, are throttled. An unknown name's
// run must be counted the same way, or a burst of wrong codes would tell
// it from a user (every answer rejected).
func TestDjangoSimultaneousWrongCodesCountLikeADevice(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "alice"), "default", true, keyA)
	burst := func(user string) []string {
		const n = 5
		wrong := s.wrongCode()
		out := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, err := s.svc.Verify(ctx, user, "", wrong)
				out[i] = fmt.Sprint(r.Outcome, err)
			})
		}
		wg.Wait()
		slices.Sort(out)
		return out
	}
	for round := range 4 {
		s.clock.t = s.clock.t.Add(time.Hour)
		known := burst("alice")
		unknown := burst(fmt.Sprint("mallory", round))
		want := []string{"rejected<nil>", "throttled<nil>", "throttled<nil>", "throttled<nil>", "throttled<nil>"}
		if !slices.Equal(known, want) || !slices.Equal(unknown, want) {
			t.Fatalf("round %d: five wrong codes at once: existing user %q, unknown name %q, want %q", round, known, unknown, want)
		}
	}
}

// TestDjangoPruneKeepsEveryNamesRun: django-otp keeps a device's failure
// count until a code is accepted, and audit prune cannot clear the
// site's rows, so on a Django site prune keeps every name's run: after a
// prune, an unknown name's next wrong codes still throttle as long as a
// device's with the same history do.
func TestDjangoPruneKeepsEveryNamesRun(t *testing.T) {
	s := newDjangoSite(t, djangofixture.Schema113)
	s.TOTP(t, s.User(t, "alice"), "default", true, keyA)
	run := func(user string) []string {
		var out []string
		for _, pause := range []time.Duration{0, 2 * time.Second, time.Hour, 0} {
			s.clock.t = s.clock.t.Add(pause)
			if pause == time.Hour {
				if _, err := s.svc.PruneAudit(ctx, s.clock.t); err != nil {
					t.Fatal(err)
				}
			}
			out = append(out, s.answerToWrongCode(t, user))
		}
		return out
	}
	known := run("alice")
	if known[3] != "throttled 4s" {
		t.Fatalf("alice's device after three failures: %q, want throttled 4s", known)
	}
	s.clock.t = s.clock.t.Add(24 * time.Hour)
	if unknown := run("mallory"); !slices.Equal(known, unknown) {
		t.Errorf("existing user %q, unknown name %q", known, unknown)
	}
}

// wrongCode is a code keyA does not give near the site's clock (100 steps
// ahead of it).
func (s *djangoSite) wrongCode() string {
	wrong, _ := otpcore.HOTP(otpcore.SHA1, keyA, uint64(s.clock.t.Unix()/30)+100, 6)
	return wrong
}

// answerToWrongCode sends name a wrong code and returns what its caller
// sees: the outcome and how long to wait.
func (s *djangoSite) answerToWrongCode(t *testing.T, name string) string {
	t.Helper()
	r, err := s.svc.Verify(ctx, name, "", s.wrongCode())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s %v", r.Outcome, r.RetryAfter)
}
