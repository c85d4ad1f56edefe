package e2e

import (
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/internal/djangosite"
	"github.com/two-factor/two-factor/otpcore"
)

// startConsole runs the console on the site's database (`two-factor
// --django DB`) in a tmux session of its own, width×height.
func (c *djangoCLI) startConsole(t *testing.T, tmux string, width, height int) *term {
	t.Helper()
	dir := t.TempDir()
	tm := &term{t: t, tmux: tmux, sock: filepath.Join(dir, "tmux.sock")}
	var script strings.Builder
	for _, e := range append(c.env, "TERM=xterm-256color") {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&script, "export %s='%s'; ", k, v)
	}
	fmt.Fprintf(&script, "'%s' --django '%s' --theme dark 2>'%s'; echo EXIT=$?; sleep 600", c.bin, c.site.DB, filepath.Join(dir, "stderr"))
	tm.run("new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), "sh", "-c", script.String())
	t.Cleanup(func() { exec.Command(tmux, "-S", tm.sock, "kill-server").Run() })
	return tm
}

// TestDjangoConsoleEnrollsADeviceDjangoAccepts: in an 80×24 terminal the
// console, opened on a Django site, enrolls frank's authenticator app
// through its enrollment screen with a code made from the URI it shows;
// Django then has a confirmed TOTP device named default holding that
// secret, two_factor_status says enabled, and Django accepts the next
// code and refuses the confirming one.
func TestDjangoConsoleEnrollsADeviceDjangoAccepts(t *testing.T) {
	tmux := need(t, "tmux", "tmux")
	oathtool := need(t, "oathtool", "oathtool")
	site := djangosite.New(t)
	site.CreateUser("frank")
	cli := newDjangoCLI(t, site)
	cli.run(t, 0, "config", "set", "issuer", "Example")
	tm := cli.startConsole(t, tmux, 80, 24)

	tm.waitFor("frank")
	tm.keys("n")
	tm.waitFor("Enroll a device for frank")
	tm.keys("Enter")
	secret := secretOnScreen(t, tm.waitFor("Code:"))
	key := hex.EncodeToString(secret)
	step := time.Now().Unix() / 30
	code := oathCode(t, oathtool, key, step)
	tm.keys("-l", code)
	tm.keys("Enter")
	tm.waitFor(`confirmed: frank now has TOTP app`)
	tm.keys("q")
	tm.waitFor("EXIT=0")

	ds := site.Devices("frank")
	if len(ds) != 1 || ds[0].Table != djangosite.TOTPTable || ds[0].Name != "default" || !ds[0].Confirmed || ds[0].Key != key {
		t.Fatalf("Django's devices of frank after the console's enrollment: %+v (secret shown %s)", ds, key)
	}
	if got := site.Manage("two_factor_status", "frank"); got.Stdout != "frank: enabled\n" {
		t.Errorf("two_factor_status after the enrollment: %+v", got)
	}
	if ok, err := site.VerifyToken("frank", ds[0], code); err != nil || ok {
		t.Fatalf("Django on the code that confirmed the enrollment: %v %v", ok, err)
	}
	site.Unthrottle()
	if ok, err := site.VerifyToken("frank", ds[0], oathCode(t, oathtool, key, step+1)); err != nil || !ok {
		t.Fatalf("Django refused the next code: %v %v (%v)", ok, err, site.State(ds[0]).Columns)
	}
}

// secretOnScreen reads the secret the enrollment screen shows to type in
// by hand: base32 in groups, beside the QR code, wrapped over lines.
func secretOnScreen(t *testing.T, screen string) []byte {
	t.Helper()
	const label = "Secret (to type in by hand):"
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		at := strings.Index(l, label)
		if at < 0 {
			continue
		}
		col := len([]rune(l[:at]))
		var groups strings.Builder
		for _, next := range lines[i+1:] {
			r := []rune(next)
			if len(r) <= col {
				break
			}
			part := strings.TrimSpace(string(r[col:]))
			if part == "" || strings.Contains(part, ":") {
				break
			}
			groups.WriteString(strings.ReplaceAll(part, " ", ""))
		}
		secret, err := otpcore.DecodeBase32(groups.String())
		if err != nil || len(secret) < 16 {
			t.Fatalf("the secret on the screen %q does not decode: %v\n%s", groups.String(), err, screen)
		}
		return secret
	}
	t.Fatalf("no secret on the screen:\n%s", screen)
	return nil
}
