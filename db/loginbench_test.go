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
//
// The last case, floor, is not a login: it is the part of one that no
// implementation decrypting its secret can skip, timed against pquerna's
// login at offset 0. Ours there is only the AES-256-GCM open of the sealed
// keyed state (its associated data built outside the loop) and one HMAC
// of the step from the restored state; no gate, no parse of the code, no
// keying, no floor. Its ratio is the most any login path that decrypts
// per login with this cipher could reach.
func BenchmarkLoginPath(b *testing.B) {
	seal, row, seedBlob, blob := loginRow(b)
	read := make([]byte, len(blob))
	at := loginAt
	for _, c := range loginCases(b) {
		b.Run(c.name, func(b *testing.B) {
			runSideBySide(b, func() {
				if ok, err := ourLogin(seal, row, seedBlob, blob, read, c.code); err != nil || ok != c.match {
					b.Fatalf("ours = %v, %v", ok, err)
				}
			}, func() {
				if ok, err := totp.ValidateCustom(c.code, loginSecret, at, loginOpts); err != nil || ok != c.match {
					b.Fatalf("pquerna = %v, %v", ok, err)
				}
			})
		})
	}
	b.Run("floor", func(b *testing.B) {
		aad, ok := seal.appendKeyedTail([]byte(keyedAADPrefix), row.ID, row.Algorithm, seedBlob)
		if !ok {
			b.Fatal("no associated data")
		}
		g := loginFloorGenerator(b, seal, row, seedBlob, blob)
		defer g.Release()
		step := uint64(loginUnix / 30)
		want := loginCases(b)[0].code
		if got := g.Code(step); got != want {
			b.Fatalf("floor's HMAC gives %s, want %s", got, want)
		}
		ns := seal.nonceSize
		runSideBySide(b, func() {
			sealed := append(read[:0], blob...)
			if _, err := seal.aead.Open(sealed[1+ns:1+ns], sealed[1:1+ns], sealed[1+ns:], aad); err != nil {
				b.Fatal(err)
			}
			g.Value(step)
		}, func() {
			if ok, err := totp.ValidateCustom(want, loginSecret, at, loginOpts); err != nil || !ok {
				b.Fatalf("pquerna = %v, %v", ok, err)
			}
		})
	})
}

// loginFloorGenerator is the generator the floor case computes its HMAC
// with, restored once from the keyed state sealed in blob.
func loginFloorGenerator(b *testing.B, seal *sealer, row *devices.Device, seedBlob, blob []byte) *otpcore.Generator {
	state, err := openKeyedState(seal, row, seedBlob, append([]byte(nil), blob...))
	if err != nil || state == nil {
		b.Fatalf("opening the keyed state: %v", err)
	}
	g, err := otpcore.AcquireKeyedGenerator(row.Algorithm, state, row.Digits)
	clear(state)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// runSideBySide times ours and theirs in alternating blocks of 64 calls,
// each block timed on its own and the order swapped every round, and
// reports each one's time per call and their ratio.
func runSideBySide(b *testing.B, ours, theirs func()) {
	const block = 64
	blockOf := func(f func()) func() {
		return func() {
			for range block {
				f()
			}
		}
	}
	oursB, theirsB := blockOf(ours), blockOf(theirs)
	var oursT, theirsT time.Duration
	n := 0
	for b.Loop() {
		first, second := oursB, theirsB
		if n%2 == 1 {
			first, second = theirsB, oursB
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
