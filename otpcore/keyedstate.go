package otpcore

import (
	"bytes"
	"errors"
)

// A keyed state is an HMAC already keyed with a seed, in the smallest form
// that restores it: the chaining values of the hash after the key⊕ipad
// block and after the key⊕opad block (RFC 2104's precomputation), twice
// the digest size. A store can keep it beside the seed so that a login
// restores the keyed HMAC instead of hashing the key again
// (AcquireKeyedGenerator). It computes every code the seed computes, so it
// is as secret as the seed.
//
// Restoring relies on what the one-block finish relies on (see
// oneBlockWorks): the standard library's saved state after whole blocks is
// a 4-byte magic and the chaining value, then an empty buffer and the
// length, so a state saved after one block of any key differs from one
// saved after one block of zeros only in the chaining value. A
// once-per-algorithm self-test checks that a state cut down and restored
// is the state saved; where it fails (a Go release that changed the
// layout) keyed states are refused and callers key from the seed.

// ErrKeyedStateUnusable is a keyed state that does not fit the algorithm,
// or a build whose hashes cannot restore one (then the seed serves).
var ErrKeyedStateUnusable = errors.New("keyed HMAC state unusable for this algorithm")

// KeyedStateLen is the length of a keyed state for alg.
func KeyedStateLen(alg Algorithm) int {
	if !alg.Valid() {
		return 0
	}
	return 2 * digestSize[alg]
}

var digestSize = [SHA512 + 1]int{SHA1: 20, SHA256: 32, SHA512: 64}

// KeyedStateUsable reports whether state can key a generator of alg here:
// the right length, and a build whose hashes restore keyed states.
func KeyedStateUsable(alg Algorithm, state []byte) bool {
	return KeyedStatesSupported(alg) && len(state) == KeyedStateLen(alg)
}

// KeyedStatesSupported reports whether this build restores keyed states
// of alg (see the comment at the top).
func KeyedStatesSupported(alg Algorithm) bool {
	return alg.Valid() && keyedStatesWork[alg]()
}

// AppendKeyedState keys an HMAC of alg with key and appends its keyed
// state to dst. It fails for a key NewGenerator refuses, and where keyed
// states cannot be restored (the caller then keeps none).
func AppendKeyedState(dst []byte, alg Algorithm, key []byte) ([]byte, error) {
	if err := checkGeneratorArgs(alg, key, MinDigits); err != nil {
		return dst, err
	}
	if !keyedStatesWork[alg]() {
		return dst, ErrKeyedStateUnusable
	}
	g := pooled(alg)
	defer g.Release()
	g.rekey(key, MinDigits)
	return g.appendKeyed(dst), nil
}

// AcquireKeyedGenerator is AcquireGenerator from a keyed state instead of
// a key: the pads are not hashed again. Call Release when done.
func AcquireKeyedGenerator(alg Algorithm, state []byte, digits int) (*Generator, error) {
	if !KeyedStateUsable(alg, state) {
		return nil, ErrKeyedStateUnusable
	}
	if err := ValidateDigits(digits); err != nil {
		return nil, err
	}
	g := pooled(alg)
	g.restore(state, digits)
	return g, nil
}

// appendKeyed appends the chaining values of the keyed inner and outer
// states.
func (g *Generator) appendKeyed(dst []byte) []byte {
	size := g.inner.Size()
	dst = append(dst, g.ipad[4:4+size]...)
	return append(dst, g.opad[4:4+size]...)
}

// restore sets the keyed states from a keyed state (checked by the
// caller): the saved state of one block, with the key's chaining values.
func (g *Generator) restore(state []byte, digits int) {
	g.digits = digits
	size := g.inner.Size()
	g.ipad = append(g.states[0][:0], g.afterOneBlock...)
	copy(g.ipad[4:4+size], state[:size])
	g.opad = append(g.states[1][:0], g.afterOneBlock...)
	copy(g.opad[4:4+size], state[size:])
}

// keyedStatesWork reports, per algorithm and once, whether a keyed state
// restores the states keying saved (see the comment at the top).
var keyedStatesWork = [SHA512 + 1]func() bool{
	SHA1: onceAgrees(SHA1, keyedStateAgrees), SHA256: onceAgrees(SHA256, keyedStateAgrees),
	SHA512: onceAgrees(SHA512, keyedStateAgrees),
}

func keyedStateAgrees(alg Algorithm) bool {
	return keyedStateAgreesOn(newPlain(alg), newPlain(alg))
}

// keyedStateAgreesOn is the self-test on two unkeyed generators of one
// algorithm: keyed is keyed, restored restored from keyed's state.
func keyedStateAgreesOn(keyed, restored *Generator) (ok bool) {
	defer func() {
		if recover() != nil { // a layout too short for the slicing above
			ok = false
		}
		keyed.wipe()
		restored.wipe()
	}()
	keyed.rekey([]byte("keyed-state self-test key"), MaxDigits)
	restored.restore(keyed.appendKeyed(nil), MaxDigits)
	if !bytes.Equal(keyed.ipad, restored.ipad) || !bytes.Equal(keyed.opad, restored.opad) {
		return false
	}
	for _, c := range []uint64{0, 1, 1 << 40} {
		if keyed.Value(c) != restored.Value(c) {
			return false
		}
	}
	return true
}
