package otpcore

import (
	"bytes"
	"testing"
)

// Releasing a generator leaves nothing derived from its key in it,
// whether it was keyed from a key or restored from a keyed state, for
// every algorithm: the pads, the saved states, the scratch state, the
// digests and the counter block are all zero.
func TestReleaseWipesEverythingDerivedFromTheKey(t *testing.T) {
	for _, alg := range []Algorithm{SHA1, SHA256, SHA512} {
		key := bytes.Repeat([]byte{0xa5}, 100) // longer than SHA-1's block: hashed first
		state, err := AppendKeyedState(nil, alg, key)
		if err != nil {
			t.Fatal(err)
		}
		for name, acquire := range map[string]func() (*Generator, error){
			"keyed":    func() (*Generator, error) { return AcquireGenerator(alg, key, 6) },
			"restored": func() (*Generator, error) { return AcquireKeyedGenerator(alg, state, 6) },
		} {
			g, err := acquire()
			if err != nil {
				t.Fatal(err)
			}
			g.Value(1234)
			g.Release()
			size := g.inner.Size()
			for part, b := range map[string][]byte{
				"inner pad state": g.states[0][:], "outer pad state": g.states[1][:], "scratch state": g.scratch[:],
				"key": g.key[:], "pad": g.pad[:], "sum": g.sum[:], "counter": g.inBlock[:8], "inner digest": g.outBlock[:size],
			} {
				if !bytes.Equal(b, make([]byte, len(b))) {
					t.Errorf("%v %s: %s not wiped", alg, name, part)
				}
			}
		}
	}
}

// The keyed-state self-test refuses a layout where the chaining value is
// not where restore puts it, and one too short to hold it (which would
// panic), rather than letting keyed states make wrong codes.
func TestKeyedStateSelfTestRefusesAnotherLayout(t *testing.T) {
	if !keyedStateAgreesOn(newPlain(SHA1), newPlain(SHA1)) {
		t.Fatal("the self-test fails on this build's own layout")
	}
	moved := newPlain(SHA1)
	moved.afterOneBlock = append(bytes.Clone(moved.afterOneBlock[8:]), moved.afterOneBlock[:8]...)
	if keyedStateAgreesOn(newPlain(SHA1), moved) {
		t.Error("a state with the chaining value elsewhere passed the self-test")
	}
	short := newPlain(SHA1)
	short.afterOneBlock = short.afterOneBlock[:10]
	if keyedStateAgreesOn(newPlain(SHA1), short) {
		t.Error("a state too short for the chaining value passed the self-test")
	}
}
