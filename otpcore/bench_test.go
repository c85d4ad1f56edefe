package otpcore_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/two-factor/two-factor/otpcore"
)

// Benchmarks that compare with a peer measure the same job in the same
// run: same 20-byte SHA-1 secret, same instant, same six-digit code. Run
// them with bench/otp-peers.sh, or:
//
//	go test -run '^$' -bench 'VerifyTOTP|Pquerna|GenerateCode|BareHMAC|Resync' -benchmem -count 5 -cpu 1 ./otpcore/

var (
	benchKey    = []byte("12345678901234567890")
	benchSecret = base32.StdEncoding.EncodeToString(benchKey) // pquerna/otp takes base32
	benchUnix   = int64(1_700_000_000)
	benchTime   = time.Unix(benchUnix, 0).UTC()
	benchStep   = benchUnix / 30
)

// benchCases are the codes at offset 0 and +1 from our step, and one that
// matches nowhere in ±1, with each library's code taken from pquerna/otp's
// HOTP generator, so that neither side benchmarks a code it made itself.
func benchCases(tb testing.TB) []struct {
	name, code string
	match      bool
} {
	ref := newRef(otpcore.SHA1, benchKey, 6)
	c0, c1 := ref.code(tb, uint64(benchStep)), ref.code(tb, uint64(benchStep+1))
	miss := "000000"
	for _, d := range []int64{-1, 0, 1} {
		if ref.code(tb, uint64(benchStep+d)) == miss {
			tb.Fatal("pick another miss code")
		}
	}
	return []struct {
		name, code string
		match      bool
	}{{"match=0", c0, true}, {"match=+1", c1, true}, {"miss", miss, false}}
}

var pquernaOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// BenchmarkVerifyTOTP parses a typed code and checks it against our step
// ±1 with a Generator keyed once, outside the loop. That is the window
// check alone; a login also decrypts the seed and keys the HMAC every time,
// which db's BenchmarkLoginPath measures against pquerna/otp.
func BenchmarkVerifyTOTP(b *testing.B) {
	g := mustGen(b, otpcore.SHA1, benchKey, 6)
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				code, err := otpcore.ParseCode(c.code, 6)
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, benchUnix, w); ok != c.match {
					b.Fatalf("VerifyTOTP = %v", ok)
				}
			}
		})
	}
}

// BenchmarkPquernaValidateCustom is the same check with
// github.com/pquerna/otp/totp (Skew 1 tries c, c+1, c-1).
func BenchmarkPquernaValidateCustom(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ok, err := totp.ValidateCustom(c.code, benchSecret, benchTime, pquernaOpts)
				if err != nil || ok != c.match {
					b.Fatalf("ValidateCustom = %v, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkGenerateCode is one HOTP value written into a reused buffer.
func BenchmarkGenerateCode(b *testing.B) {
	g := mustGen(b, otpcore.SHA1, benchKey, 6)
	buf := make([]byte, 0, otpcore.MaxDigits)
	c := uint64(benchStep)
	b.ReportAllocs()
	for b.Loop() {
		buf = g.AppendCode(buf[:0], c)
		c++
	}
	if len(buf) != 6 {
		b.Fatal(string(buf))
	}
}

// BenchmarkBareHMACSHA1 is the floor for BenchmarkGenerateCode: the
// standard library's HMAC-SHA1 over an 8-byte counter with a reused,
// Reset() state and a reused output buffer, and nothing else.
func BenchmarkBareHMACSHA1(b *testing.B) {
	mac := hmac.New(sha1.New, benchKey)
	var msg [8]byte
	sum := make([]byte, 0, sha1.Size)
	c := uint64(benchStep)
	b.ReportAllocs()
	for b.Loop() {
		binary.BigEndian.PutUint64(msg[:], c)
		mac.Reset()
		mac.Write(msg[:])
		sum = mac.Sum(sum[:0])
		c++
	}
	if len(sum) != sha1.Size {
		b.Fatal(len(sum))
	}
}

// BenchmarkGenerateVsBareHMAC measures the same two jobs as
// BenchmarkGenerateCode and BenchmarkBareHMACSHA1, but interleaved in
// blocks of 256, alternating which goes first, and timed separately. On a
// shared machine a burst of load hits both halves alike, so the reported
// gen/hmac ratio stays meaningful when consecutive benchmarks are not.
// ns/op is per pair of blocks; read the custom metrics.
func BenchmarkGenerateVsBareHMAC(b *testing.B) {
	const block = 256
	g := mustGen(b, otpcore.SHA1, benchKey, 6)
	buf := make([]byte, 0, otpcore.MaxDigits)
	mac := hmac.New(sha1.New, benchKey)
	var msg [8]byte
	sum := make([]byte, 0, sha1.Size)
	gen := func(c uint64) {
		for i := range uint64(block) {
			buf = g.AppendCode(buf[:0], c+i)
		}
	}
	bare := func(c uint64) {
		for i := range uint64(block) {
			binary.BigEndian.PutUint64(msg[:], c+i)
			mac.Reset()
			mac.Write(msg[:])
			sum = mac.Sum(sum[:0])
		}
	}
	var genT, macT time.Duration
	var n, round int
	c := uint64(benchStep)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if round%2 == 0 {
			gen(c)
		} else {
			bare(c)
		}
		t1 := time.Now()
		if round%2 == 0 {
			bare(c)
		} else {
			gen(c)
		}
		t2 := time.Now()
		if round%2 == 0 {
			genT, macT = genT+t1.Sub(t0), macT+t2.Sub(t1)
		} else {
			macT, genT = macT+t1.Sub(t0), genT+t2.Sub(t1)
		}
		round++
		n += block
		c += block
	}
	b.ReportMetric(float64(genT.Nanoseconds())/float64(n), "gen-ns/code")
	b.ReportMetric(float64(macT.Nanoseconds())/float64(n), "hmac-ns/code")
	b.ReportMetric(float64(genT)/float64(macT), "gen/hmac")
}

// BenchmarkResyncTOTPYear searches ±MaxResyncRadius (a year of 30-second
// steps) for two consecutive codes that sit at the very last candidate, so
// every one of the 2*MaxResyncRadius+1 positions is computed.
func BenchmarkResyncTOTPYear(b *testing.B) {
	g := mustGen(b, otpcore.SHA1, benchKey, 6)
	ref := newRef(otpcore.SHA1, benchKey, 6)
	first := benchStep + otpcore.MaxResyncRadius // tried last: 0, -1, +1, ..., -R, +R
	codes := []otpcore.Code{mustCode(b, ref.code(b, uint64(first)), 6), mustCode(b, ref.code(b, uint64(first+1)), 6)}
	b.ReportAllocs()
	for b.Loop() {
		m, err := g.ResyncTOTP(codes, otpcore.DefaultTOTP, benchUnix, 0, otpcore.MaxResyncRadius)
		if err != nil || m.Drift != otpcore.MaxResyncRadius {
			b.Fatalf("ResyncTOTP = %+v, %v", m, err)
		}
	}
	const candidates = 2*otpcore.MaxResyncRadius + 1
	b.ReportMetric(candidates, "candidates/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/candidates, "ns/candidate")
}

// BenchmarkResyncHOTP1000 searches the default look-ahead for two codes
// 1000 presses ahead: the last candidate.
func BenchmarkResyncHOTP1000(b *testing.B) {
	g := mustGen(b, otpcore.SHA1, benchKey, 6)
	ref := newRef(otpcore.SHA1, benchKey, 6)
	const next = 5000
	codes := []otpcore.Code{
		mustCode(b, ref.code(b, next+otpcore.DefaultHOTPLookAhead), 6),
		mustCode(b, ref.code(b, next+otpcore.DefaultHOTPLookAhead+1), 6),
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := g.ResyncHOTP(codes, next, otpcore.DefaultHOTPLookAhead)
		if err != nil || m.Offset != otpcore.DefaultHOTPLookAhead {
			b.Fatalf("ResyncHOTP = %+v, %v", m, err)
		}
	}
}

// The hot paths allocate nothing: verifying a typed code, generating into
// a caller's buffer, and resync searches.
func TestHotPathsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector; the plain run checks them")
	}
	g := mustGen(t, otpcore.SHA256, benchKey, 6)
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	ref := newRef(otpcore.SHA256, benchKey, 6)
	code1 := ref.code(t, uint64(benchStep+1))
	buf := make([]byte, 0, otpcore.MaxDigits)
	codes := []otpcore.Code{mustCode(t, ref.code(t, uint64(benchStep+50)), 6), mustCode(t, ref.code(t, uint64(benchStep+51)), 6)}
	for name, f := range map[string]func(){
		"ParseCode+VerifyTOTP": func() {
			c, _ := otpcore.ParseCode(code1, 6)
			if _, ok := g.VerifyTOTP(c, otpcore.DefaultTOTP, benchUnix, w); !ok {
				panic("no match")
			}
		},
		"VerifyHOTP": func() { g.VerifyHOTP(mustCode(t, code1, 6), uint64(benchStep), 3) },
		"AppendCode": func() { buf = g.AppendCode(buf[:0], 42) },
		"Value":      func() { g.Value(42) },
		"ResyncHOTP": func() { g.ResyncHOTP(codes, uint64(benchStep), 100) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
	if n := testing.AllocsPerRun(5, func() { g.ResyncTOTP(codes, otpcore.DefaultTOTP, benchUnix, 0, 60) }); n != 0 {
		t.Errorf("ResyncTOTP: %v allocations per search, want 0", n)
	}
}
