package db

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// What one login does with a TOTP device once the store has read its row:
// decrypt the sealed keyed HMAC state with the store's own function
// (openKeyedState, what loadSecrets calls), run devices.Device.Verify on
// the copy service.Verify tries (gate, parse the typed code, restore the
// keyed HMAC, check the window with tolerance 1, move the floor and the
// drift), then wipe the state as the store does when the transaction ends.
// pquerna/otp's peer is its whole ValidateCustom from a base32 secret,
// Skew 1. Run with:
//
//	go test ./db/ -run '^$' -bench LoginPath -benchtime 20000x -count 5 -cpu 1

var (
	loginKey    = []byte("12345678901234567890") // the RFC 4226 key
	loginSecret = base32.StdEncoding.EncodeToString(loginKey)
	loginUnix   = int64(1_700_000_000)
	loginAt     = time.Unix(loginUnix, 0)
	loginPolicy = devices.DefaultSettings("").Policy()
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

// loginRow is the device as the store scans it from its row (no
// secret), its sealed seed, and its sealed keyed state as stored beside
// the seed (bound to it).
func loginRow(tb testing.TB) (*sealer, *devices.Device, []byte, []byte) {
	key, err := newMasterKey()
	if err != nil {
		tb.Fatal(err)
	}
	seal, err := newSealer(key)
	if err != nil {
		tb.Fatal(err)
	}
	d := &devices.Device{ID: loginDeviceID, Name: "phone", Kind: devices.TOTP, Algorithm: otpcore.SHA1, Digits: 6,
		Step: 30, Tolerance: 1, Enabled: true, Confirmed: true, LastStep: otpcore.NoFloor, Secret: loginKey}
	seedBlob, err := seal.seal(d.ID, d.Secret)
	if err != nil {
		tb.Fatal(err)
	}
	blob, err := sealedKeyedState(seal, d, seedBlob)
	if err != nil || blob == nil {
		tb.Fatalf("sealing the keyed state: %v", err)
	}
	d.Secret = nil
	return seal, d, seedBlob, blob
}

// ourLogin is the per-login path for the device of row, whose sealed keyed
// state is sealed: what the store and devices.Device.Verify do once the row
// is read. The store's Scan reads the column into a buffer of its own,
// which the decryption then consumes; here the sealed bytes are copied
// into read, a buffer reused from login to login, to stand for that read.
func ourLogin(seal *sealer, row *devices.Device, seedBlob, sealed, read []byte, typed string) (bool, error) {
	blob := append(read[:0], sealed...)
	d := *row
	var err error
	if d.Keyed, err = openKeyedState(seal, &d, seedBlob, blob); err != nil {
		return false, err
	}
	defer clear(d.Keyed)
	r, err := d.Verify(typed, loginAt, loginPolicy)
	return r.Outcome == devices.Accepted, err
}

// BenchmarkLoginPath runs our login path and pquerna's ValidateCustom in
// alternating blocks of 64 inside one benchmark, each timed on its own, so
// load on the shared machine hits both alike; read the custom metrics.
func BenchmarkLoginPath(b *testing.B) {
	const block = 64
	seal, row, seedBlob, blob := loginRow(b)
	read := make([]byte, len(blob))
	at := loginAt
	for _, c := range loginCases(b) {
		b.Run(c.name, func(b *testing.B) {
			ours := func() {
				for range block {
					if ok, err := ourLogin(seal, row, seedBlob, blob, read, c.code); err != nil || ok != c.match {
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

// A login allocates nothing once its row is read: the keyed state is
// decrypted in place in the row's buffer, and restoring the HMAC, checking
// the window, moving the floor and wiping allocate nothing either. (Before
// keyed states, the decrypted seed was a login's one allocation.)
func TestLoginPathAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector; the plain run checks them")
	}
	seal, row, seedBlob, blob := loginRow(t)
	read := make([]byte, len(blob))
	for _, c := range loginCases(t) {
		if n := testing.AllocsPerRun(200, func() {
			if ok, err := ourLogin(seal, row, seedBlob, blob, read, c.code); err != nil || ok != c.match {
				t.Fatalf("%s: %v, %v", c.name, ok, err)
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per login, want 0", c.name, n)
		}
	}
}
