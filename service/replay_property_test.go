package service

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// The replay property: over random sequences of logins (right codes early
// and late, wrong codes, replays), resyncs forwards and backwards, drift
// follow-up switched on and off, admin enable/disable/unlock and a clock
// that mostly moves forwards but sometimes steps back, all through the real
// SQLite store,
//
//   - no (device, step) or (device, counter) is ever accepted twice, and
//     no code a resync consumed is accepted afterwards;
//   - the stored replay floor (TOTP last step) and next counter (HOTP)
//     never decrease.
//
// The seed is logged; TWO_FACTOR_PROPERTY_SEED=<n> replays one sequence.
func TestReplayFloorNeverDecreasesOverRandomSequences(t *testing.T) {
	seeds := []uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()}
	if s := os.Getenv("TWO_FACTOR_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TWO_FACTOR_PROPERTY_SEED=%q: %v", s, err)
		}
		seeds = []uint64{n}
	}
	const ops = 400
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Logf("replay with TWO_FACTOR_PROPERTY_SEED=%d", seed)
			runReplaySequence(t, seed, ops)
		})
	}
}

// token is what the person holding a device sees: its clock (TOTP) or its
// button counter (HOTP), independent of what the store believes.
type token struct {
	name    string
	kind    devices.Kind
	alg     otpcore.Algorithm
	digits  int
	period  int64
	secret  []byte
	drift   int64  // TOTP: steps the token's clock runs ahead of ours
	counter uint64 // HOTP: the counter of the next code it will show
}

// at returns the code for step or counter n.
func (k *token) at(t *testing.T, n int64) string {
	t.Helper()
	c, err := otpcore.HOTP(k.alg, k.secret, uint64(n), k.digits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// shownStep is the step the TOTP token displays at now.
func (k *token) shownStep(now time.Time) int64 {
	return otpcore.TOTPParams{Step: k.period}.StepAt(now.Unix()) + k.drift
}

type use struct {
	device int64
	step   int64 // TOTP step or HOTP counter
}

type replayRun struct {
	t      *testing.T
	rng    *rand.Rand
	s      *Service
	c      *clock
	tokens []*token
	ids    map[string]int64
	used   map[use]string // every step or counter consumed, with its code
	usedAt []use          // the same, in order, for picking replays
	floors map[int64]*devices.Device
	log    []string // the operations so far, printed on failure
	// counts of what happened, so a run that never reached the
	// interesting cases fails instead of passing vacuously
	accepted, refusedReplays, backwardResyncs int
}

func runReplaySequence(t *testing.T, seed uint64, ops int) {
	s, c := newService(t, t.TempDir())
	r := &replayRun{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), s: s, c: c,
		ids: map[string]int64{}, used: map[use]string{}, floors: map[int64]*devices.Device{},
	}
	for k, v := range map[string]string{"lockout-threshold": "10", "throttle-factor": strconv.Itoa(r.rng.IntN(2))} {
		if err := s.store.SetSetting(ctx, "tester", k, v); err != nil {
			t.Fatal(err)
		}
	}
	r.enroll(&token{name: "app", kind: devices.TOTP, alg: otpcore.SHA1, digits: 6, period: 30}, EnrollOptions{Name: "app", CreateUser: true})
	r.enroll(&token{name: "hotp", kind: devices.HOTP, alg: otpcore.SHA1, digits: 6}, EnrollOptions{Name: "hotp", Kind: devices.HOTP})
	tk := &token{name: "TK-1", kind: devices.TOTP, alg: otpcore.SHA256, digits: 8, period: 60, drift: 1,
		secret: []byte("0123456789abcdef0123456789abcdef")}
	r.enroll(tk, EnrollOptions{Name: "TK-1", Token: &devices.TokenSpec{Kind: devices.TOTP, Serial: "TK-1",
		Algorithm: tk.alg, Digits: tk.digits, Step: tk.period, Secret: tk.secret}})
	r.checkFloors()
	// A random mix can fall a little short of what makes a run worth
	// something (a seed once gave 9 refused replays in 400 steps); such a
	// run goes on, up to twice as long, rather than failing by chance.
	enough := func() bool {
		return r.accepted >= ops/40 && r.refusedReplays >= ops/40 && r.backwardResyncs > 0
	}
	n := 0
	for ; n < ops || (!enough() && n < 2*ops); n++ {
		r.step()
		r.checkFloors()
	}
	t.Logf("%d operations: %d codes accepted, %d replays refused, %d backwards resyncs",
		n, r.accepted, r.refusedReplays, r.backwardResyncs)
	if !enough() {
		t.Fatal("the sequence exercised too little to prove anything; adjust the operation mix")
	}
}

func (r *replayRun) logf(format string, a ...any) {
	r.log = append(r.log, fmt.Sprintf("%s  ", r.c.t.Format("15:04:05"))+fmt.Sprintf(format, a...))
}

func (r *replayRun) fatalf(format string, a ...any) {
	r.t.Helper()
	for _, l := range r.log[max(0, len(r.log)-30):] {
		r.t.Log(l)
	}
	r.t.Fatalf(format, a...)
}

// enroll confirms a device with the token's current code.
func (r *replayRun) enroll(k *token, opt EnrollOptions) {
	r.t.Helper()
	e, err := r.s.StartEnrollment(ctx, "alice", opt)
	if err != nil {
		r.t.Fatal(err)
	}
	if k.secret == nil {
		k.secret = e.Device.Secret
	}
	var code string
	if k.kind == devices.HOTP {
		code = k.at(r.t, int64(k.counter))
		k.counter++
	} else {
		code = k.at(r.t, k.shownStep(r.c.t))
	}
	res, err := r.s.Confirm(ctx, e, code, opt.CreateUser)
	if err != nil || !res.Accepted() {
		r.t.Fatalf("confirm %s: %v %v", k.name, res.Outcome, err)
	}
	r.tokens = append(r.tokens, k)
	r.ids[k.name] = res.Device.ID
	r.consume(res.Device.ID, res.Match.Step, code, "enroll "+k.name)
}

// consume records a step or counter as used, failing if it already was.
func (r *replayRun) consume(device, step int64, code, what string) {
	r.t.Helper()
	u := use{device, step}
	if prev, ok := r.used[u]; ok {
		r.fatalf("%s: device %d accepted step/counter %d a second time (code %s, first %s)", what, device, step, code, prev)
	}
	r.used[u] = code
	r.usedAt = append(r.usedAt, u)
}

// step performs one random operation.
func (r *replayRun) step() {
	k := r.tokens[r.rng.IntN(len(r.tokens))]
	switch n := r.rng.IntN(100); {
	case n < 40:
		r.verifyRight(k)
	case n < 45:
		r.verify(k, r.wrongCode(k), "wrong code")
	case n < 58:
		r.replay()
	case n < 66:
		r.resync(k)
	case n < 69:
		v := []string{"true", "false"}[r.rng.IntN(2)]
		r.logf("follow-drift %s", v)
		if err := r.s.store.SetSetting(ctx, "tester", "follow-drift", v); err != nil {
			r.fatalf("follow-drift: %v", err)
		}
	case n < 80:
		r.admin(k)
	case n < 83:
		if k.kind == devices.TOTP {
			k.drift += int64(r.rng.IntN(3)) - 1 // the token's clock wanders
		}
		fallthrough
	default:
		r.moveClock()
	}
}

func (r *replayRun) moveClock() {
	d := time.Duration(1+r.rng.IntN(600)) * time.Second
	if r.rng.IntN(5) == 0 {
		d = -time.Duration(1+r.rng.IntN(90)) * time.Second // NTP steps the clock back
	}
	r.c.t = r.c.t.Add(d)
	r.logf("clock %+v", d)
}

// verifyRight presents the code the token shows, or one a step or two
// early or late (read just before the display changed, typed slowly); for
// HOTP after a few presses that were never used. A user told to wait
// usually waits and tries again with a fresh code.
func (r *replayRun) verifyRight(k *token) {
	for try := 0; try < 2; try++ {
		var n int64
		if k.kind == devices.HOTP {
			k.counter += uint64(r.rng.IntN(4))
			n = int64(k.counter)
			k.counter++
		} else {
			n = k.shownStep(r.c.t) + []int64{0, 0, 0, -1, 1, -2, 2}[r.rng.IntN(7)]
		}
		res := r.verify(k, k.at(r.t, n), fmt.Sprintf("right code at %d", n))
		if res.Outcome != devices.Throttled || r.rng.IntN(4) == 0 {
			return
		}
		r.c.t = r.c.t.Add(res.RetryAfter)
		r.logf("clock +%v (waited as told)", res.RetryAfter)
	}
}

func (r *replayRun) wrongCode(k *token) string {
	return fmt.Sprintf("%0*d", k.digits, r.rng.IntN(int(pow10(k.digits))))
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// replay presents a code that was already used, preferring recent ones
// (those still inside a verification window).
func (r *replayRun) replay() {
	if len(r.usedAt) == 0 {
		return
	}
	i := len(r.usedAt) - 1 - min(r.rng.IntN(8), len(r.usedAt)-1)
	if r.rng.IntN(4) == 0 {
		i = r.rng.IntN(len(r.usedAt))
	}
	u := r.usedAt[i]
	for _, k := range r.tokens {
		if r.ids[k.name] == u.device {
			r.verify(k, r.used[u], fmt.Sprintf("replay of %d", u.step))
			return
		}
	}
}

// verify checks code, against the token's device or (sometimes) against
// all of alice's devices, and records what was accepted.
func (r *replayRun) verify(k *token, code, what string) VerifyResult {
	r.t.Helper()
	ref := k.name
	if r.rng.IntN(3) == 0 {
		ref = ""
	}
	res, err := r.s.Verify(ctx, "alice", ref, code)
	r.logf("verify %s %s (%s) ref=%q: %v %v step %d", k.name, code, what, ref, res.Outcome, err, res.Match.Step)
	if errors.Is(err, devices.ErrMalformedCode) && ref == "" {
		return res // digits that fit none of the devices
	}
	if err != nil {
		r.fatalf("verify %s: %v", what, err)
	}
	if !res.Accepted() {
		if strings.HasPrefix(what, "replay") && res.Outcome == devices.Rejected {
			r.refusedReplays++
		}
		return res
	}
	r.accepted++
	// The store says which step it accepted; check that it is the step
	// that shows this code, so the bookkeeping below is honest.
	for _, d := range r.tokens {
		if r.ids[d.name] == res.Device.ID && d.at(r.t, res.Match.Step) != code {
			r.fatalf("%s: device %s reported step %d, whose code is not %s", what, d.name, res.Match.Step, code)
		}
	}
	r.consume(res.Device.ID, res.Match.Step, code, what)
	return res
}

// resync reads two or three consecutive codes off the token after its
// clock or counter has moved, forwards or backwards; for HOTP it sometimes
// offers codes already used.
func (r *replayRun) resync(k *token) {
	n := 2 + r.rng.IntN(2)
	var first int64
	if k.kind == devices.HOTP {
		if r.rng.IntN(4) == 0 && k.counter >= uint64(n) {
			first = int64(k.counter) - int64(n) - int64(r.rng.IntN(int(k.counter)-n+1)) // old codes
		} else {
			k.counter += uint64(r.rng.IntN(40))
			first = int64(k.counter)
			k.counter += uint64(n)
		}
	} else {
		jump := 10
		if r.rng.IntN(4) == 0 {
			jump = 100
		}
		k.drift += int64(r.rng.IntN(2*jump+1) - jump)
		first = k.shownStep(r.c.t) - int64(n-1)
	}
	codes := make([]string, n)
	for i := range codes {
		codes[i] = k.at(r.t, first+int64(i))
	}
	res, d, err := r.s.Resync(ctx, "alice", codes, ResyncOptions{Device: k.name})
	r.logf("resync %s from %d (%d codes): %v, match %+v", k.name, first, n, err, res.Match)
	if err != nil {
		if errors.Is(err, otpcore.ErrNoMatch) {
			return
		}
		r.fatalf("resync %s: %v", k.name, err)
	}
	if res.NewDrift < res.OldDrift {
		r.backwardResyncs++
	}
	// The codes the resync read are used: none may be accepted later.
	for i := range int64(n) {
		u := use{d.ID, res.Match.Step - int64(n) + 1 + i}
		if _, ok := r.used[u]; !ok {
			r.used[u] = codes[i]
			r.usedAt = append(r.usedAt, u)
		}
	}
}

func (r *replayRun) admin(k *token) {
	action := []DeviceAction{ActionEnable, ActionDisable, ActionUnlock, ActionUnlock, ActionEnable, ActionEnable, ActionEnable}[r.rng.IntN(7)]
	_, err := r.s.ChangeDevice(ctx, "alice", k.name, action, "")
	r.logf("%s %s: %v", action, k.name, err)
	if err != nil {
		r.fatalf("%s %s: %v", action, k.name, err)
	}
}

// checkFloors reads every device back from the store and fails if a
// replay floor or next counter went down since the previous operation.
func (r *replayRun) checkFloors() {
	r.t.Helper()
	ds, err := r.s.store.Devices(ctx, "alice")
	if err != nil {
		r.fatalf("devices: %v", err)
	}
	for _, d := range ds {
		if prev, ok := r.floors[d.ID]; ok {
			if d.LastStep < prev.LastStep {
				r.fatalf("device %s: replay floor went down from %d to %d", d.Name, prev.LastStep, d.LastStep)
			}
			if d.Counter < prev.Counter {
				r.fatalf("device %s: next counter went down from %d to %d", d.Name, prev.Counter, d.Counter)
			}
		}
		r.floors[d.ID] = d
	}
}
