package db

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/two-factor/two-factor/otpcore"
)

// What one login does with a device once its row is read: decrypt the
// sealed seed with the store's sealer, key an HMAC with it, and check the
// typed code over the window (tolerance 1, as the default devices use),
// then wipe the seed. pquerna/otp's peer is its whole ValidateCustom from a
// base32 secret, Skew 1. Run with:
//
//	go test ./db/ -run '^$' -bench LoginPath -benchtime 20000x -count 5 -cpu 1

var (
	loginKey    = []byte("12345678901234567890") // the RFC 4226 key
	loginSecret = base32.StdEncoding.EncodeToString(loginKey)
	loginUnix   = int64(1_700_000_000)
	loginOpts   = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
)

const loginDeviceID = 4242

type loginCase struct {
	name, code string
	match      bool
}

// loginCases are codes at offset 0 and +1 and one matching nowhere in ±1,
// made by pquerna/otp so neither side checks a code it made itself.
func loginCases(tb testing.TB) []loginCase {
	at := func(step int64) string {
		c, err := totp.GenerateCodeCustom(loginSecret, time.Unix(step*30, 0), loginOpts)
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	step := loginUnix / 30
	for _, d := range []int64{-1, 0, 1} {
		if at(step+d) == "000000" {
			tb.Fatal("pick another miss code")
		}
	}
	return []loginCase{{"match=0", at(step), true}, {"match=+1", at(step + 1), true}, {"miss", "000000", false}}
}

func loginSealed(tb testing.TB) (*sealer, []byte) {
	key, err := newMasterKey()
	if err != nil {
		tb.Fatal(err)
	}
	seal, err := newSealer(key)
	if err != nil {
		tb.Fatal(err)
	}
	blob, err := seal.seal(loginDeviceID, loginKey)
	if err != nil {
		tb.Fatal(err)
	}
	return seal, blob
}

// ourLogin is the per-login path of devices.Device.Verify for a TOTP
// device, after the store has read the row.
func ourLogin(seal *sealer, blob []byte, typed string) (bool, error) {
	seed, err := seal.open(loginDeviceID, blob)
	if err != nil {
		return false, err
	}
	defer clear(seed)
	code, err := otpcore.ParseCode(typed, 6)
	if err != nil {
		return false, err
	}
	g, err := otpcore.AcquireGenerator(otpcore.SHA1, seed, 6)
	if err != nil {
		return false, err
	}
	defer g.Release()
	_, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, loginUnix, otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor})
	return ok, nil
}

// BenchmarkLoginPath runs our login path and pquerna's ValidateCustom in
// alternating blocks of 64 inside one benchmark, each timed on its own, so
// load on the shared machine hits both alike; read the custom metrics.
func BenchmarkLoginPath(b *testing.B) {
	const block = 64
	seal, blob := loginSealed(b)
	at := time.Unix(loginUnix, 0)
	for _, c := range loginCases(b) {
		b.Run(c.name, func(b *testing.B) {
			ours := func() {
				for range block {
					if ok, err := ourLogin(seal, blob, c.code); err != nil || ok != c.match {
						b.Fatalf("ours = %v, %v", ok, err)
					}
				}
			}
			theirs := func() {
				for range block {
					if ok, err := totp.ValidateCustom(c.code, loginSecret, at, loginOpts); err != nil || ok != c.match {
						b.Fatalf("pquerna = %v, %v", ok, err)
					}
				}
			}
			var oursT, theirsT time.Duration
			n := 0
			for b.Loop() {
				first, second := ours, theirs
				if n%2 == 1 {
					first, second = theirs, ours
				}
				t0 := time.Now()
				first()
				t1 := time.Now()
				second()
				t2 := time.Now()
				if n%2 == 0 {
					oursT, theirsT = oursT+t1.Sub(t0), theirsT+t2.Sub(t1)
				} else {
					theirsT, oursT = theirsT+t1.Sub(t0), oursT+t2.Sub(t1)
				}
				n++
			}
			logins := float64(n * block)
			b.ReportMetric(float64(oursT.Nanoseconds())/logins, "ours-ns/login")
			b.ReportMetric(float64(theirsT.Nanoseconds())/logins, "pquerna-ns/login")
			b.ReportMetric(float64(theirsT)/float64(oursT), "pquerna/ours")
		})
	}
}

// A login allocates only the decrypted seed: keying the HMAC, checking
// the window and wiping allocate nothing.
func TestLoginPathAllocatesOnlyTheDecrypt(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector; the plain run checks them")
	}
	seal, blob := loginSealed(t)
	for _, c := range loginCases(t) {
		if n := testing.AllocsPerRun(200, func() {
			if ok, err := ourLogin(seal, blob, c.code); err != nil || ok != c.match {
				t.Fatalf("%s: %v, %v", c.name, ok, err)
			}
		}); n != 1 {
			t.Errorf("%s: %v allocations per login, want 1 (the decrypted seed)", c.name, n)
		}
	}
}
