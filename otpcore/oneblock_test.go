package otpcore

import (
	"encoding/binary"
	"errors"
	"testing"
)

// The one-block finish is what generators use on this Go release: should
// a release change the digests' saved-state layout, the self-test turns
// it off (codes stay right) and this test says so.
func TestOneBlockFinishIsUsed(t *testing.T) {
	for _, alg := range []Algorithm{SHA1, SHA256, SHA512} {
		if !oneBlockWorks[alg]() {
			t.Errorf("%v: the one-block finish disagrees with Sum; generators fall back to the slower path", alg)
		}
	}
}

// relaidState stands for a Go release whose saved digest state is laid
// out differently: each state is kept aside and saved as a short handle
// (too short to hold the digest), or padded at the front (the digest no
// longer where finalBlocks reads it). Restoring still works, so the
// fallback path stays right.
type relaidState struct {
	stateHash
	saved [][]byte
	pad   bool
	// failAfter, when set, makes saving fail once keyed (AppendBinary
	// returns nothing and an error), which finalBlocks cannot take.
	failAfter, calls int
}

func (r *relaidState) AppendBinary(b []byte) ([]byte, error) {
	r.calls++
	if r.failAfter > 0 && r.calls > r.failAfter {
		return nil, errors.New("cannot save this state")
	}
	st, err := r.stateHash.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	if r.pad {
		return append(append(b, make([]byte, 8)...), st...), nil
	}
	r.saved = append(r.saved, st)
	return binary.BigEndian.AppendUint16(b, uint16(len(r.saved)-1)), nil
}

func (r *relaidState) UnmarshalBinary(b []byte) error {
	if r.pad {
		return r.stateHash.UnmarshalBinary(b[8:])
	}
	return r.stateHash.UnmarshalBinary(r.saved[binary.BigEndian.Uint16(b)])
}

// Should the layout change, the self-test turns the one-block finish off
// (it neither panics nor keeps it on), and codes stay right.
func TestOneBlockSelfTestRejectsOtherLayouts(t *testing.T) {
	for _, pad := range []bool{false, true} {
		for _, alg := range []Algorithm{SHA1, SHA256, SHA512} {
			g := newPlain(alg)
			g.innerState = &relaidState{stateHash: g.innerState, pad: pad}
			g.outerState = &relaidState{stateHash: g.outerState, pad: pad}
			if oneBlockAgreesOn(g) {
				t.Fatalf("%v (pad %v): the self-test accepted a changed state layout", alg, pad)
			}
			if g.oneBlock {
				t.Fatalf("%v: the self-test left the one-block finish on", alg)
			}
			want, _ := NewGenerator(alg, []byte("12345678901234567890"), 6)
			g.rekey([]byte("12345678901234567890"), 6)
			for c := range uint64(10) {
				if got, w := g.Value(c), want.Value(c); got != w {
					t.Fatalf("%v (pad %v): fallback gives %d for counter %d, want %d", alg, pad, got, c, w)
				}
			}
		}
	}
}

// A release whose saving fails makes finalBlocks slice nothing: the
// self-test answers false instead of panicking in every process.
func TestOneBlockSelfTestSurvivesFailingState(t *testing.T) {
	g := newPlain(SHA256)
	g.innerState = &relaidState{stateHash: g.innerState, failAfter: 1}
	g.outerState = &relaidState{stateHash: g.outerState, failAfter: 1}
	if oneBlockAgreesOn(g) || g.oneBlock {
		t.Fatal("the self-test accepted a state that cannot be saved")
	}
}
