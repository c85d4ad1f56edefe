package service

import (
	"bytes"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/nfc/nfctest"
)

// The virtual token answers directly as the transport here: these tests
// are about what the service keeps, not the reader (cli's tests burn
// through a real pcscd).

// TestBurnKeepsNothingUntilConfirmed: a burned token is recorded only by
// a code it shows, and the seed is wiped from memory once it is stored or
// given up.
func TestBurnKeepsNothingUntilConfirmed(t *testing.T) {
	s, _ := newService(t, t.TempDir())
	if _, err := s.AddUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	card := nfctest.NewCard("86596320000042", nfctest.Faults{})
	plan, err := s.PlanBurn(ctx, "alice", BurnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := s.Burn(ctx, plan, card)
	if err != nil {
		t.Fatal(err)
	}
	if toks, _ := s.Tokens(ctx, db.TokenFilter{Retired: true}); len(toks) != 0 {
		t.Fatalf("recorded before a code confirmed it: %v", toks)
	}
	seed := pb.e.Device.Secret
	if !bytes.Equal(seed, card.Seed()) {
		t.Fatal("the pending burn does not hold the token's seed")
	}
	if r, err := s.ConfirmBurn(ctx, pb, "000000"); err != nil || r.Accepted() {
		t.Fatalf("a wrong code: %v %v", r, err)
	}
	if toks, _ := s.Tokens(ctx, db.TokenFilter{Retired: true}); len(toks) != 0 || !bytes.Equal(seed, card.Seed()) {
		t.Fatal("a wrong code recorded the token or lost the seed")
	}
	r, err := s.ConfirmBurn(ctx, pb, card.Code())
	if err != nil || !r.Accepted() {
		t.Fatalf("the token's code: %v %v", r, err)
	}
	if !bytes.Equal(seed, make([]byte, len(seed))) {
		t.Fatal("the seed was not wiped after it was stored")
	}
	if toks, _ := s.Tokens(ctx, db.TokenFilter{Retired: true}); len(toks) != 1 || toks[0].SeedSource != "programmed" || toks[0].Manufacturer != "Token2" {
		t.Fatalf("recorded: %+v", toks)
	}
}
