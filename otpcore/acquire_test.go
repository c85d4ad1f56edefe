package otpcore_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// A pooled generator gives crypto/hmac's values for every key length the
// package accepts (shorter than, equal to and longer than the hash block,
// which RFC 2104 hashes first), however often generators are reused with
// other keys: nothing of a previous key survives Release.
func TestAcquireGeneratorMatchesCryptoHMAC(t *testing.T) {
	acquiresLikeCryptoHMAC(t, 31, func(t *testing.T, alg otpcore.Algorithm, key []byte) (*otpcore.Generator, error) {
		return otpcore.AcquireGenerator(alg, key, 8)
	})
}

// hmacValue is the 8-digit HOTP value of counter by crypto/hmac.
func hmacValue(h func() hash.Hash, key []byte, counter uint64) uint32 {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return (binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff) % 100_000_000
}

// acquiresLikeCryptoHMAC checks that the 8-digit generators acquire
// gives, for every algorithm and key length, one after another from the
// pool, give crypto/hmac's values. salt varies the keys between tests.
func acquiresLikeCryptoHMAC(t *testing.T, salt int, acquire func(t *testing.T, alg otpcore.Algorithm, key []byte) (*otpcore.Generator, error)) {
	t.Helper()
	hashes := map[otpcore.Algorithm]func() hash.Hash{otpcore.SHA1: sha1.New, otpcore.SHA256: sha256.New, otpcore.SHA512: sha512.New}
	for alg, h := range hashes {
		for n := 1; n <= otpcore.MaxKeyLen; n++ {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(n*salt + i*7 + int(alg))
			}
			g, err := acquire(t, alg, key)
			if err != nil {
				t.Fatal(err)
			}
			for _, counter := range []uint64{0, 1, 1 << 40} {
				if got, want := g.Value(counter), hmacValue(h, key, counter); got != want {
					t.Fatalf("%v, %d-byte key, counter %d: %d, crypto/hmac says %d", alg, n, counter, got, want)
				}
			}
			g.Release()
		}
	}
}

// Keying a pooled generator and checking a code allocates nothing: a
// login pays only for decrypting its seed.
func TestAcquireGeneratorDoesNotAllocate(t *testing.T) {
	verifiesWithoutAllocating(t, "keyed", func() (*otpcore.Generator, error) {
		return otpcore.AcquireGenerator(otpcore.SHA1, benchKey, 6)
	})
}

// verifiesWithoutAllocating checks that acquiring a 6-digit SHA-1
// generator of benchKey by acquire, checking a TOTP code with it and
// releasing it allocate nothing.
func verifiesWithoutAllocating(t *testing.T, what string, acquire func() (*otpcore.Generator, error)) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector; the plain run checks them")
	}
	ref := newRef(otpcore.SHA1, benchKey, 6)
	code := mustCode(t, ref.code(t, uint64(benchStep+1)), 6)
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	n := testing.AllocsPerRun(100, func() {
		g, err := acquire()
		if err != nil {
			panic(err)
		}
		if _, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, benchUnix, w); !ok {
			panic("no match")
		}
		g.Release()
	})
	if n != 0 {
		t.Errorf("%v allocations per %s verification, want 0", n, what)
	}
}

func TestAcquireGeneratorRefusesWhatNewGeneratorRefuses(t *testing.T) {
	for _, tc := range []struct {
		alg    otpcore.Algorithm
		key    []byte
		digits int
	}{{0, benchKey, 6}, {otpcore.SHA1, nil, 6}, {otpcore.SHA1, make([]byte, otpcore.MaxKeyLen+1), 6}, {otpcore.SHA1, benchKey, 9}} {
		if _, err := otpcore.AcquireGenerator(tc.alg, tc.key, tc.digits); err == nil {
			t.Errorf("AcquireGenerator(%v, %d-byte key, %d) accepted", tc.alg, len(tc.key), tc.digits)
		}
	}
}
