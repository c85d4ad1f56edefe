package devices

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// djangoOracle is the body of django-otp's TOTPDevice.verify_token and
// HOTPDevice.verify_token (1.1.3; 1.7 only adds last_used_at) run on the
// real django_otp.oath, which needs no Django project: the models' state
// (drift, last_t, counter) in, the verdict and the new state out. One JSON
// case per line.
const djangoOracle = `
import json, sys
from binascii import unhexlify
from django_otp.oath import TOTP, hotp

def totp_verify(c):
    drift, last_t = c["drift"], c["last_t"]
    try:
        token = int(c["token"])
    except Exception:
        return False, drift, last_t
    totp = TOTP(unhexlify(c["key"].encode()), c["step"], c["t0"], c["digits"], drift)
    totp.time = c["now"]
    ok = totp.verify(token, c["tol"], last_t + 1)
    if ok:
        last_t = totp.t()
        if c["sync"]:
            drift = totp.drift
    return ok, drift, last_t

def hotp_verify(c):
    counter = c["counter"]
    try:
        token = int(c["token"])
    except Exception:
        return False, counter
    key = unhexlify(c["key"].encode())
    for n in range(counter, counter + c["tol"] + 1):
        if hotp(key, n, c["digits"]) == token:
            return True, n + 1
    return False, counter

for line in sys.stdin:
    c = json.loads(line)
    if c["kind"] == "totp":
        ok, drift, last_t = totp_verify(c)
        out = {"ok": ok, "drift": drift, "last_t": last_t}
    else:
        ok, counter = hotp_verify(c)
        out = {"ok": ok, "counter": counter}
    print(json.dumps(out))
`

type oracleCase struct {
	Kind    string  `json:"kind"`
	Key     string  `json:"key"`
	Step    int64   `json:"step"`
	T0      int64   `json:"t0"`
	Digits  int     `json:"digits"`
	Tol     int     `json:"tol"`
	Drift   int64   `json:"drift"`
	LastT   int64   `json:"last_t"`
	Counter uint64  `json:"counter"`
	Now     float64 `json:"now"`
	Token   string  `json:"token"`
	Sync    bool    `json:"sync"`
}

type oracleResult struct {
	OK      bool   `json:"ok"`
	Drift   int64  `json:"drift"`
	LastT   int64  `json:"last_t"`
	Counter uint64 `json:"counter"`
}

// needDjangoOTP skips the test when /usr/bin/python3 cannot import
// django_otp (python3-django-otp not installed), or fails it under CI.
func needDjangoOTP(t *testing.T) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c", "import django_otp.oath").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("/usr/bin/python3 cannot import django_otp.oath (apt-get install python3-django-otp): %v %s", err, out)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so the cross-check must run")
	}
	t.Skip(msg)
}

func runOracle(t *testing.T, cases []oracleCase) []oracleResult {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/usr/bin/python3", "-c", djangoOracle)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("django-otp oracle: %v\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	res := make([]oracleResult, len(cases))
	for i := range res {
		if err := dec.Decode(&res[i]); err != nil {
			t.Fatalf("oracle answer %d: %v", i, err)
		}
	}
	return res
}

// mangle writes a code the ways a person, a form or an attacker might:
// each form is one int() accepts or refuses, so both sides must agree.
func mangle(r *rand.Rand, code string) string {
	arabic := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			b.WriteRune('\u0660' + (c - '0'))
		}
		return b.String()
	}
	switch r.IntN(16) {
	case 0:
		return "0" + code
	case 1:
		return " " + code + "\n"
	case 2:
		return "+" + code
	case 3:
		return "-" + code
	case 4:
		return code[:2] + "_" + code[2:]
	case 5:
		return code[:2] + "__" + code[2:]
	case 6:
		return arabic(code)
	case 7:
		return "\u2003" + code + "\x1f"
	case 8:
		return code[:3] + " " + code[3:]
	case 9:
		return code + "a"
	case 10:
		return code[1:]
	case 11:
		return fmt.Sprintf("%d", r.IntN(100_000_000))
	case 12:
		return []string{"", " ", "_", "-0", "+0", "0", "abcdefgh", "1e6", "0x1f"}[r.IntN(9)]
	}
	return code
}

// TestDjangoRulesAgreeWithDjangoOTP checks Verify under DjangoRules against
// django-otp's own code over random keys, times, step lengths, digits,
// tolerances, drifts, last_t floors and typed forms of right and wrong
// codes: the same verdict, and the same drift, last_t or counter after.
func TestDjangoRulesAgreeWithDjangoOTP(t *testing.T) {
	needDjangoOTP(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	var cases []oracleCase
	var devs []*Device
	var nows []time.Time
	add := func(c oracleCase, d *Device, now time.Time) {
		cases, devs, nows = append(cases, c), append(devs, d), append(nows, now)
	}
	for range 4000 {
		key := make([]byte, 1+r.IntN(40))
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		digits := []int{6, 8}[r.IntN(2)]
		tol := r.IntN(6)
		d := &Device{Name: "default", Algorithm: otpcore.SHA1, Digits: digits, Secret: key, Tolerance: tol, Enabled: true, Confirmed: true}
		c := oracleCase{Key: hex.EncodeToString(key), Digits: digits, Tol: tol, Sync: r.IntN(4) != 0}
		now := time.Unix(1_000_000_000+r.Int64N(3_000_000_000), r.Int64N(1e9))
		c.Now = float64(now.UnixNano()) / 1e9
		var target uint64
		if r.IntN(2) == 0 {
			d.Kind, c.Kind = TOTP, "totp"
			d.Step, d.T0 = 1+r.Int64N(120), r.Int64N(1_000_000)
			d.Drift = r.Int64N(21) - 10
			c.Step, c.T0, c.Drift = d.Step, d.T0, d.Drift
			// The whole-second time both sides see, as int(time.time()).
			now = time.Unix(int64(c.Now), 0)
			expected := (now.Unix()-d.T0)/d.Step + d.Drift
			c.LastT, d.LastStep = -1, otpcore.NoFloor
			if r.IntN(3) != 0 {
				c.LastT = expected + r.Int64N(7) - 4
				d.LastStep = c.LastT
			}
			target = uint64(expected + r.Int64N(int64(2*tol+5)) - int64(tol) - 2)
		} else {
			d.Kind, c.Kind = HOTP, "hotp"
			d.Counter = r.Uint64N(1_000_000)
			c.Counter = d.Counter
			target = d.Counter + uint64(r.IntN(tol+4)) - 2
		}
		code, err := otpcore.HOTP(otpcore.SHA1, key, target, digits)
		if err != nil {
			t.Fatal(err)
		}
		c.Token = mangle(r, code)
		add(c, d, now)
	}
	// Two steps of one window that show the same code: the order in which
	// the window is tried decides which one is stored.
	lo, hi := collidingSteps(t, rfcKey, MaxTolerance)
	for _, sync := range []bool{true, false} {
		code, _ := otpcore.HOTP(otpcore.SHA1, rfcKey, uint64(hi), 6)
		d := totpDevice()
		d.Tolerance = int(hi - lo)
		add(oracleCase{Kind: "totp", Key: hex.EncodeToString(rfcKey), Step: 30, Digits: 6, Tol: d.Tolerance,
			LastT: -1, Now: float64(hi * 30), Token: code, Sync: sync}, d, time.Unix(hi*30, 0))
	}

	want := runOracle(t, cases)
	accepted := 0
	for i, c := range cases {
		d := devs[i]
		p := Policy{Rules: DjangoRules, FollowDrift: c.Sync}
		res, err := d.Verify(c.Token, nows[i], p)
		if err != nil {
			t.Fatalf("case %d %+v: %v", i, c, err)
		}
		got := oracleResult{OK: res.Outcome == Accepted, Drift: d.Drift, LastT: d.LastStep, Counter: d.Counter}
		if c.Kind == "totp" {
			got.Counter = 0
			if got.LastT == otpcore.NoFloor {
				got.LastT = -1
			}
		} else {
			got.Drift, got.LastT = 0, 0
		}
		if got != want[i] {
			t.Fatalf("case %d %+v:\n two-factor %+v\n django-otp %+v", i, c, got, want[i])
		}
		if got.OK {
			accepted++
		} else if d.Failures != 1 {
			t.Fatalf("case %d: a refused code must count one failure, got %d", i, d.Failures)
		}
	}
	// The cases must exercise both verdicts, or the comparison proves little.
	if accepted < len(cases)/10 || accepted > len(cases)*9/10 {
		t.Fatalf("%d of %d accepted: the generator is skewed", accepted, len(cases))
	}
	t.Logf("%d cases, %d accepted by both", len(cases), accepted)
}

// pythonCharsOracle lists, over every code point, the characters int()
// strips around a number and the ones it reads as digits (with their
// value); for each character Go's tables know and Python 3.11's do not
// (an Nd digit from a later Unicode version) it says so.
const pythonCharsOracle = `
import json, sys, unicodedata
spaces, digits = [], {}
for cp in range(0x110000):
    if 0xD800 <= cp < 0xE000:
        continue
    c = chr(cp)
    try:
        if int("1" + c) == 1:
            spaces.append(cp)
    except Exception:
        pass
    try:
        digits[cp] = int(c)
    except Exception:
        pass
ours = json.load(sys.stdin)
newer = [cp for cp in ours if unicodedata.category(chr(cp)) == "Cn"]
print(json.dumps({"spaces": spaces, "digits": digits, "unassigned": newer}))
`

// TestPythonIntCharactersAgree compares pythonInt's white space and digits
// with CPython's int() on every code point.
func TestPythonIntCharactersAgree(t *testing.T) {
	needDjangoOTP(t)
	var ourSpaces []rune
	ourDigits := map[rune]uint64{}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r < 0xE000 {
			continue
		}
		if v, ok := pythonInt("1" + string(r)); ok && v == 1 {
			ourSpaces = append(ourSpaces, r)
		}
		if v, ok := pythonInt(string(r)); ok {
			ourDigits[r] = v
		}
	}
	var all []rune
	for r := range ourDigits {
		all = append(all, r)
	}
	in, _ := json.Marshal(all)
	cmd := exec.Command("/usr/bin/python3", "-c", pythonCharsOracle)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var py struct {
		Spaces     []rune          `json:"spaces"`
		Digits     map[rune]uint64 `json:"digits"`
		Unassigned []rune          `json:"unassigned"`
	}
	if err := json.Unmarshal(out, &py); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ourSpaces) != fmt.Sprint(py.Spaces) {
		t.Errorf("white space around a number:\n ours   %U\n python %U", ourSpaces, py.Spaces)
	}
	newer := map[rune]bool{}
	for _, r := range py.Unassigned {
		newer[r] = true
	}
	for r, v := range py.Digits {
		if ourDigits[r] != v {
			t.Errorf("%U: python reads %d, we read %d (present %v)", r, v, ourDigits[r], ourDigits[r] == v)
		}
	}
	extra := 0
	for r := range ourDigits {
		if _, ok := py.Digits[r]; !ok {
			if !newer[r] {
				t.Errorf("%U: we read a digit, python 3.11 refuses it", r)
			}
			extra++
		}
	}
	t.Logf("%d spaces, %d digits agree; %d digits from Unicode versions after Python's", len(py.Spaces), len(py.Digits), extra)
}
