package otpcore_test

import (
	"encoding/base32"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/two-factor/two-factor/otpcore"
)

// ref produces codes with github.com/pquerna/otp, an implementation that
// shares no code with ours, so that window tests can ask "what does the
// token show at step N" without trusting the code under test.
type ref struct {
	secret string
	opts   hotp.ValidateOpts
}

func newRef(alg otpcore.Algorithm, key []byte, digits int) ref {
	a := map[otpcore.Algorithm]otp.Algorithm{
		otpcore.SHA1:   otp.AlgorithmSHA1,
		otpcore.SHA256: otp.AlgorithmSHA256,
		otpcore.SHA512: otp.AlgorithmSHA512,
	}[alg]
	return ref{
		secret: base32.StdEncoding.EncodeToString(key),
		opts:   hotp.ValidateOpts{Digits: otp.Digits(digits), Algorithm: a},
	}
}

func (r ref) code(tb testing.TB, counter uint64) string {
	tb.Helper()
	c, err := hotp.GenerateCodeCustom(r.secret, counter, r.opts)
	if err != nil {
		tb.Fatalf("reference implementation: %v", err)
	}
	return c
}

var allAlgs = []otpcore.Algorithm{otpcore.SHA1, otpcore.SHA256, otpcore.SHA512}

func randKey(rng *rand.Rand, n int) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = byte(rng.Uint32())
	}
	return k
}

// nearestOrder lists offsets in the order the window is documented to try
// them: 0, -1, +1, -2, +2, ...
func nearestOrder(tol int) []int64 {
	out := []int64{0}
	for i := int64(1); i <= int64(tol); i++ {
		out = append(out, -i, i)
	}
	return out
}

func TestVerifyTOTPWindowAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(6238, 1))
	for _, alg := range allAlgs {
		for _, tol := range []int{0, 1, 2, 5} {
			for range 4 {
				digits := 6 + rng.IntN(3)
				key := randKey(rng, 10+rng.IntN(55))
				r := newRef(alg, key, digits)
				g := mustGen(t, alg, key, digits)
				p := otpcore.TOTPParams{Step: 30, T0: 0}
				unix := rng.Int64N(4_000_000_000)
				now := unix / 30
				drift := rng.Int64N(101) - 50
				w := otpcore.Window{Drift: drift, Tolerance: tol, Floor: otpcore.NoFloor}
				// What the reference says the token shows in and just
				// outside the window.
				shows := map[int64]string{}
				for k := -int64(tol) - 1; k <= int64(tol)+1; k++ {
					shows[k] = r.code(t, uint64(now+drift+k))
				}
				for k := -int64(tol) - 1; k <= int64(tol)+1; k++ {
					code := shows[k]
					// Expected: the nearest offset inside the window whose
					// code equals this one (normally k itself).
					var want *otpcore.Match
					for _, o := range nearestOrder(tol) {
						if shows[o] == code {
							want = &otpcore.Match{Step: now + drift + o, Offset: o, Drift: drift + o}
							break
						}
					}
					m, ok := g.VerifyTOTP(mustCode(t, code, digits), p, unix, w)
					switch {
					case want == nil && ok:
						t.Errorf("%v tol %d drift %d: code at offset %d accepted as %+v", alg, tol, drift, k, m)
					case want != nil && (!ok || m != *want):
						t.Errorf("%v tol %d drift %d: code at offset %d gave %+v, %v; want %+v", alg, tol, drift, k, m, ok, *want)
					}
				}
			}
		}
	}
}

// Codes that repeat within a few steps, found by an independent search over
// the RFC 4226 key with six digits (and confirmed below by the reference):
// counters 103424 and 103427 both show 746629, 153567 and 153569 both show
// 468457, 910737 and 910738 both show 911617.
func TestVerifyTOTPNearestMatchWins(t *testing.T) {
	r := newRef(otpcore.SHA1, rfc4226Key, 6)
	for _, pair := range [][3]any{{uint64(103424), uint64(103427), "746629"}, {uint64(153567), uint64(153569), "468457"}, {uint64(910737), uint64(910738), "911617"}} {
		for _, c := range pair[:2] {
			if got := r.code(t, c.(uint64)); got != pair[2] {
				t.Fatalf("collision table is wrong: counter %d shows %s", c, got)
			}
		}
	}
	g := mustGen(t, otpcore.SHA1, rfc4226Key, 6)
	p := otpcore.DefaultTOTP
	cases := []struct {
		name     string
		code     string
		expected int64 // the step we expect (our step + drift)
		drift    int64
		tol      int
		floor    int64
		want     otpcore.Match
	}{
		{"-1 beats +2", "746629", 103425, 0, 2, otpcore.NoFloor, otpcore.Match{Step: 103424, Offset: -1, Drift: -1}},
		{"+1 beats -2", "746629", 103426, 0, 2, otpcore.NoFloor, otpcore.Match{Step: 103427, Offset: 1, Drift: 1}},
		{"+1 beats -2 with drift", "746629", 103426, 426, 2, otpcore.NoFloor, otpcore.Match{Step: 103427, Offset: 1, Drift: 427}},
		{"tie: -1 is tried before +1", "468457", 153568, 0, 1, otpcore.NoFloor, otpcore.Match{Step: 153567, Offset: -1, Drift: -1}},
		{"tie, -1 at the floor: +1 wins", "468457", 153568, 0, 1, 153567, otpcore.Match{Step: 153569, Offset: 1, Drift: 1}},
		{"exact beats +1", "911617", 910737, 0, 1, otpcore.NoFloor, otpcore.Match{Step: 910737, Offset: 0, Drift: 0}},
		{"exact beats -1", "911617", 910738, -8, 3, otpcore.NoFloor, otpcore.Match{Step: 910738, Offset: 0, Drift: -8}},
		{"exact used: +1 wins", "911617", 910737, 0, 1, 910737, otpcore.Match{Step: 910738, Offset: 1, Drift: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.expected - c.drift
			unix := now*30 + 29 // last second of our step
			m, ok := g.VerifyTOTP(mustCode(t, c.code, 6), p, unix, otpcore.Window{Drift: c.drift, Tolerance: c.tol, Floor: c.floor})
			if !ok || m != c.want {
				t.Errorf("got %+v, %v; want %+v", m, ok, c.want)
			}
		})
	}
}

func TestVerifyTOTPReplayFloor(t *testing.T) {
	key := []byte("replay-floor-test-key")
	r := newRef(otpcore.SHA256, key, 6)
	g := mustGen(t, otpcore.SHA256, key, 6)
	p := otpcore.DefaultTOTP
	unix := int64(1_700_000_015)
	s := p.StepAt(unix)
	if s != 56_666_667 {
		t.Fatalf("StepAt = %d", s)
	}
	// The test needs distinct codes at s-1, s, s+1.
	cm, c0, cp := r.code(t, uint64(s-1)), r.code(t, uint64(s)), r.code(t, uint64(s+1))
	if cm == c0 || c0 == cp || cm == cp {
		t.Fatal("pick another key: codes collide")
	}
	for _, c := range []struct {
		name  string
		code  string
		floor int64
		tol   int
		ok    bool
		step  int64
	}{
		{"never used", c0, otpcore.NoFloor, 0, true, s},
		{"floor just below", c0, s - 1, 0, true, s},
		{"floor at the step (replay)", c0, s, 0, false, 0},
		{"floor at the step, tolerance 1", c0, s, 1, false, 0},
		{"floor above the step", c0, s + 5, 1, false, 0},
		{"next step after a use", cp, s, 1, true, s + 1},
		{"previous step after a use", cm, s, 1, false, 0},
		{"previous step, floor two below", cm, s - 2, 1, true, s - 1},
		{"floor math.MaxInt64", c0, math.MaxInt64, 1, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, ok := g.VerifyTOTP(mustCode(t, c.code, 6), p, unix, otpcore.Window{Tolerance: c.tol, Floor: c.floor})
			if ok != c.ok || (ok && m.Step != c.step) {
				t.Errorf("got %+v, %v; want ok=%v step %d", m, ok, c.ok, c.step)
			}
			if ok && m.Step <= c.floor {
				t.Errorf("accepted step %d at or below floor %d", m.Step, c.floor)
			}
		})
	}
}

// A hardware token three steps fast: rejected with drift 0, accepted once
// the drift is known, and the reported offset is relative to the drift.
func TestVerifyTOTPDriftHonoured(t *testing.T) {
	key := randKey(rand.New(rand.NewPCG(3, 3)), 20)
	r := newRef(otpcore.SHA1, key, 6)
	g := mustGen(t, otpcore.SHA1, key, 6)
	p := otpcore.DefaultTOTP
	unix := int64(1_750_000_000)
	now := p.StepAt(unix)
	for _, tokenDrift := range []int64{3, -3, 200, -200} {
		code := mustCode(t, r.code(t, uint64(now+tokenDrift)), 6)
		for _, c := range []struct {
			stored int64
			tol    int
			ok     bool
		}{
			{0, 1, false},
			{tokenDrift, 0, true},
			{tokenDrift, 1, true},
			{tokenDrift - 1, 1, true},
			{tokenDrift + 1, 1, true},
			{tokenDrift - 2, 1, false},
			{tokenDrift + 2, 1, false},
			{tokenDrift - 2, 2, true},
		} {
			m, ok := g.VerifyTOTP(code, p, unix, otpcore.Window{Drift: c.stored, Tolerance: c.tol, Floor: otpcore.NoFloor})
			if ok != c.ok {
				t.Errorf("token drift %d, stored %d, tol %d: ok = %v", tokenDrift, c.stored, c.tol, ok)
				continue
			}
			want := otpcore.Match{Step: now + tokenDrift, Offset: tokenDrift - c.stored, Drift: tokenDrift}
			if ok && m != want {
				t.Errorf("token drift %d, stored %d: got %+v, want %+v", tokenDrift, c.stored, m, want)
			}
		}
	}
}

func TestVerifyTOTPToleranceN(t *testing.T) {
	key := []byte("tolerance")
	r := newRef(otpcore.SHA512, key, 8)
	g := mustGen(t, otpcore.SHA512, key, 8)
	p := otpcore.DefaultTOTP
	unix := int64(1_600_000_000)
	now := p.StepAt(unix)
	for _, tol := range []int{-3, 0, 1, 4, 10} {
		eff := max(tol, 0) // a negative tolerance means exact only
		for k := int64(-12); k <= 12; k++ {
			code := mustCode(t, r.code(t, uint64(now+k)), 8)
			m, ok := g.VerifyTOTP(code, p, unix, otpcore.Window{Tolerance: tol, Floor: otpcore.NoFloor})
			inside := k >= -int64(eff) && k <= int64(eff)
			if ok != inside {
				t.Errorf("tol %d: code at offset %d ok = %v", tol, k, ok)
			}
			if ok && (m.Offset != k || m.Drift != k || m.Step != now+k) {
				t.Errorf("tol %d: code at offset %d matched %+v", tol, k, m)
			}
		}
	}
}

func TestStepAtFloors(t *testing.T) {
	for _, c := range []struct {
		p    otpcore.TOTPParams
		unix int64
		want int64
	}{
		{otpcore.TOTPParams{Step: 30}, 0, 0},
		{otpcore.TOTPParams{Step: 30}, 29, 0},
		{otpcore.TOTPParams{Step: 30}, 30, 1},
		{otpcore.TOTPParams{Step: 30}, -1, -1},
		{otpcore.TOTPParams{Step: 30}, -30, -1},
		{otpcore.TOTPParams{Step: 30}, -31, -2},
		{otpcore.TOTPParams{Step: 30}, -60, -2},
		{otpcore.TOTPParams{Step: 30}, -61, -3},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 999, -1},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 940, -1},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 939, -2},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 1000, 0},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 1059, 0},
		{otpcore.TOTPParams{Step: 60, T0: 1000}, 1060, 1},
		{otpcore.TOTPParams{Step: 1, T0: -5}, -6, -1},
		{otpcore.TOTPParams{Step: 1, T0: -5}, -5, 0},
		{otpcore.TOTPParams{Step: 7, T0: 3}, 3 + 7*1000 - 1, 999},
	} {
		if got := c.p.StepAt(c.unix); got != c.want {
			t.Errorf("%+v.StepAt(%d) = %d, want %d", c.p, c.unix, got, c.want)
		}
	}
	if err := (otpcore.TOTPParams{Step: 0}).Validate(); err == nil {
		t.Error("step 0 validated")
	}
	if err := (otpcore.TOTPParams{Step: -30}).Validate(); err == nil {
		t.Error("step -30 validated")
	}
	if err := otpcore.DefaultTOTP.Validate(); err != nil || otpcore.DefaultTOTP != (otpcore.TOTPParams{Step: 30}) {
		t.Errorf("DefaultTOTP = %+v, %v", otpcore.DefaultTOTP, err)
	}
}

func TestVerifyTOTPBeforeT0(t *testing.T) {
	key := []byte("before-t0")
	r := newRef(otpcore.SHA1, key, 6)
	g := mustGen(t, otpcore.SHA1, key, 6)
	p := otpcore.TOTPParams{Step: 30, T0: 1_000_000}
	c0, c1 := r.code(t, 0), r.code(t, 1)
	// Step -1 would be counter 2^64-1 if it wrapped; it must never be tried.
	cWrap := r.code(t, math.MaxUint64)
	if c0 == c1 || cWrap == c0 || cWrap == c1 {
		t.Fatal("pick another key: codes collide")
	}
	unix := p.T0 - 10 // our step is -1
	if got := p.StepAt(unix); got != -1 {
		t.Fatalf("StepAt(T0-10) = %d", got)
	}
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	if m, ok := g.VerifyTOTP(mustCode(t, c0, 6), p, unix, w); !ok || m != (otpcore.Match{Step: 0, Offset: 1, Drift: 1}) {
		t.Errorf("step 0 from step -1: %+v, %v", m, ok)
	}
	if m, ok := g.VerifyTOTP(mustCode(t, cWrap, 6), p, unix, w); ok {
		t.Errorf("negative step accepted as %+v", m)
	}
	if m, ok := g.VerifyTOTP(mustCode(t, cWrap, 6), p, p.T0, w); ok {
		t.Errorf("negative step accepted at T0 as %+v", m)
	}
	if m, ok := g.VerifyTOTP(mustCode(t, c1, 6), p, unix, w); ok {
		t.Errorf("step 1 accepted from step -1 with tolerance 1: %+v", m)
	}
	// Long before T0 nothing matches, and nothing panics.
	if m, ok := g.VerifyTOTP(mustCode(t, c0, 6), p, -1_000_000_000, otpcore.Window{Tolerance: 5, Floor: otpcore.NoFloor}); ok {
		t.Errorf("accepted long before T0: %+v", m)
	}
	// Negative Unix times with T0 = 0 behave the same way.
	if m, ok := g.VerifyTOTP(mustCode(t, c0, 6), otpcore.DefaultTOTP, -5, w); !ok || m != (otpcore.Match{Step: 0, Offset: 1, Drift: 1}) {
		t.Errorf("step 0 at unix -5: %+v, %v", m, ok)
	}
}

func TestVerifyTOTPNonDefaultParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(60, 1))
	for _, p := range []otpcore.TOTPParams{{Step: 60, T0: 1_000_000}, {Step: 15, T0: -100}, {Step: 3600, T0: 86_400}, {Step: 1, T0: 0}} {
		for range 10 {
			key := randKey(rng, 20)
			r := newRef(otpcore.SHA256, key, 8)
			g := mustGen(t, otpcore.SHA256, key, 8)
			unix := p.T0 + rng.Int64N(1_000_000_000)
			counter := (unix - p.T0) / p.Step // unix >= T0 here
			code := mustCode(t, r.code(t, uint64(counter)), 8)
			m, ok := g.VerifyTOTP(code, p, unix, otpcore.Window{Floor: otpcore.NoFloor})
			if !ok || m != (otpcore.Match{Step: counter}) {
				t.Errorf("%+v at %d: %+v, %v; want step %d", p, unix, m, ok, counter)
			}
			// The same code read with the default parameters is a
			// different step and must not pass.
			if counter != unix/30 {
				if m, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, unix, otpcore.Window{Floor: otpcore.NoFloor}); ok && m.Step != counter {
					t.Errorf("%+v: code accepted under default parameters as %+v", p, m)
				}
			}
		}
	}
}

func TestVerifyTOTPRejectsBadInput(t *testing.T) {
	g6 := mustGen(t, otpcore.SHA1, rfc6238Keys[otpcore.SHA1], 6)
	g8 := mustGen(t, otpcore.SHA1, rfc6238Keys[otpcore.SHA1], 8)
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	p := otpcore.DefaultTOTP
	// RFC 6238: at unix 59 the 8-digit SHA-1 code is 94287082.
	if _, ok := g6.VerifyTOTP(mustCode(t, "287082", 6), p, 59, w); !ok {
		t.Fatal("6-digit code refused")
	}
	if _, ok := g8.VerifyTOTP(mustCode(t, "94287082", 8), p, 59, w); !ok {
		t.Fatal("8-digit code refused")
	}
	for _, c := range []struct {
		name string
		g    *otpcore.Generator
		code otpcore.Code
		p    otpcore.TOTPParams
	}{
		{"8-digit code, 6-digit token", g6, mustCode(t, "94287082", 8), p},
		{"7-digit code, 6-digit token", g6, mustCode(t, "4287082", 7), p},
		{"6-digit code, 8-digit token", g8, mustCode(t, "287082", 6), p},
		{"zero Code value", g6, otpcore.Code{}, p},
		{"step 0", g6, mustCode(t, "287082", 6), otpcore.TOTPParams{Step: 0}},
		{"negative step", g6, mustCode(t, "287082", 6), otpcore.TOTPParams{Step: -30}},
	} {
		if m, ok := c.g.VerifyTOTP(c.code, c.p, 59, w); ok {
			t.Errorf("%s: accepted as %+v", c.name, m)
		}
	}
	if m, ok := g6.VerifyHOTP(mustCode(t, "94287082", 8), 0, 5); ok {
		t.Errorf("HOTP: 8-digit code on 6-digit token accepted as %+v", m)
	}
}

func TestVerifyHOTPLookAhead(t *testing.T) {
	g := mustGen(t, otpcore.SHA1, rfc4226Key, 6)
	// RFC 4226 counter 3 shows 969429.
	code := mustCode(t, "969429", 6)
	for _, c := range []struct {
		next      uint64
		lookAhead int
		ok        bool
		offset    int64
	}{
		{0, 5, true, 3},
		{0, 3, true, 3},
		{0, 2, false, 0},
		{3, 0, true, 0},
		{3, -1, true, 0}, // negative look-ahead: exact counter only
		{2, -1, false, 0},
		{4, 100, false, 0}, // already used: counters never go back
	} {
		m, ok := g.VerifyHOTP(code, c.next, c.lookAhead)
		if ok != c.ok {
			t.Errorf("next %d look-ahead %d: ok = %v", c.next, c.lookAhead, ok)
			continue
		}
		if ok && m != (otpcore.Match{Step: 3, Offset: c.offset}) {
			t.Errorf("next %d look-ahead %d: %+v", c.next, c.lookAhead, m)
		}
	}

	rng := rand.New(rand.NewPCG(4226, 1))
	for range 40 {
		alg := allAlgs[rng.IntN(3)]
		key := randKey(rng, 1+rng.IntN(64))
		r := newRef(alg, key, 8)
		g := mustGen(t, alg, key, 8)
		next := rng.Uint64N(1 << 40)
		la := rng.IntN(20)
		for k := range uint64(la + 2) {
			code := r.code(t, next+k)
			var want *otpcore.Match
			for j := range uint64(la + 1) {
				if r.code(t, next+j) == code {
					want = &otpcore.Match{Step: int64(next + j), Offset: int64(j)}
					break
				}
			}
			m, ok := g.VerifyHOTP(mustCode(t, code, 8), next, la)
			if (want == nil) == ok || (ok && m != *want) {
				t.Errorf("next %d look-ahead %d code at +%d: %+v, %v; want %v", next, la, k, m, ok, want)
			}
		}
	}
}

func TestResyncTOTPWide(t *testing.T) {
	rng := rand.New(rand.NewPCG(40000, 1))
	p := otpcore.DefaultTOTP
	for _, n := range []int{2, 3} {
		for _, c := range []struct{ tokenDrift, center int64 }{
			{40000, 0}, {-40000, 0}, {40000, 123}, {-40000, -39990}, {7, 0}, {0, 0},
		} {
			name := fmt.Sprintf("%d codes, token %+d, center %+d", n, c.tokenDrift, c.center)
			t.Run(name, func(t *testing.T) {
				alg := allAlgs[rng.IntN(3)]
				key := randKey(rng, 20)
				r := newRef(alg, key, 6)
				g := mustGen(t, alg, key, 6)
				unix := 1_700_000_000 + rng.Int64N(100_000_000)
				now := p.StepAt(unix)
				codes := make([]otpcore.Code, n)
				for i := range codes {
					codes[i] = mustCode(t, r.code(t, uint64(now+c.tokenDrift+int64(i))), 6)
				}
				m, err := g.ResyncTOTP(codes, p, unix, c.center, otpcore.MaxResyncRadius)
				if err != nil {
					t.Fatal(err)
				}
				last := now + c.tokenDrift + int64(n-1)
				want := otpcore.Match{Step: last, Offset: c.tokenDrift - c.center, Drift: c.tokenDrift}
				if m != want {
					t.Errorf("got %+v, want %+v", m, want)
				}
				// The new drift lets an ordinary window accept the next
				// code the token shows.
				next := mustCode(t, r.code(t, uint64(last+1)), 6)
				if vm, ok := g.VerifyTOTP(next, p, unix+int64(n)*30, otpcore.Window{Drift: m.Drift, Floor: m.Step}); !ok || vm.Step != last+1 {
					t.Errorf("next code after resync: %+v, %v", vm, ok)
				}
			})
		}
	}
}

// The far edge of a year-wide search: about 2.1 million candidates.
func TestResyncTOTPFarEdge(t *testing.T) {
	if testing.Short() {
		t.Skip("scans ±MaxResyncRadius steps")
	}
	key := []byte("far-edge")
	r := newRef(otpcore.SHA1, key, 6)
	g := mustGen(t, otpcore.SHA1, key, 6)
	p := otpcore.DefaultTOTP
	unix := int64(1_800_000_000)
	now := p.StepAt(unix)
	d := -int64(otpcore.MaxResyncRadius)
	codes := []otpcore.Code{mustCode(t, r.code(t, uint64(now+d)), 6), mustCode(t, r.code(t, uint64(now+d+1)), 6)}
	m, err := g.ResyncTOTP(codes, p, unix, 0, otpcore.MaxResyncRadius)
	if err != nil || m != (otpcore.Match{Step: now + d + 1, Offset: d, Drift: d}) {
		t.Errorf("got %+v, %v; want drift %d", m, err, d)
	}
}

func TestResyncTOTPRadiusEdges(t *testing.T) {
	key := []byte("radius-edges")
	r := newRef(otpcore.SHA1, key, 6)
	g := mustGen(t, otpcore.SHA1, key, 6)
	p := otpcore.TOTPParams{Step: 60, T0: 500}
	unix := int64(1_700_000_000)
	now := p.StepAt(unix)
	codesAt := func(d int64, n int) []otpcore.Code {
		cs := make([]otpcore.Code, n)
		for i := range cs {
			cs[i] = mustCode(t, r.code(t, uint64(now+d+int64(i))), 6)
		}
		return cs
	}
	for _, c := range []struct {
		name           string
		codes          []otpcore.Code
		center, radius int64
		ok             bool
	}{
		{"+radius is inside", codesAt(50, 2), 0, 50, true},
		{"-radius is inside", codesAt(-50, 2), 0, 50, true},
		{"+radius+1 is outside", codesAt(51, 2), 0, 50, false},
		{"-radius-1 is outside", codesAt(-51, 2), 0, 50, false},
		{"around the center", codesAt(1050, 2), 1000, 50, true},
		{"outside around the center", codesAt(949, 2), 1000, 50, false},
		{"radius 0", codesAt(0, 3), 0, 0, true},
		{"single code at +10", codesAt(10, 1), 0, otpcore.MaxSingleCodeRadius, true},
		{"single code at -10", codesAt(-10, 1), 0, otpcore.MaxSingleCodeRadius, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := g.ResyncTOTP(c.codes, p, unix, c.center, c.radius)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if off := m.Offset; off < -c.radius || off > c.radius {
					t.Errorf("offset %d outside ±%d", off, c.radius)
				}
				return
			}
			if !errors.Is(err, otpcore.ErrNoMatch) {
				t.Errorf("got %+v, %v; want ErrNoMatch", m, err)
			}
		})
	}
}

func TestResyncRefusals(t *testing.T) {
	key := []byte("refusals")
	r := newRef(otpcore.SHA1, key, 6)
	g := mustGen(t, otpcore.SHA1, key, 6)
	p := otpcore.DefaultTOTP
	unix := int64(1_700_000_000)
	now := uint64(p.StepAt(unix))
	var strs []string
	var codes []otpcore.Code
	for i := range uint64(4) {
		s := r.code(t, now+i)
		strs = append(strs, s)
		codes = append(codes, mustCode(t, s, 6))
	}
	eight := mustCode(t, "12345678", 8)
	for _, c := range []struct {
		name   string
		codes  []otpcore.Code
		p      otpcore.TOTPParams
		radius int64
		want   string
	}{
		{"no codes", nil, p, 10, "at least one"},
		{"four codes", codes, p, 10, "at most three"},
		{"single code, radius 11", codes[:1], p, otpcore.MaxSingleCodeRadius + 1, "single code"},
		{"single code, year", codes[:1], p, otpcore.MaxResyncRadius, "single code"},
		{"radius above max", codes[:2], p, otpcore.MaxResyncRadius + 1, "maximum"},
		{"negative radius", codes[:2], p, -1, "negative"},
		{"wrong digit count", []otpcore.Code{codes[0], eight}, p, 10, "digits"},
		{"step 0", codes[:2], otpcore.TOTPParams{}, 10, "period"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := g.ResyncTOTP(c.codes, c.p, unix, 0, c.radius)
			if err == nil || errors.Is(err, otpcore.ErrNoMatch) {
				t.Fatalf("got %+v, %v; want a refusal", m, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			for _, s := range append(strs, "12345678") {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains a code", err)
				}
			}
		})
	}
	// Codes that do not belong to this key: a plain no-match.
	other := newRef(otpcore.SHA1, []byte("some other key"), 6)
	wrong := []otpcore.Code{mustCode(t, other.code(t, now), 6), mustCode(t, other.code(t, now+1), 6)}
	if m, err := g.ResyncTOTP(wrong, p, unix, 0, 1000); !errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("foreign codes: %+v, %v", m, err)
	} else if strings.Contains(err.Error(), other.code(t, now)) {
		t.Errorf("error %q contains a code", err)
	}
	// Codes out of order are not a sequence.
	if m, err := g.ResyncTOTP([]otpcore.Code{codes[1], codes[0]}, p, unix, 0, 100); !errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("codes in reverse order: %+v, %v", m, err)
	}
	// Gaps are not a sequence either.
	if m, err := g.ResyncTOTP([]otpcore.Code{codes[0], codes[2]}, p, unix, 0, 100); !errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("codes with a gap: %+v, %v", m, err)
	}
}

func TestResyncHOTP(t *testing.T) {
	rng := rand.New(rand.NewPCG(1000, 1))
	for _, c := range []struct {
		ahead     uint64 // how many presses the token is ahead
		n         int
		lookAhead int64
		ok        bool
	}{
		{0, 2, otpcore.DefaultHOTPLookAhead, true},
		{1, 3, otpcore.DefaultHOTPLookAhead, true},
		{999, 2, otpcore.DefaultHOTPLookAhead, true},
		{1000, 2, otpcore.DefaultHOTPLookAhead, true},
		{1001, 2, otpcore.DefaultHOTPLookAhead, false},
		{1001, 3, otpcore.DefaultHOTPLookAhead, false},
		{5000, 2, 5000, true},
		{10, 1, otpcore.MaxSingleCodeRadius, true},
		{11, 1, otpcore.MaxSingleCodeRadius, false},
	} {
		t.Run(fmt.Sprintf("+%d/%d codes/look-ahead %d", c.ahead, c.n, c.lookAhead), func(t *testing.T) {
			alg := allAlgs[rng.IntN(3)]
			key := randKey(rng, 32)
			r := newRef(alg, key, 6)
			g := mustGen(t, alg, key, 6)
			next := rng.Uint64N(1 << 32)
			codes := make([]otpcore.Code, c.n)
			for i := range codes {
				codes[i] = mustCode(t, r.code(t, next+c.ahead+uint64(i)), 6)
			}
			m, err := g.ResyncHOTP(codes, next, c.lookAhead)
			if !c.ok {
				if !errors.Is(err, otpcore.ErrNoMatch) {
					t.Errorf("got %+v, %v; want ErrNoMatch", m, err)
				}
				return
			}
			want := otpcore.Match{Step: int64(next + c.ahead + uint64(c.n-1)), Offset: int64(c.ahead)}
			if err != nil || m != want {
				t.Errorf("got %+v, %v; want %+v", m, err, want)
			}
		})
	}
	g := mustGen(t, otpcore.SHA1, rfc4226Key, 6)
	two := []otpcore.Code{mustCode(t, "969429", 6), mustCode(t, "338314", 6)} // RFC 4226 counters 3, 4
	if m, err := g.ResyncHOTP(two, 0, otpcore.DefaultHOTPLookAhead); err != nil || m != (otpcore.Match{Step: 4, Offset: 3}) {
		t.Errorf("RFC 4226 counters 3,4: %+v, %v", m, err)
	}
	if _, err := g.ResyncHOTP(two, 0, otpcore.MaxHOTPLookAhead+1); err == nil || errors.Is(err, otpcore.ErrNoMatch) || !strings.Contains(err.Error(), "maximum") {
		t.Errorf("look-ahead above the maximum: %v", err)
	}
	if _, err := g.ResyncHOTP(two[:1], 0, 11); err == nil || errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("single code, look-ahead 11: %v", err)
	}
	if _, err := g.ResyncHOTP(two, 0, -1); err == nil || errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("negative look-ahead: %v", err)
	}
	// Near the top of the counter space the search stops instead of wrapping
	// round to counter 0 (which shows 755224).
	if m, err := g.ResyncHOTP([]otpcore.Code{mustCode(t, "755224", 6)}, math.MaxUint64-3, 10); !errors.Is(err, otpcore.ErrNoMatch) {
		t.Errorf("search wrapped past 2^64-1: %+v, %v", m, err)
	}
	if m, ok := g.VerifyHOTP(mustCode(t, "755224", 6), math.MaxUint64-3, 10); ok {
		t.Errorf("verify wrapped past 2^64-1: %+v", m)
	}
}

func TestParseCode(t *testing.T) {
	for _, c := range []struct {
		in     string
		digits int
		same   string // the canonical form it must equal
	}{
		{"123456", 6, "123456"},
		{"123 456", 6, "123456"},
		{" 123 456 ", 6, "123456"},
		{"\t1 2 3\t4 5 6\t", 6, "123456"},
		{"000000", 6, "000000"},
		{"1234 5678", 8, "12345678"},
		{"1234567", 7, "1234567"},
	} {
		got, err := otpcore.ParseCode(c.in, c.digits)
		if err != nil {
			t.Errorf("ParseCode(%q, %d): %v", c.in, c.digits, err)
			continue
		}
		want, _ := otpcore.ParseCode(c.same, c.digits)
		if got != want || got.Len() != c.digits {
			t.Errorf("ParseCode(%q) = %v, want the same as %q", c.in, got, c.same)
		}
	}
	// Normalisation is real: the spaced form verifies (RFC 4226 counter 1).
	g := mustGen(t, otpcore.SHA1, rfc4226Key, 6)
	if _, ok := g.VerifyHOTP(mustCode(t, " 287 082 ", 6), 1, 0); !ok {
		t.Error("spaced code does not verify")
	}
	if a, b := mustCode(t, "123456", 6), mustCode(t, "123457", 6); a == b {
		t.Error("different codes compare equal")
	}

	for _, c := range []struct {
		in     string
		digits int
		want   string
	}{
		{"", 6, "empty"},
		{"   ", 6, "empty"},
		{"98765", 6, "has 5 digits, expected 6"},
		{"9876 54", 8, "has 6 digits, expected 8"},
		{"9876540", 6, "more than 6 digits"},
		{"98765 4321", 8, "more than 8 digits"},
		{"98a765", 6, "position 3"},
		{"x98765", 6, "position 1"},
		{"987-654", 6, "position 4"},
		{"987 65O", 6, "position 7"},     // letter O for zero
		{"98\u0667654", 6, "position 3"}, // Arabic-Indic seven
		{"９８７６５４", 6, "position 1"},      // full-width digits
		{"987654\n", 6, "position 7"},
		{"987654", 5, "digits must be between"},
		{"98765432", 9, "digits must be between"},
	} {
		_, err := otpcore.ParseCode(c.in, c.digits)
		if err == nil {
			t.Errorf("ParseCode(%q, %d) accepted", c.in, c.digits)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("ParseCode(%q, %d): %q does not say %q", c.in, c.digits, msg, c.want)
		}
		// The error never repeats what was typed: no run of two or more
		// of the typed digits appears in it.
		for _, run := range strings.FieldsFunc(c.in, func(r rune) bool { return r < '0' || r > '9' }) {
			for i := 0; i+2 <= len(run); i++ {
				if strings.Contains(msg, run[i:i+2]) {
					t.Errorf("ParseCode(%q): error %q contains typed digits %q", c.in, msg, run[i:i+2])
				}
			}
		}
		var ce *otpcore.CodeError
		if c.digits >= otpcore.MinDigits && c.digits <= otpcore.MaxDigits && !errors.As(err, &ce) {
			t.Errorf("ParseCode(%q): error is %T, want *CodeError", c.in, err)
		}
	}
}
