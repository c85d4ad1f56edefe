package otpcore_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

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

// A generator restored from a keyed state gives crypto/hmac's values for
// every key length (shorter than, equal to and longer than the block, which
// RFC 2104 hashes first), however often pooled generators go between
// keyed states and keys.
func TestKeyedStateMatchesCryptoHMAC(t *testing.T) {
	hashes := map[otpcore.Algorithm]func() hash.Hash{otpcore.SHA1: sha1.New, otpcore.SHA256: sha256.New, otpcore.SHA512: sha512.New}
	for alg, h := range hashes {
		for n := 1; n <= otpcore.MaxKeyLen; n++ {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(n*37 + i*11 + int(alg))
			}
			state, err := otpcore.AppendKeyedState(nil, alg, key)
			if err != nil {
				t.Fatal(err)
			}
			if len(state) != otpcore.KeyedStateLen(alg) || !otpcore.KeyedStateUsable(alg, state) {
				t.Fatalf("%v: keyed state of %d bytes, want %d", alg, len(state), otpcore.KeyedStateLen(alg))
			}
			if bytes.Contains(state, key) && n >= 4 {
				t.Fatalf("%v: the keyed state holds the key itself", alg)
			}
			g, err := otpcore.AcquireKeyedGenerator(alg, state, 8)
			if err != nil {
				t.Fatal(err)
			}
			for _, counter := range []uint64{0, 1, 1 << 40} {
				if got, want := g.Value(counter), hmacValue(h, key, counter); got != want {
					t.Fatalf("%v, %d-byte key, counter %d: %d from the keyed state, crypto/hmac says %d", alg, n, counter, got, want)
				}
			}
			g.Release()
		}
	}
}

// A keyed state of the wrong length for the algorithm (another
// algorithm's, cut short, padded) is refused, not used to make codes.
func TestKeyedStateOfTheWrongShapeIsRefused(t *testing.T) {
	state, err := otpcore.AppendKeyedState(nil, otpcore.SHA1, benchKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg   otpcore.Algorithm
		state []byte
	}{
		{otpcore.SHA256, state}, {otpcore.SHA1, state[:len(state)-1]}, {otpcore.SHA1, append(bytes.Clone(state), 0)},
		{otpcore.SHA1, nil}, {0, state},
	} {
		if otpcore.KeyedStateUsable(tc.alg, tc.state) {
			t.Errorf("KeyedStateUsable(%v, %d bytes) = true", tc.alg, len(tc.state))
		}
		if _, err := otpcore.AcquireKeyedGenerator(tc.alg, tc.state, 6); err == nil {
			t.Errorf("AcquireKeyedGenerator(%v, %d bytes) accepted", tc.alg, len(tc.state))
		}
	}
	if _, err := otpcore.AcquireKeyedGenerator(otpcore.SHA1, state, 9); err == nil {
		t.Error("AcquireKeyedGenerator accepted 9 digits")
	}
	if _, err := otpcore.AppendKeyedState(nil, otpcore.SHA1, nil); err == nil {
		t.Error("AppendKeyedState keyed an empty key")
	}
}

// Restoring a keyed state and checking a code allocates nothing.
func TestAcquireKeyedGeneratorDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector; the plain run checks them")
	}
	state, err := otpcore.AppendKeyedState(nil, otpcore.SHA1, benchKey)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRef(otpcore.SHA1, benchKey, 6)
	code := mustCode(t, ref.code(t, uint64(benchStep+1)), 6)
	w := otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}
	n := testing.AllocsPerRun(100, func() {
		g, err := otpcore.AcquireKeyedGenerator(otpcore.SHA1, state, 6)
		if err != nil {
			panic(err)
		}
		if _, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, benchUnix, w); !ok {
			panic("no match")
		}
		g.Release()
	})
	if n != 0 {
		t.Errorf("%v allocations per restored verification, want 0", n)
	}
}
