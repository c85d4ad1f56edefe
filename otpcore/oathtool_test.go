package otpcore_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// These tests compare otpcore with oathtool from OATH Toolkit (Debian
// package "oathtool"), a C implementation that shares nothing with ours:
// random keys of 1..64 bytes, random counters and times, 6-8 digits, all
// three hashes, non-default steps and start times, and the -w search.

// oathtool returns the path of the oathtool binary. Outside CI a missing
// binary skips the test; in CI (CI=true) it fails it, so a machine without
// the package can never pass by silently skipping the cross-checks.
func oathtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("oathtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("oathtool is not installed but CI=true: install it (apt-get install oathtool); the cross-checks must run in CI")
		}
		t.Skip("oathtool is not installed (apt-get install oathtool): skipping the cross-checks against OATH Toolkit")
	}
	return p
}

// runOathtool runs oathtool and returns its output lines and exit code.
func runOathtool(t *testing.T, bin string, args ...string) ([]string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("oathtool %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return strings.Fields(string(out)), code
}

// keyArgs passes the key as hex, or for some cases as base32 written by our
// own EncodeBase32, so that oathtool's decoder checks our encoder too.
func keyArgs(rng *rand.Rand, key []byte) []string {
	if rng.IntN(3) == 0 {
		return []string{"-b", otpcore.EncodeBase32(key)}
	}
	return []string{hex.EncodeToString(key)}
}

func TestOathtoolHOTP(t *testing.T) {
	bin := oathtool(t)
	rng := rand.New(rand.NewPCG(4226, 2))
	const batch = 10 // codes per oathtool run, via -w
	for i := range 60 {
		key := randKey(rng, 1+rng.IntN(64))
		digits := 6 + rng.IntN(3)
		var counter uint64
		switch i % 4 {
		case 0:
			counter = rng.Uint64N(1000)
		case 1:
			counter = rng.Uint64N(1 << 32)
		case 2:
			counter = rng.Uint64()
			counter = min(counter, ^uint64(0)-batch)
		default:
			counter = 1<<63 - 5 // across the int64 boundary
		}
		args := append([]string{"-c", strconv.FormatUint(counter, 10), "-d", strconv.Itoa(digits), "-w", strconv.Itoa(batch - 1)}, keyArgs(rng, key)...)
		lines, rc := runOathtool(t, bin, args...)
		if rc != 0 || len(lines) != batch {
			t.Fatalf("oathtool %v: exit %d, %d lines", args, rc, len(lines))
		}
		g := mustGen(t, otpcore.SHA1, key, digits)
		for j, want := range lines {
			c := counter + uint64(j)
			if got := g.Code(c); got != want {
				t.Errorf("%d-byte key, %d digits, counter %d: Code = %s, oathtool %s", len(key), digits, c, got, want)
			}
		}
	}
}

func TestOathtoolTOTP(t *testing.T) {
	bin := oathtool(t)
	rng := rand.New(rand.NewPCG(6238, 2))
	algs := map[otpcore.Algorithm]string{otpcore.SHA1: "SHA1", otpcore.SHA256: "SHA256", otpcore.SHA512: "SHA512"}
	const batch = 5
	for i := range 120 {
		alg := allAlgs[i%3]
		key := randKey(rng, 1+rng.IntN(64))
		digits := 6 + rng.IntN(3)
		p := otpcore.DefaultTOTP
		switch rng.IntN(4) {
		case 1:
			p.Step = 60
		case 2:
			p.Step = 1 + rng.Int64N(300)
			p.T0 = rng.Int64N(2_000_000_000)
		case 3:
			p.T0 = rng.Int64N(1_000_000)
		}
		unix := p.T0 + rng.Int64N(4_000_000_000)
		if i%10 == 0 {
			unix = p.T0 + 20_000_000_000 + rng.Int64N(1000) // beyond 2038, like RFC 6238's last row
		}
		args := []string{
			"--totp=" + algs[alg], "-d", strconv.Itoa(digits), "-s", strconv.FormatInt(p.Step, 10),
			"-S", "@" + strconv.FormatInt(p.T0, 10), "-N", "@" + strconv.FormatInt(unix, 10),
			"-w", strconv.Itoa(batch - 1),
		}
		args = append(args, keyArgs(rng, key)...)
		lines, rc := runOathtool(t, bin, args...)
		if rc != 0 || len(lines) != batch {
			t.Fatalf("oathtool %v: exit %d, %d lines", args, rc, len(lines))
		}
		g := mustGen(t, alg, key, digits)
		now := p.StepAt(unix)
		for j, want := range lines {
			if got := g.Code(uint64(now + int64(j))); got != want {
				t.Errorf("%v %d-byte key %d digits %+v at %d step +%d: Code = %s, oathtool %s", alg, len(key), digits, p, unix, j, got, want)
			}
		}
		// oathtool's current code passes our verification with no
		// tolerance, at the exact step.
		m, ok := g.VerifyTOTP(mustCode(t, lines[0], digits), p, unix, otpcore.Window{Floor: otpcore.NoFloor})
		if !ok || m.Step != now || m.Offset != 0 {
			t.Errorf("%v %+v at %d: oathtool's code %s gave %+v, %v", alg, p, unix, lines[0], m, ok)
		}
	}
}

// oathtool -c N -w W KEY OTP searches counters N..N+W and prints how far
// past N the code was found: the same search as VerifyHOTP's look-ahead.
func TestOathtoolHOTPWindow(t *testing.T) {
	bin := oathtool(t)
	rng := rand.New(rand.NewPCG(4226, 3))
	for range 30 {
		key := randKey(rng, 1+rng.IntN(64))
		digits := 6 + rng.IntN(3)
		next := rng.Uint64N(1 << 40)
		window := rng.IntN(20)
		k := uint64(rng.IntN(window + 4)) // sometimes beyond the window
		// The code the token shows at next+k, according to oathtool.
		lines, rc := runOathtool(t, bin, append([]string{"-c", strconv.FormatUint(next+k, 10), "-d", strconv.Itoa(digits)}, keyArgs(rng, key)...)...)
		if rc != 0 || len(lines) != 1 {
			t.Fatalf("oathtool: exit %d, %v", rc, lines)
		}
		code := lines[0]
		args := append([]string{"-c", strconv.FormatUint(next, 10), "-d", strconv.Itoa(digits), "-w", strconv.Itoa(window)}, keyArgs(rng, key)...)
		lines, rc = runOathtool(t, bin, append(args, code)...)
		g := mustGen(t, otpcore.SHA1, key, digits)
		m, ok := g.VerifyHOTP(mustCode(t, code, digits), next, window)
		if (rc == 0) != ok {
			t.Errorf("next %d window %d code at +%d: oathtool exit %d, VerifyHOTP %v", next, window, k, rc, ok)
			continue
		}
		if !ok {
			continue
		}
		found, err := strconv.ParseInt(lines[0], 10, 64)
		if err != nil || m.Offset != found || m.Step != int64(next)+found {
			t.Errorf("next %d window %d code at +%d: oathtool found +%s, VerifyHOTP %+v", next, window, k, lines[0], m)
		}
	}
}

// oathtool --totp -N T -w W KEY OTP searches steps now-W..now+W and prints
// the distance of the match; VerifyTOTP with tolerance W must agree on
// whether it matches and how far away.
func TestOathtoolTOTPWindow(t *testing.T) {
	bin := oathtool(t)
	rng := rand.New(rand.NewPCG(6238, 3))
	for range 30 {
		key := randKey(rng, 1+rng.IntN(64))
		digits := 6 + rng.IntN(3)
		unix := 1_000_000_000 + rng.Int64N(1_000_000_000)
		window := rng.IntN(10)
		k := int64(rng.IntN(2*window+7)) - int64(window) - 3 // sometimes outside
		lines, rc := runOathtool(t, bin, append([]string{"--totp", "-d", strconv.Itoa(digits), "-N", "@" + strconv.FormatInt(unix+30*k, 10)}, keyArgs(rng, key)...)...)
		if rc != 0 || len(lines) != 1 {
			t.Fatalf("oathtool: exit %d, %v", rc, lines)
		}
		code := lines[0]
		args := append([]string{"--totp", "-d", strconv.Itoa(digits), "-N", "@" + strconv.FormatInt(unix, 10), "-w", strconv.Itoa(window)}, keyArgs(rng, key)...)
		lines, rc = runOathtool(t, bin, append(args, code)...)
		g := mustGen(t, otpcore.SHA1, key, digits)
		m, ok := g.VerifyTOTP(mustCode(t, code, digits), otpcore.DefaultTOTP, unix, otpcore.Window{Tolerance: window, Floor: otpcore.NoFloor})
		if (rc == 0) != ok {
			t.Errorf("window %d code at %+d: oathtool exit %d, VerifyTOTP %v", window, k, rc, ok)
			continue
		}
		if !ok {
			continue
		}
		if got := fmt.Sprint(max(m.Offset, -m.Offset)); len(lines) != 1 || lines[0] != got {
			t.Errorf("window %d code at %+d: oathtool found distance %v, VerifyTOTP %+v", window, k, lines, m)
		}
	}
}
