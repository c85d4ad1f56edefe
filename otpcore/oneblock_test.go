package otpcore

import "testing"

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
