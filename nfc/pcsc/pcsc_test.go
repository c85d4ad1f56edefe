package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/nfc/pcsc"
	"github.com/two-factor/two-factor/otpcore"
)

const (
	c302Serial = "86596320000042"
	p2Serial   = "86596220000007"
)

var seed = []byte("12345678901234567890")

func spec() nfc.BurnSpec {
	return nfc.BurnSpec{Seed: bytes.Clone(seed), Algorithm: otpcore.SHA1, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second}
}

// present starts pcscd, puts card on the virtual reader and connects.
func present(t testing.TB, card *nfctest.Card) (*pcsc.Card, *nfctest.PCSCD) {
	t.Helper()
	d := nfctest.StartPCSCD(t)
	on, err := card.Present(nfctest.VPCDAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(on.Remove)
	c, err := pcsc.Connect(context.Background(), pcsc.Options{Socket: d.Socket, Reader: nfctest.VPCDReader, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, d
}

func TestBurnThroughPCSCD(t *testing.T) {
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	card.SetClockOffset(3 * time.Minute)
	c, _ := present(t, card)
	if c.Reader != nfctest.VPCDReader {
		t.Errorf("reader = %q", c.Reader)
	}
	info, err := nfc.NewProgrammer(c).Burn(context.Background(), spec())
	if err != nil {
		t.Fatal(err)
	}
	if info.Serial != c302Serial || info.Offset() < 2*time.Minute {
		t.Errorf("info = %+v, offset %s", info, info.Offset())
	}
	if !bytes.Equal(card.Seed(), seed) {
		t.Fatalf("card holds %x, want %x", card.Seed(), seed)
	}
	g, _ := otpcore.NewGenerator(otpcore.SHA1, seed, 6)
	code, err := otpcore.ParseCode(card.Code(), 6)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.VerifyTOTP(code, otpcore.DefaultTOTP, time.Now().Unix(), otpcore.Window{Tolerance: 1, Floor: otpcore.NoFloor}); !ok {
		t.Fatalf("card code %s does not verify", card.Code())
	}
}

func TestReadersAreListedWithoutPadding(t *testing.T) {
	d := nfctest.StartPCSCD(t)
	names, err := pcsc.Readers(d.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, nfctest.VPCDReader) {
		t.Fatalf("readers = %q", names)
	}
	for _, n := range names {
		if strings.ContainsRune(n, 0) {
			t.Errorf("NUL in reader name %q", n)
		}
	}
}

func TestFaultsThroughPCSCD(t *testing.T) {
	for _, tc := range []struct {
		name   string
		serial string
		faults nfctest.Faults
		step   nfc.Step
		want   error
	}{
		{"wrong MAC", c302Serial, nfctest.Faults{BadMAC: true}, nfc.StepConfig, nfc.ErrAuthFailed},
		{"card removed mid-write", p2Serial, nfctest.Faults{RemoveOn: 0xC5}, nfc.StepSeed, nfc.ErrCardRemoved},
		{"authentication refused", c302Serial, nfctest.Faults{RefuseAuth: 5}, nfc.StepAuth, nfc.ErrAuthFailed},
		{"unknown model", "86599990000001", nfctest.Faults{}, nfc.StepInfo, nfc.ErrUnknownModel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := nfctest.NewCard(tc.serial, tc.faults)
			c, _ := present(t, card)
			_, err := nfc.NewProgrammer(c).Burn(context.Background(), spec())
			var se *nfc.StepError
			if !errors.Is(err, tc.want) || !errors.As(err, &se) || se.Step != tc.step {
				t.Fatalf("err = %v", err)
			}
			if card.Seed() != nil {
				t.Errorf("card holds a seed after a failed burn")
			}
			if tc.faults.RefuseAuth > 0 && card.AuthAttempts() != 2 {
				t.Errorf("auth attempts = %d, want 2", card.AuthAttempts())
			}
			t.Log(err)
		})
	}
}

func TestRestrictedModelClockSyncThroughPCSCD(t *testing.T) {
	card := nfctest.NewCard(p2Serial, nfctest.Faults{})
	card.SetSeed(seed)
	c, _ := present(t, card)
	p := nfc.NewProgrammer(c)
	cs := nfc.ClockSpec{Algorithm: otpcore.SHA1, Step: 30 * time.Second, DisplayTimeout: 30 * time.Second}
	if _, err := p.SyncClock(context.Background(), cs); !errors.Is(err, nfc.ErrSeedWouldBeErased) || card.Seed() == nil {
		t.Fatalf("err = %v", err)
	}
	cs.AllowSeedErase = true
	if _, err := p.SyncClock(context.Background(), cs); err != nil || card.Seed() != nil {
		t.Fatalf("err = %v, seed left: %v", err, card.Seed() != nil)
	}
}

func TestConnectWaitsForTheCard(t *testing.T) {
	d := nfctest.StartPCSCD(t)
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	go func() {
		time.Sleep(700 * time.Millisecond) // the admin fetches the token
		on, err := card.Present(nfctest.VPCDAddr, 5*time.Second)
		if err == nil {
			t.Cleanup(on.Remove)
		}
	}()
	start := time.Now()
	c, err := pcsc.Connect(context.Background(), pcsc.Options{Socket: d.Socket, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if time.Since(start) < 500*time.Millisecond {
		t.Errorf("connected after %s, before the card was presented", time.Since(start))
	}
	if _, err := nfc.NewProgrammer(c).Info(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestConnectTimeoutAndCancel(t *testing.T) {
	d := nfctest.StartPCSCD(t)
	start := time.Now()
	_, err := pcsc.Connect(context.Background(), pcsc.Options{Socket: d.Socket, Timeout: 600 * time.Millisecond, Poll: 50 * time.Millisecond})
	if !errors.Is(err, nfc.ErrCardTimeout) || time.Since(start) > 3*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := pcsc.Connect(ctx, pcsc.Options{Socket: d.Socket, Timeout: time.Minute}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancel: err = %v", err)
	}
	if _, err := pcsc.Connect(context.Background(), pcsc.Options{Socket: d.Socket, Reader: "No Such Reader"}); !errors.Is(err, nfc.ErrNoReader) {
		t.Fatalf("unknown reader: err = %v", err)
	}
}

func TestNoDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "pcscd.comm")
	if _, err := pcsc.Readers(sock); !errors.Is(err, nfc.ErrNoDaemon) {
		t.Fatalf("Readers: err = %v", err)
	}
	if _, err := pcsc.Connect(context.Background(), pcsc.Options{Socket: sock, Timeout: time.Second}); !errors.Is(err, nfc.ErrNoDaemon) {
		t.Fatalf("Connect: err = %v", err)
	}
}

func BenchmarkBurnThroughPCSCD(b *testing.B) {
	card := nfctest.NewCard(c302Serial, nfctest.Faults{})
	c, _ := present(b, card)
	exchanges := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		p := nfc.NewProgrammer(c)
		if _, err := p.Burn(context.Background(), spec()); err != nil {
			b.Fatal(err)
		}
		exchanges = p.Exchanges()
	}
	b.ReportMetric(float64(exchanges), "exchanges/op")
	// CPU of this process (programmer, transport and the virtual card),
	// excluding pcscd: our own time, as opposed to waiting on the daemon.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
