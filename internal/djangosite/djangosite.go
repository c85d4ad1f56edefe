// Package djangosite is test support for issue 11: a real Django project
// with django-otp in a temporary directory, driven by Debian's
// /usr/bin/python3, whose SQLite database two-factor then opens with
// --django / db.OpenDjango. Tests use it to prove both directions: what
// Django's ORM writes two-factor reads and accepts, and what two-factor
// writes Django's own verify_token/match_token accept.
//
// The site has django.contrib.auth, contenttypes, django_otp and the
// otp_totp, otp_hotp and otp_static plugins, USE_TZ=True, SQLite, and a
// local app with two_factor_status / two_factor_disable. Those two commands
// are RE-IMPLEMENTATIONS of django-two-factor-auth's, written from
// shared/notes/django-otp.md §3.1, because django-two-factor-auth is not
// packaged here; their behaviour is what the notes recorded from the real
// ones.
//
// A long-running worker process (python/worker.py) answers JSON lines, so
// a test pays Python's and Django's start-up once.
package djangosite

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/two-factor/two-factor/internal/djangofixture"
)

// Python is the interpreter Debian's python3-django and python3-django-otp
// are installed for; the pyenv python3 on PATH has neither.
const Python = "/usr/bin/python3"

// all: so the packages' __init__.py files (leading underscore) are embedded.
//
//go:embed all:python
var pythonFiles embed.FS

// Schema versions a site can have.
const (
	// Schema113 is what Debian's django-otp 1.1.3 migrations create.
	Schema113 = "1.1.3"
	// Schema17 adds django-otp 1.4+'s created_at/last_used_at columns and
	// django-two-factor-auth's two_factor_phonedevice table, as in
	// db/testdata/django/otp-1.7-with-phone.sql.
	Schema17 = "1.7"
)

// Schemas are both schema versions, for tests that run on each.
var Schemas = []string{Schema113, Schema17}

// Options shape a site.
type Options struct {
	// Schema is Schema113 (default) or Schema17.
	Schema string
	// ThrottleFactor sets OTP_{TOTP,HOTP,STATIC}_THROTTLE_FACTOR (0: Django's
	// default, 1).
	ThrottleFactor int
	// NoThrottle sets the throttle factors to 0: throttling off.
	NoThrottle bool
	// NoTOTPSync sets OTP_TOTP_SYNC = False.
	NoTOTPSync bool
}

// Site is one Django project and its worker.
type Site struct {
	// Dir is the project directory (manage.py, settings).
	Dir string
	// DB is the SQLite database Django uses: what two-factor --django opens.
	DB  string
	t   testing.TB
	env []string
	w   *worker
}

// Available says why a site cannot run here, or nil.
func Available() error {
	if _, err := os.Stat(Python); err != nil {
		return fmt.Errorf("%s is missing (apt-get install python3 python3-django python3-django-otp)", Python)
	}
	out, err := exec.Command(Python, "-c", "import django, django_otp; print(django.get_version())").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s cannot import django and django_otp (apt-get install python3-django python3-django-otp): %v: %s",
			Python, err, bytes.TrimSpace(out))
	}
	return nil
}

// Need skips the test when Django is unavailable, or fails it under CI
// (CI=true), where .ci/run installs the packages.
func Need(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		msg := "needs a real Django site: " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// New makes a migrated django-otp 1.1.3 site in t.TempDir() and starts its
// worker. It skips (fails under CI) when Django is not installed.
func New(t testing.TB) *Site { return NewWith(t, Options{}) }

// NewWith is New with options.
func NewWith(t testing.TB, opt Options) *Site {
	t.Helper()
	Need(t)
	dir := t.TempDir()
	s := &Site{Dir: dir, DB: filepath.Join(dir, "db.sqlite3"), t: t}
	if err := writeProject(dir); err != nil {
		t.Fatal(err)
	}
	s.env = siteEnv(s.DB, opt)
	switch opt.Schema {
	case "", Schema113:
		migrated, err := migratedOnce()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.DB, migrated, 0o600); err != nil {
			t.Fatal(err)
		}
	case Schema17:
		s.DB = djangofixture.Load(t, dir, djangofixture.Schema17)
	default:
		t.Fatalf("djangosite: unknown schema %q", opt.Schema)
	}
	w, err := startWorker(dir, s.env)
	if err != nil {
		t.Fatal(err)
	}
	s.w = w
	t.Cleanup(w.stop)
	return s
}

// siteEnv is the environment of every Python process of a site: nothing
// inherited but PATH and HOME, so a developer's DJANGO_* cannot leak in.
func siteEnv(dbPath string, opt Options) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"DJANGO_SETTINGS_MODULE=djsettings",
		"DJANGO_COLORS=nocolor",
		"PYTHONDONTWRITEBYTECODE=1",
		"DJANGOSITE_DB=" + dbPath,
	}
	switch {
	case opt.NoThrottle:
		env = append(env, "DJANGOSITE_THROTTLE_FACTOR=0")
	case opt.ThrottleFactor != 0:
		env = append(env, fmt.Sprintf("DJANGOSITE_THROTTLE_FACTOR=%d", opt.ThrottleFactor))
	}
	if opt.NoTOTPSync {
		env = append(env, "DJANGOSITE_TOTP_SYNC=0")
	}
	return env
}

// writeProject copies the embedded project (manage.py, settings, worker,
// the local app) into dir.
func writeProject(dir string) error {
	return fs.WalkDir(pythonFiles, "python", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, strings.TrimPrefix(path, "python"))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := pythonFiles.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// migrate runs `manage.py migrate` on a fresh database in a fresh project
// and returns the database file.
func migrate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "djangosite-migrate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := writeProject(dir); err != nil {
		return nil, err
	}
	dbPath := filepath.Join(dir, "db.sqlite3")
	cmd := exec.Command(Python, "manage.py", "migrate", "-v0")
	cmd.Dir = dir
	cmd.Env = siteEnv(dbPath, Options{})
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("manage.py migrate: %v\n%s", err, out)
	}
	return os.ReadFile(dbPath)
}

var (
	migrateOnce sync.Once
	migratedDB  []byte
	migrateErr  error
)

// migratedOnce migrates once per test binary; every site starts from a
// copy of that file (migrate takes ~0.4 s).
func migratedOnce() ([]byte, error) {
	migrateOnce.Do(func() { migratedDB, migrateErr = migrate() })
	return migratedDB, migrateErr
}

// FreshMigrate returns a database file made by a fresh `manage.py migrate`
// (not the cached copy), for the test that pins the fixture's schema.
func FreshMigrate(t testing.TB) string {
	t.Helper()
	Need(t)
	b, err := migrate()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "migrated.sqlite3")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// LoadSQL makes a database file from a `sqlite3 .dump` script, with
// Python's sqlite3 (the sqlite3 shell is not needed).
func LoadSQL(t testing.TB, script string) string {
	t.Helper()
	Need(t)
	p := filepath.Join(t.TempDir(), "loaded.sqlite3")
	if err := loadSQL(p, script); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadSQL(dbPath, script string) error {
	cmd := exec.Command(Python, "-c",
		"import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(open(sys.argv[2]).read())\nc.close()",
		dbPath, script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("loading %s: %v\n%s", script, err, out)
	}
	return nil
}
