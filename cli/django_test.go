package cli

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/otpcore"
)

// djangoHarness runs the CLI with no store of its own: only what the
// test points it at.
func djangoHarness(t *testing.T) (*harness, *djangofixture.Site) {
	h := &harness{t: t, dir: t.TempDir(), now: time.Unix(1_800_000_000, 0)}
	return h, djangofixture.New(t, h.dir, djangofixture.Schema113)
}

// The notes' run of manage.py two_factor_status: alice has a confirmed
// TOTP device named default, bob one named "my phone", carol an
// unconfirmed default.
func seedStatusUsers(t *testing.T, s *djangofixture.Site) {
	s.TOTP(t, s.User(t, "alice"), "default", true, []byte("12345678901234567890"))
	s.TOTP(t, s.User(t, "bob"), "my phone", true, []byte("12345678901234567890"))
	carol := s.User(t, "carol")
	s.TOTP(t, carol, "default", false, []byte("12345678901234567890"))
	s.Static(t, carol, "backup", "abcdefgh")
}

func TestDjangoStatusPrintsLikeManagePy(t *testing.T) {
	h, s := djangoHarness(t)
	seedStatusUsers(t, s)
	for _, c := range []struct {
		args           []string
		out, errs      string
		code           int
		sideFileBefore bool
	}{
		{[]string{"status", "alice", "bob", "carol"}, "alice: enabled\nbob: disabled\ncarol: disabled\n", "", 0, false},
		{[]string{"status", "alice", "nobody", "bob"}, "alice: enabled\n", "CommandError: User \"nobody\" does not exist\n", 1, true},
		{[]string{"status", "Alice"}, "", "CommandError: User \"Alice\" does not exist\n", 1, true},
		{[]string{"status"}, "", "", 0, true},
	} {
		out, errs, code := h.exec("", append([]string{"--django", s.Path}, c.args...)...)
		if out != c.out || errs != c.errs || code != c.code {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q, %q", c.args, code, out, errs, c.code, c.out, c.errs)
		}
	}
	// --json is the same document as on our own store.
	out, _, code := h.exec("", "--django", s.Path, "status", "--json", "alice", "bob")
	var rows []struct {
		User    string `json:"user"`
		Exists  bool   `json:"exists"`
		Enabled bool   `json:"enabled"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != 0 || len(rows) != 2 || !rows[0].Enabled || rows[1].Enabled {
		t.Fatalf("--json: exit %d %v\n%s", code, err, out)
	}
}

// disable removes each user's confirmed devices and prints nothing, like
// manage.py two_factor_disable; an unknown user changes nothing (where
// Django's command would have disabled the users before it).
func TestDjangoDisablePrintsLikeManagePy(t *testing.T) {
	h, s := djangoHarness(t)
	seedStatusUsers(t, s)
	out, errs, code := h.exec("", "--django", s.Path, "disable", "--yes", "alice", "nobody")
	if out != "" || errs != "CommandError: User \"nobody\" does not exist\n" || code != 1 {
		t.Fatalf("unknown user: exit %d %q %q", code, out, errs)
	}
	if s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice WHERE name = 'default' AND confirmed = 1") != 1 {
		t.Fatal("a refused disable removed alice's device")
	}
	// On a terminal it asks first, counting what it will remove: carol's
	// unconfirmed TOTP device stays.
	h.terminal = true
	out, _, code = h.exec("n\n", "--django", s.Path, "disable", "carol")
	if !strings.Contains(out, "Remove the confirmed devices of carol (1 device(s))?") || code != ExitRejected {
		t.Fatalf("prompt: exit %d %q", code, out)
	}
	h.terminal = false
	out, errs, code = h.exec("", "--django", s.Path, "disable", "--yes", "carol", "alice")
	if out != "" || errs != "" || code != 0 {
		t.Fatalf("disable: exit %d %q %q", code, out, errs)
	}
	if s.Count(t, "SELECT count(*) FROM otp_static_staticdevice") != 0 || s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice WHERE confirmed = 0") != 1 ||
		s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice WHERE name = 'my phone'") != 1 {
		t.Fatal("disable must remove confirmed devices of every type and keep unconfirmed ones and other users'")
	}
	out, _, _ = h.exec("", "--django", s.Path, "status", "alice", "carol")
	if out != "alice: disabled\ncarol: disabled\n" {
		t.Fatalf("status after disable: %q", out)
	}
	// Without --yes and without a terminal, nothing is removed.
	if _, errs, code := h.exec("", "--django", s.Path, "disable", "bob"); code != ExitError || !strings.Contains(errs, "--yes") {
		t.Fatalf("disable without --yes: exit %d %q", code, errs)
	}
}

// TWO_FACTOR_DB=django:PATH is --django PATH; the side file and the key
// file are made beside the Django database, which must exist.
func TestDjangoFlagEnvAndSideFile(t *testing.T) {
	h, s := djangoHarness(t)
	seedStatusUsers(t, s)
	h.setenv("TWO_FACTOR_DB", "django:"+s.Path)
	h.setenv("TWO_FACTOR_KEY_FILE", filepath.Join(h.dir, "own.key"))
	if out := h.run("status", "alice"); out != "alice: enabled\n" {
		t.Fatalf("through TWO_FACTOR_DB: %q", out)
	}
	fi, err := os.Stat(s.Path + ".two-factor")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("side file: %v %v", fi, err)
	}
	// The Django side file's key is its own, not TWO_FACTOR_KEY_FILE's.
	h.run("enroll", "--help")
	if _, err := os.Stat(filepath.Join(h.dir, "own.key")); err == nil {
		t.Fatal("the key of our own store was used for the side file")
	}

	missing := filepath.Join(h.dir, "nowhere", "db.sqlite3")
	_, errs, code := h.exec("", "--django", missing, "status", "alice")
	if code != ExitError || !strings.Contains(errs, "does not exist") || !strings.Contains(errs, missing) {
		t.Fatalf("missing Django database: exit %d %q", code, errs)
	}
	if _, err := os.Stat(missing + ".two-factor"); err == nil {
		t.Fatal("a side file was made for a Django database that does not exist")
	}

	if _, errs, code := h.exec("", "--django", s.Path, "--db", filepath.Join(h.dir, "x.db"), "status"); code != ExitError || !strings.Contains(errs, "not both") {
		t.Fatalf("--db and --django: exit %d %q", code, errs)
	}

	// A SQLite file of another application: refused, naming what is missing.
	other := filepath.Join(h.dir, "other.sqlite3")
	odb, _ := sql.Open("sqlite", other)
	odb.Exec("CREATE TABLE t (x)")
	odb.Close()
	if _, errs, code := h.exec("", "--django", other, "status", "x"); code != ExitError || !strings.Contains(errs, "otp_totp_totpdevice") {
		t.Fatalf("not a Django database: exit %d %q", code, errs)
	}
}

// verify on a Django site follows django-otp: a code is accepted once,
// whichever device takes it, and what the site can't hold is refused.
func TestDjangoVerifyAndRefusals(t *testing.T) {
	h, s := djangoHarness(t)
	key := []byte("12345678901234567890")
	s.TOTP(t, s.User(t, "alice"), "default", true, key)
	code, _ := otpcore.HOTP(otpcore.SHA1, key, uint64(h.now.Unix()/30), 6)
	if _, errs, c := h.exec("", "--django", s.Path, "verify", "alice", code); c != ExitOK {
		t.Fatalf("verify: exit %d %s", c, errs)
	}
	h.now = h.now.Add(5 * time.Second)
	if _, _, c := h.exec("", "--django", s.Path, "verify", "alice", code); c != ExitRejected {
		t.Fatalf("replay: exit %d", c)
	}
	if s.Count(t, "SELECT throttling_failure_count FROM otp_totp_totpdevice") != 1 {
		t.Fatal("the replay was not counted as django-otp counts it")
	}
	for _, args := range [][]string{
		{"device", "disable", "alice", "default"},
		{"user", "rm", "alice"}, // refused before asking: no --yes needed
		{"config", "set", "lockout-threshold", "3"},
	} {
		_, errs, c := h.exec("", append([]string{"--django", s.Path}, args...)...)
		if c != ExitError || !strings.Contains(errs, "not available on a Django site's database") {
			t.Errorf("%v: exit %d %q", args, c, errs)
		}
	}
}

// On a Django site backup codes are django-otp static tokens the site
// keeps as typed (its admin shows them again): the command does not claim
// they are shown only now.
func TestDjangoBackupCodesSayHowTheyAreKept(t *testing.T) {
	h, site := djangoHarness(t)
	site.User(t, "zoe")
	out, errs, code := h.exec("", "--django", site.Path, "backup-codes", "zoe")
	if code != ExitOK || strings.Contains(out, "shown only now") || !strings.Contains(out, "keeps them as typed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if n := site.Count(t, "SELECT count(*) FROM otp_static_statictoken"); n != 10 {
		t.Fatalf("%d static tokens", n)
	}
}

// `serve` on a Django site (--django PATH on its command line, or
// TWO_FACTOR_DB=django:PATH as a systemd unit may set it) verifies logins
// against the site's own devices under django-otp's rules, so PAM, HTTP
// and RADIUS can guard a Django site's users: a code is accepted through
// the socket once, and the site's row carries the step it was accepted at.
func TestDjangoServeVerifiesTheSitesDevices(t *testing.T) {
	for _, viaEnv := range []bool{false, true} {
		h, site := djangoHarness(t)
		h.now = time.Now() // the verifier process reads the real clock
		key := []byte("12345678901234567890")
		site.TOTP(t, site.User(t, "alice"), "default", true, key)
		var p *process
		if viaEnv {
			h.setenv("TWO_FACTOR_DB", "django:"+site.Path)
			p = h.startServe()
		} else {
			// As on a command line or in ExecStart: no store named
			// otherwise, so serve must not fall back to its default one.
			h.setenv("TWO_FACTOR_DB", "")
			h.setenv("TWO_FACTOR_KEY_FILE", "")
			p = h.startServe("--django", site.Path)
		}
		if want := "(store " + site.Path + ")"; !strings.Contains(p.logText(), want) {
			t.Errorf("env %v: serve does not say it serves the Django database (%q):\n%s", viaEnv, want, p.logText())
		}
		g, err := otpcore.NewGenerator(otpcore.SHA1, key, 6)
		if err != nil {
			t.Fatal(err)
		}
		step := time.Now().Unix() / 30
		code := g.Code(uint64(step))
		out, errs, c := h.exec("", "verify", "alice", code, "--socket", p.socket)
		if c != ExitOK {
			t.Fatalf("env %v: verify through serve on a Django site: exit %d %s%s\n%s", viaEnv, c, out, errs, p.logText())
		}
		if lastT := site.Count(t, "SELECT last_t FROM otp_totp_totpdevice WHERE name = 'default'"); int64(lastT) < step {
			t.Errorf("env %v: the site's last_t is %d after a code of step %d", viaEnv, lastT, step)
		}
		if _, _, c := h.exec("", "verify", "alice", code, "--socket", p.socket); c != ExitRejected {
			t.Errorf("env %v: the same code again through serve: exit %d", viaEnv, c)
		}
	}
}

// A site's phone devices (django-two-factor-auth) are listed with the
// kind of message they send and their number masked, never whole.
func TestDjangoPhoneDevicesListedMasked(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir(), now: time.Unix(1_800_000_000, 0)}
	site := djangofixture.New(t, h.dir, djangofixture.Schema17)
	alice := site.User(t, "alice")
	site.Exec(t, `INSERT INTO two_factor_phonedevice (name, confirmed, throttling_failure_timestamp, throttling_failure_count, number, key, method, user_id)
		VALUES ('backup', 1, NULL, 0, '+447700900461', '3132333435363738393031323334353637383930', 'sms', ?)`, alice)
	out, errs, code := h.exec("", "--django", site.Path, "device", "list", "alice")
	if code != ExitOK || !strings.Contains(out, "phone (SMS)") || !strings.Contains(out, "+44••••••••61") || strings.Contains(out, "7700900") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

// `disable` with no names does nothing on a Django site, as manage.py
// two_factor_disable does (exit 0, no output); on our own store a user is
// still required.
func TestDisableWithNoNames(t *testing.T) {
	h, s := djangoHarness(t)
	seedStatusUsers(t, s)
	before := s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice")
	if out, errs, code := h.exec("", "--django", s.Path, "disable"); code != ExitOK || out != "" || errs != "" {
		t.Errorf("disable on a Django site with no names: exit %d %q %q", code, out, errs)
	}
	if after := s.Count(t, "SELECT count(*) FROM otp_totp_totpdevice"); after != before {
		t.Errorf("%d devices became %d", before, after)
	}
	own := &harness{t: t, dir: t.TempDir(), now: h.now}
	if _, errs, code := own.exec("", "disable"); code != ExitError || !strings.Contains(errs, "at least one USER") {
		t.Errorf("disable with no names on our store: exit %d %q", code, errs)
	}
	if _, err := os.Stat(own.env("TWO_FACTOR_DB")); err == nil {
		t.Error("a refused disable created a store")
	}
}
