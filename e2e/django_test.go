package e2e

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/otpcore"
)

// The issue-11 cross tests through the built binary: a real Django site
// (internal/djangosite) and `two-factor --django` on the same database.
// The library-level ones are in internal/djangocross.

// djangoCLI is the built binary pointed at a Django site's database.
type djangoCLI struct {
	bin  string
	site *djangosite.Site
	env  []string
}

// buildBinary compiles two-factor into dir.
func buildBinary(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "two-factor")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// newDjangoCLI builds the binary and creates two-factor's side file next
// to the site's database (`two-factor --django DB init`).
func newDjangoCLI(t testing.TB, site *djangosite.Site) *djangoCLI {
	t.Helper()
	dir := t.TempDir()
	c := &djangoCLI{bin: buildBinary(t, dir), site: site, env: []string{
		"HOME=" + dir,
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"PATH=" + os.Getenv("PATH"),
	}}
	c.run(t, 0, "init")
	return c
}

// result is one run's output and exit code.
type result struct {
	stdout, stderr string
	code           int
}

func (c *djangoCLI) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"--django", c.site.DB}, args...)...)
	cmd.Env = c.env
	return cmd
}

// exec runs `two-factor --django DB args...`.
func (c *djangoCLI) exec(t testing.TB, args ...string) result {
	t.Helper()
	cmd := c.cmd(args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// run is exec with an expected exit code; it returns stdout.
func (c *djangoCLI) run(t testing.TB, want int, args ...string) string {
	t.Helper()
	r := c.exec(t, args...)
	if r.code != want {
		t.Fatalf("two-factor --django %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, want, r.stdout, r.stderr)
	}
	return r.stdout
}

// TestDjangoStatusAndDisableAreManagePys: on the same database, `status`
// prints, fails and exits exactly as manage.py two_factor_status (enabled
// means a confirmed device named default, of any type; an unknown user
// stops it with Django's CommandError line, exit 1), and `disable` removes
// what two_factor_disable removes (confirmed devices of every type,
// unconfirmed ones survive), printing nothing. On both schema versions.
func TestDjangoStatusAndDisableAreManagePys(t *testing.T) {
	for _, schema := range djangosite.Schemas {
		t.Run(schema, func(t *testing.T) {
			site := djangosite.NewWith(t, djangosite.Options{Schema: schema})
			// alice: TOTP default; bob: TOTP under another name; carol: an
			// unconfirmed default and a confirmed backup device; dave: an
			// HOTP device named default; erin: nothing; carol2 is carol's twin.
			for _, u := range []string{"alice", "bob", "carol", "dave", "erin", "carol2", "Alice"} {
				site.CreateUser(u)
			}
			site.AddTOTP("alice", djangosite.TOTP{})
			site.AddTOTP("bob", djangosite.TOTP{Name: "my phone"})
			for _, u := range []string{"carol", "carol2"} {
				site.AddTOTP(u, djangosite.TOTP{Unconfirmed: true})
				site.AddStatic(u, "backup", "aaaabbbb")
				site.AddHOTP(u, djangosite.HOTP{Name: "keyfob"})
			}
			site.AddHOTP("dave", djangosite.HOTP{Name: "default"})
			cli := newDjangoCLI(t, site)

			for _, names := range [][]string{
				{"alice", "bob", "carol", "dave", "erin", "Alice"},
				{"alice", "nobody", "bob"},
				{"ALICE"},
				{},
			} {
				want := site.Manage(append([]string{"two_factor_status"}, names...)...)
				got := cli.exec(t, append([]string{"status"}, names...)...)
				if got.stdout != want.Stdout || got.stderr != want.Stderr || got.code != want.Code {
					t.Errorf("status %v:\ntwo-factor: exit %d stdout %q stderr %q\nmanage.py:  exit %d stdout %q stderr %q",
						names, got.code, got.stdout, got.stderr, want.Code, want.Stdout, want.Stderr)
				}
			}

			shape := func(user string) []string {
				var s []string
				for _, d := range site.Devices(user) {
					s = append(s, fmt.Sprintf("%s/%s/%v", d.Table, d.Name, d.Confirmed))
				}
				return s
			}
			if r := cli.exec(t, "disable", "--yes", "carol"); r != (result{}) {
				t.Errorf("two-factor disable carol: %+v, want no output, exit 0", r)
			}
			if want := site.Manage("two_factor_disable", "carol2"); want != (djangosite.CommandResult{}) {
				t.Errorf("manage.py two_factor_disable carol2: %+v", want)
			}
			if got, want := shape("carol"), shape("carol2"); !slices.Equal(got, want) || len(got) != 1 {
				t.Errorf("devices left by two-factor disable %v, by two_factor_disable %v (want the unconfirmed TOTP only)", got, want)
			}
			got, want := cli.exec(t, "status", "carol"), site.Manage("two_factor_status", "carol2")
			if got.stdout != "carol: disabled\n" || want.Stdout != "carol2: disabled\n" {
				t.Errorf("status after disable: %q / %q", got.stdout, want.Stdout)
			}

			// An unknown user: Django's line and exit 1, but unlike
			// two_factor_disable nothing at all is removed (documented).
			before := shape("alice")
			r := cli.exec(t, "disable", "--yes", "alice", "nobody")
			if r.code != 1 || r.stderr != "CommandError: User \"nobody\" does not exist\n" || r.stdout != "" {
				t.Errorf("disable alice nobody: %+v", r)
			}
			if after := shape("alice"); !slices.Equal(before, after) || len(after) != 1 {
				t.Errorf("alice's devices after a refused disable: %v, before %v", after, before)
			}
		})
	}
}

// TestDjangoBinaryAcceptsORMDevicesAndRefusesReplays: devices the ORM
// made are listed and their codes accepted by `two-factor --django
// verify`; a code accepted by one side is refused by the other, both ways;
// TWO_FACTOR_DB=django:PATH opens the same database.
func TestDjangoBinaryAcceptsORMDevicesAndRefusesReplays(t *testing.T) {
	for _, schema := range djangosite.Schemas {
		t.Run(schema, func(t *testing.T) {
			site := djangosite.NewWith(t, djangosite.Options{Schema: schema})
			site.CreateUser("alice")
			d := site.AddTOTP("alice", djangosite.TOTP{})
			h := site.AddHOTP("alice", djangosite.HOTP{Name: "keyfob"})
			cli := newDjangoCLI(t, site)

			if out := cli.run(t, 0, "user", "list"); !strings.Contains(out, "alice") {
				t.Errorf("user list: %q", out)
			}
			list := cli.run(t, 0, "device", "list", "alice")
			for _, want := range []string{"default", "keyfob", d.Ref(), h.Ref()} {
				if !strings.Contains(list, want) {
					t.Errorf("device list alice lacks %q:\n%s", want, list)
				}
			}

			step := time.Now().Unix() / 30
			code := djangosite.Code(t, d.Key, step)
			cli.run(t, 0, "verify", "alice", code)
			if ok, err := site.VerifyToken("alice", d, code); err != nil || ok {
				t.Errorf("Django on a code two-factor accepted: %v %v", ok, err)
			}
			site.Unthrottle()
			next := djangosite.Code(t, d.Key, time.Now().Unix()/30+1)
			if ok, err := site.VerifyToken("alice", d, next); err != nil || !ok {
				t.Fatalf("Django on the next code: %v %v", ok, err)
			}
			cli.run(t, 1, "verify", "alice", next)
			site.Unthrottle() // the refusal counted on every device tried

			// The store URL form, with the HOTP device named by its id.
			env := append(slices.Clone(cli.env), "TWO_FACTOR_DB=django:"+site.DB)
			cmd := exec.Command(cli.bin, "verify", "--device", h.Ref(), "alice", djangosite.Code(t, h.Key, 0))
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("TWO_FACTOR_DB=django:%s verify: %v\n%s", site.DB, err, out)
			}
			if got := site.State(h).Int("counter"); got != 1 {
				t.Errorf("HOTP counter after two-factor accepted counter 0: %d", got)
			}
		})
	}
}

// TestDjangoBinaryEnrollmentAndBackupCodesWorkInDjango: `enroll` (an
// authenticator app, QR-less) makes the TOTP device two-factor-auth uses
// (named default, confirmed by the first code), `backup-codes` writes
// tokens Django's match_token takes once, and after `disable` Django
// refuses the user's codes.
func TestDjangoBinaryEnrollmentAndBackupCodesWorkInDjango(t *testing.T) {
	site := djangosite.New(t)
	site.CreateUser("frank")
	cli := newDjangoCLI(t, site)
	key := cli.enrollApp(t, "frank")

	ds := site.Devices("frank")
	if len(ds) != 1 || ds[0].Name != "default" || !ds[0].Confirmed || ds[0].Key != key {
		t.Fatalf("Django's view of frank's enrolled device: %+v (key %s)", ds, key)
	}
	if got := site.Manage("two_factor_status", "frank"); got.Stdout != "frank: enabled\n" {
		t.Errorf("two_factor_status after enroll: %+v", got)
	}
	next := djangosite.Code(t, key, time.Now().Unix()/30+1)
	if got, err := site.MatchToken("frank", next); err != nil || got != ds[0].PersistentID {
		t.Fatalf("Django's match_token on frank's next code: %q %v", got, err)
	}

	out := cli.run(t, 0, "backup-codes", "frank", "--json")
	var codes []string
	for _, f := range strings.FieldsFunc(out, func(r rune) bool { return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz234567", r) }) {
		if len(f) == 8 {
			codes = append(codes, f)
		}
	}
	if len(codes) != 10 {
		t.Fatalf("backup-codes --json: %d codes found in %s", len(codes), out)
	}
	if got, err := site.MatchToken("frank", codes[0]); err != nil || !strings.HasPrefix(got, "otp_static.staticdevice/") {
		t.Fatalf("Django's match_token on a backup code two-factor generated: %q %v", got, err)
	}
	cli.run(t, 1, "verify", "frank", codes[0])
	site.Unthrottle() // the refusal counted on every device tried
	cli.run(t, 0, "verify", "frank", codes[1])

	cli.run(t, 0, "disable", "--yes", "frank")
	site.Unthrottle()
	if got, err := site.MatchToken("frank", codes[2]); err != nil || got != "" {
		t.Errorf("Django after two-factor disabled frank: %q %v", got, err)
	}
	if got, err := site.MatchToken("frank", djangosite.Code(t, key, time.Now().Unix()/30+1)); err != nil || got != "" {
		t.Errorf("Django accepted a TOTP code of a disabled device: %q %v", got, err)
	}
}

// converse starts cmd as an admin at a terminal would hold it: its
// standard input to type into, its output and errors as one stream to
// read the prompts from, and its exit error on done once it ends.
func converse(t *testing.T, cmd *exec.Cmd) (stdin io.WriteCloser, out io.Reader, done <-chan error) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait(); pw.Close() }()
	return stdin, pr, ended
}

// enrollApp runs `enroll USER --no-qr`, reads the secret it prints, types
// the current code and returns the key as Django stores it (hex).
func (c *djangoCLI) enrollApp(t *testing.T, user string) string {
	t.Helper()
	stdin, pr, done := converse(t, c.cmd("enroll", user, "--no-qr"))
	var seen strings.Builder
	var key string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		seen.WriteString(line + "\n")
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Secret:"); ok && key == "" {
			secret, err := otpcore.DecodeBase32(strings.ReplaceAll(strings.TrimSpace(rest), " ", ""))
			if err != nil {
				t.Fatalf("enroll printed a secret that does not decode: %q: %v", rest, err)
			}
			key = hex.EncodeToString(secret)
			fmt.Fprintln(stdin, djangosite.Code(t, key, time.Now().Unix()/30))
		}
	}
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil || key == "" {
		t.Fatalf("enroll %s: %v\n%s", user, err, seen.String())
	}
	return key
}

// TestDjangoBinaryRaceAcceptsOnce: the same fresh HOTP code verified by
// Django's worker and by two `two-factor --django verify` processes at the
// same instant, many rounds: accepted exactly once per round.
func TestDjangoBinaryRaceAcceptsOnce(t *testing.T) {
	site := djangosite.NewWith(t, djangosite.Options{NoThrottle: true})
	site.CreateUser("alice")
	d := site.AddHOTP("alice", djangosite.HOTP{})
	cli := newDjangoCLI(t, site)
	cli.run(t, 0, "config", "set", "throttle-factor", "0")
	// How long a verify process takes to reach the database, so Django's
	// verification can be started at the same moment.
	startup := time.Now()
	cli.run(t, 1, "verify", "--device", d.Ref(), "alice", djangosite.Code(t, d.Key, 100))
	lead := time.Since(startup) / 2
	rounds := 20
	if testing.Short() {
		rounds = 6
	}
	for round := 0; round < rounds; round++ {
		code := djangosite.Code(t, d.Key, int64(round))
		at := time.Now().Add(lead + 50*time.Millisecond)
		var wg sync.WaitGroup
		results := make([]string, 3)
		wg.Add(3)
		go func() {
			defer wg.Done()
			// Sweep Django's start across the processes' run.
			skew := time.Duration(round%7-3) * 5 * time.Millisecond
			ok, err := site.VerifyTokenAt(at.Add(skew), "alice", d, code)
			results[0] = fmt.Sprintf("django:%v:%v", ok, err)
		}()
		for i := 1; i < 3; i++ {
			go func() {
				defer wg.Done()
				time.Sleep(time.Until(at.Add(-lead)))
				cmd := cli.cmd("verify", "--device", d.Ref(), "alice", code)
				out, err := cmd.CombinedOutput()
				results[i] = fmt.Sprintf("two-factor:%v:%s", err == nil, strings.TrimSpace(string(out)))
			}()
		}
		wg.Wait()
		wins := 0
		for _, r := range results {
			if strings.Contains(r, ":true") {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: code accepted %d times: %q", round, wins, results)
		}
		if got := site.State(d).Int("counter"); got != int64(round)+1 {
			t.Fatalf("round %d: counter %d, want %d", round, got, round+1)
		}
	}
}
