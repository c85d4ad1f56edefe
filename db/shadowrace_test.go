package db

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// The dummy work of a login for a name without devices decrypts a shared,
// read-only ciphertext: it must never write to it (AES-GCM's Open wipes
// its output on a wrong tag, and a keyed state opens in place), or
// concurrent logins on two stores in one process (two verifiers, tests in
// parallel) race on it. The shared text is given a pattern here so that a
// write, even of the bytes already there, shows. Real logins run beside
// them: run with -race for the pooled associated-data buffers.
func TestUnknownNameLoginsNeverWriteTheSharedDummyCiphertext(t *testing.T) {
	saved := shadowCiphertext
	t.Cleanup(func() { shadowCiphertext = saved })
	patterned := bytes.Clone(saved)
	for i := 1; i < len(patterned); i++ {
		patterned[i] = byte(i)
	}
	shadowCiphertext = bytes.Clone(patterned)

	stores := []*SQLite{newFixture(t).open(t), newFixture(t).open(t)}
	for _, s := range stores {
		addTOTP(t, s, "alice", "phone", seed) // a key, so the dummy decrypts
	}
	want := keyedStateOf(t, seed)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				if err := s.UpdateAnyName(ctx, "login", fmt.Sprintf("nobody-%d-%d", i, j), func(*Unit) error { return nil }); err != nil {
					t.Error(err)
					return
				}
				// and a real login's state, through the same pooled
				// associated-data buffers
				err := s.UpdateAnyName(ctx, "login", "alice", func(u *Unit) error {
					if d := u.Devices[0]; !bytes.Equal(d.Keyed, want) {
						return fmt.Errorf("store %d: login read keyed state %x, want %x", i, d.Keyed, want)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if !bytes.Equal(shadowCiphertext, patterned) {
		t.Errorf("unknown-name logins wrote to the shared dummy ciphertext:\n got %x\nwant %x", shadowCiphertext, patterned)
	}
}
