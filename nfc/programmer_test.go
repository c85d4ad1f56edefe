package nfc_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/otpcore"
)

const (
	c302Serial = "86596320000042" // unrestricted clock sync
	p2Serial   = "86596220000007" // restricted: a config write erases the seed
)

var testSeed = []byte("12345678901234567890")

func burnSpec(seed []byte) nfc.BurnSpec {
	return nfc.BurnSpec{Seed: seed, Algorithm: otpcore.SHA1, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second}
}

// CheckCardCode verifies the code the card displays with otpcore, as the
// admin's confirmation step will.
func CheckCardCode(t *testing.T, card *nfctest.Card, seed []byte, alg otpcore.Algorithm, step int64) {
	t.Helper()
	g, err := otpcore.NewGenerator(alg, seed, 6)
	if err != nil {
		t.Fatal(err)
	}
	code, err := otpcore.ParseCode(card.Code(), 6)
	if err != nil {
		t.Fatalf("card shows %q: %v", card.Code(), err)
	}
	if _, ok := g.VerifyTOTP(code, otpcore.TOTPParams{Step: step}, time.Now().Unix(), otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}); !ok {
		t.Fatalf("the card's code %s does not verify", card.Code())
	}
}

func TestBurnWritesConfigThenSeedAndTheCardsCodeVerifies(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed []byte
		alg  otpcore.Algorithm
		step time.Duration
	}{
		{"SHA-1 30s", testSeed, otpcore.SHA1, 30 * time.Second},
		{"SHA-256 60s block-aligned seed", []byte("12345678901234567890123456789012"), otpcore.SHA256, 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := nfctest.NewCard(c302Serial, nfctest.Faults{})
			card.SetClockOffset(-7 * time.Minute) // the clock must be set by the burn
			p := nfc.NewProgrammer(card)
			spec := nfc.BurnSpec{Seed: bytes.Clone(tc.seed), Algorithm: tc.alg, Step: tc.step, DisplayTimeout: 60 * time.Second}
			info, err := p.Burn(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if info.Serial != c302Serial || info.Model.Name != "C302-i" {
				t.Errorf("info = %+v", info)
			}
			if off := info.Offset(); off > -6*time.Minute || off < -8*time.Minute {
				t.Errorf("offset before the burn = %s, want about -7m", off)
			}
			if !bytes.Equal(card.Seed(), tc.seed) {
				t.Fatalf("card holds %x, want %x", card.Seed(), tc.seed)
			}
			if d := time.Until(card.Clock()); d > 2*time.Second || d < -2*time.Second {
				t.Errorf("card clock off by %s after the burn", d)
			}
			alg, step, disp := card.Settings()
			if wantAlg := byte(tc.alg); alg != wantAlg || step != int(tc.step.Seconds()) || disp != 2 {
				t.Errorf("settings = %d %d %d", alg, step, disp)
			}
			CheckCardCode(t, card, tc.seed, tc.alg, int64(tc.step.Seconds()))
			if got, want := hex.EncodeToString(card.Commands()), "414bced4c5"; got != want {
				t.Errorf("commands = %s, want %s (info, challenge, auth, config, seed)", got, want)
			}
			if p.Exchanges() != 5 {
				t.Errorf("exchanges = %d", p.Exchanges())
			}
		})
	}
}

func TestUnknownModelIsRefusedBeforeAnyWrite(t *testing.T) {
	card := nfctest.NewCard("86599990000001", nfctest.Faults{})
	_, err := nfc.NewProgrammer(card).Burn(context.Background(), burnSpec(testSeed))
	var se *nfc.StepError
	if !errors.Is(err, nfc.ErrUnknownModel) || !errors.As(err, &se) || se.Serial != "86599990000001" {
		t.Fatalf("err = %v", err)
	}
	if got := hex.EncodeToString(card.Commands()); got != "41" {
		t.Errorf("commands = %s, want only the info read", got)
	}
}

func TestAuthenticationIsRetriedOnceAndNeverMore(t *testing.T) {
	t.Run("one refusal, then success", func(t *testing.T) {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{RefuseAuth: 1})
		p := nfc.NewProgrammer(card)
		if _, err := p.Burn(context.Background(), burnSpec(testSeed)); err != nil {
			t.Fatal(err)
		}
		if card.AuthAttempts() != 2 || p.AuthFailures() != 1 {
			t.Errorf("auth attempts %d, failures %d", card.AuthAttempts(), p.AuthFailures())
		}
	})
	t.Run("refused twice: stop, and stay stopped", func(t *testing.T) {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{RefuseAuth: 10})
		p := nfc.NewProgrammer(card)
		_, err := p.Burn(context.Background(), burnSpec(testSeed))
		var se *nfc.StepError
		if !errors.Is(err, nfc.ErrAuthFailed) || !errors.As(err, &se) || se.Step != nfc.StepAuth {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), "lock the token for good") {
			t.Errorf("no warning about locking: %v", err)
		}
		if card.AuthAttempts() != 2 {
			t.Fatalf("auth attempts = %d, want 2", card.AuthAttempts())
		}
		for _, f := range []func() error{
			func() error { _, err := p.Burn(context.Background(), burnSpec(testSeed)); return err },
			func() error {
				_, err := p.SyncClock(context.Background(), nfc.ClockSpec{Algorithm: otpcore.SHA1, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second})
				return err
			},
		} {
			if err := f(); !errors.Is(err, nfc.ErrAuthCapReached) {
				t.Errorf("again: err = %v, want ErrAuthCapReached", err)
			}
		}
		if card.AuthAttempts() != 2 || card.Seed() != nil {
			t.Errorf("auth attempts = %d, seed %x", card.AuthAttempts(), card.Seed())
		}
	})
	t.Run("locked after the first refusal", func(t *testing.T) {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{RefuseAuth: 1, LockAfter: 1})
		p := nfc.NewProgrammer(card)
		_, err := p.Burn(context.Background(), burnSpec(testSeed))
		if !errors.Is(err, nfc.ErrAuthFailed) || card.AuthAttempts() != 1 {
			t.Fatalf("err = %v, attempts %d", err, card.AuthAttempts())
		}
	})
}

func TestFaultsGiveClearErrorsWithoutTheSeed(t *testing.T) {
	for _, tc := range []struct {
		name        string
		serial      string
		faults      nfctest.Faults
		step        nfc.Step
		want        error
		seedCleared bool
		advice      string
	}{
		{"wrong MAC", c302Serial, nfctest.Faults{BadMAC: true}, nfc.StepConfig, nfc.ErrAuthFailed, false, "refused the MAC"},
		{"removed mid-write", c302Serial, nfctest.Faults{RemoveOn: 0xC5}, nfc.StepSeed, nfc.ErrCardRemoved, false, "hold the token"},
		{"removed mid-write, restricted model", p2Serial, nfctest.Faults{RemoveOn: 0xC5}, nfc.StepSeed, nfc.ErrCardRemoved, true, "burn it again"},
		{"removed while configuring", p2Serial, nfctest.Faults{RemoveOn: 0xD4}, nfc.StepConfig, nfc.ErrCardRemoved, true, "burn it again"},
		{"seed refused", c302Serial, nfctest.Faults{Status: map[byte]uint16{0xC5: 0x6A80}}, nfc.StepSeed, nfc.ErrBadData, false, "power-cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := nfctest.NewCard(tc.serial, tc.faults)
			_, err := nfc.NewProgrammer(card).Burn(context.Background(), burnSpec(bytes.Clone(testSeed)))
			var se *nfc.StepError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Step != tc.step || se.SeedCleared != tc.seedCleared {
				t.Fatalf("err = %#v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.advice) || !strings.Contains(msg, tc.serial) || !strings.Contains(msg, string(tc.step)) {
				t.Errorf("message lacks step, serial or advice %q: %s", tc.advice, msg)
			}
			assertNoSeed(t, msg, testSeed)
		})
	}
	t.Run("unexpected status word", func(t *testing.T) {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{Status: map[byte]uint16{0xC5: 0x6F42}})
		_, err := nfc.NewProgrammer(card).Burn(context.Background(), burnSpec(testSeed))
		var sw *nfc.StatusError
		if !errors.As(err, &sw) || sw.SW != 0x6F42 || !strings.Contains(err.Error(), "6F42") {
			t.Fatalf("err = %v", err)
		}
	})
}

func assertNoSeed(t *testing.T, msg string, seed []byte) {
	t.Helper()
	for _, form := range []string{string(seed), hex.EncodeToString(seed), strings.ToUpper(hex.EncodeToString(seed)), otpcore.EncodeBase32(seed)} {
		if strings.Contains(msg, form[:8]) {
			t.Fatalf("error shows the seed: %s", msg)
		}
	}
}

// wipeCheck records the commands Burn hands to the transport, to check
// afterwards that the one carrying the seed was wiped.
type wipeCheck struct {
	card *nfctest.Card
	sent [][]byte
}

func (w *wipeCheck) Transmit(apdu []byte) ([]byte, error) {
	w.sent = append(w.sent, apdu)
	return w.card.Transmit(apdu)
}

func TestBurnWipesTheSeedCommand(t *testing.T) {
	w := &wipeCheck{card: nfctest.NewCard(c302Serial, nfctest.Faults{})}
	seed := bytes.Clone(testSeed)
	if _, err := nfc.NewProgrammer(w).Burn(context.Background(), burnSpec(seed)); err != nil {
		t.Fatal(err)
	}
	last := w.sent[len(w.sent)-1]
	if last[1] != 0xC5 && last[1] != 0 || len(bytes.Trim(last, "\x00")) != 0 {
		t.Fatalf("seed command not wiped after use: %X", last)
	}
	if !bytes.Equal(seed, testSeed) {
		t.Fatal("Burn changed the caller's seed, which the caller still has to store")
	}
}

func TestBurnChecksTheSpecBeforeTouchingTheToken(t *testing.T) {
	for name, spec := range map[string]nfc.BurnSpec{
		"short seed": burnSpec(make([]byte, 15)),
		"long seed":  burnSpec(make([]byte, 64)),
		"SHA-512":    {Seed: testSeed, Algorithm: otpcore.SHA512, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second},
		"45s step":   {Seed: testSeed, Algorithm: otpcore.SHA1, Step: 45 * time.Second, DisplayTimeout: 30 * time.Second},
	} {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{})
		if _, err := nfc.NewProgrammer(card).Burn(context.Background(), spec); err == nil || len(card.Commands()) != 0 {
			t.Errorf("%s: err = %v, commands %x", name, err, card.Commands())
		}
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := nfc.NewProgrammer(card).Burn(ctx, burnSpec(testSeed)); !errors.Is(err, context.Canceled) || len(card.Commands()) != 0 {
		t.Fatalf("err = %v, commands %x", err, card.Commands())
	}
}

func TestSyncClock(t *testing.T) {
	spec := nfc.ClockSpec{Algorithm: otpcore.SHA1, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second}
	t.Run("restricted model refused unless the erase is allowed", func(t *testing.T) {
		card := nfctest.NewCard(p2Serial, nfctest.Faults{})
		card.SetSeed(testSeed)
		card.SetClockOffset(time.Hour)
		p := nfc.NewProgrammer(card)
		info, err := p.SyncClock(context.Background(), spec)
		if !errors.Is(err, nfc.ErrSeedWouldBeErased) || !info.Model.RestrictedSync || !bytes.Equal(card.Seed(), testSeed) {
			t.Fatalf("err = %v, seed %x", err, card.Seed())
		}
		if bytes.IndexByte(card.Commands(), 0xD4) >= 0 {
			t.Fatal("config written despite the refusal")
		}
		spec := spec
		spec.AllowSeedErase = true
		if _, err := p.SyncClock(context.Background(), spec); err != nil {
			t.Fatal(err)
		}
		if card.Seed() != nil || time.Until(card.Clock()) > 2*time.Second {
			t.Fatalf("seed %x, clock %s", card.Seed(), card.Clock())
		}
	})
	t.Run("unrestricted model keeps its seed", func(t *testing.T) {
		card := nfctest.NewCard(c302Serial, nfctest.Faults{})
		card.SetSeed(testSeed)
		card.SetClockOffset(-time.Hour)
		if _, err := nfc.NewProgrammer(card).SyncClock(context.Background(), spec); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(card.Seed(), testSeed) || time.Until(card.Clock()) < -2*time.Second {
			t.Fatalf("seed %x, clock %s", card.Seed(), card.Clock())
		}
		CheckCardCode(t, card, testSeed, otpcore.SHA1, 30)
	})
}
