package otpcore_test

import (
	"bytes"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// A generator restored from a keyed state gives crypto/hmac's values for
// every key length (shorter than, equal to and longer than the block, which
// RFC 2104 hashes first), however often pooled generators go between
// keyed states and keys.
func TestKeyedStateMatchesCryptoHMAC(t *testing.T) {
	acquiresLikeCryptoHMAC(t, 37, func(t *testing.T, alg otpcore.Algorithm, key []byte) (*otpcore.Generator, error) {
		state, err := otpcore.AppendKeyedState(nil, alg, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(state) != otpcore.KeyedStateLen(alg) || !otpcore.KeyedStateUsable(alg, state) {
			t.Fatalf("%v: keyed state of %d bytes, want %d", alg, len(state), otpcore.KeyedStateLen(alg))
		}
		if bytes.Contains(state, key) && len(key) >= 4 {
			t.Fatalf("%v: the keyed state holds the key itself", alg)
		}
		return otpcore.AcquireKeyedGenerator(alg, state, 8)
	})
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
	state, err := otpcore.AppendKeyedState(nil, otpcore.SHA1, benchKey)
	if err != nil {
		t.Fatal(err)
	}
	verifiesWithoutAllocating(t, "restored", func() (*otpcore.Generator, error) {
		return otpcore.AcquireKeyedGenerator(otpcore.SHA1, state, 6)
	})
}
