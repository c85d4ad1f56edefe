package burn_test

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/nfc/nfctest"
	"github.com/two-factor/two-factor/nfc/pcsc"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/registry"
)

func init() { tuitest.Routes = registry.Routes() }

// Serials of the virtual tokens: a C302-i and an OTPC-P2-i.
const (
	c302Serial = "86596320000042"
	p2Serial   = "86596220000007"
)

// env is a store with alice, whose service reaches tokens through src.
func env(t *testing.T, src service.CardSource) *tuitest.Env {
	t.Helper()
	e := tuitest.NewEnv(t)
	e.AddUser(t, "alice")
	e.Svc.Cards = src
	return e
}

// onReader is a virtual card handed to the service directly, without a
// reader stack: for frames that need no pcscd.
func onReader(card *nfctest.Card) service.CardSource {
	return func(context.Context, time.Duration) (service.Card, error) { return held{card}, nil }
}

type held struct{ *nfctest.Card }

func (held) Close() error { return nil }

// throughPCSCD starts a real pcscd with vpcd (skipping without it, failing
// with CI=true) and returns the source the console is built with.
func throughPCSCD(t *testing.T) service.CardSource {
	t.Helper()
	socket := nfctest.StartPCSCD(t).Socket
	return func(ctx context.Context, wait time.Duration) (service.Card, error) {
		if wait == 0 {
			wait = 10 * time.Second
		}
		card, err := pcsc.Connect(ctx, pcsc.Options{Socket: socket, Timeout: wait})
		if err != nil {
			return nil, err
		}
		return card, nil
	}
}

// present puts card on the virtual reader until the test ends.
func present(t *testing.T, card *nfctest.Card) {
	t.Helper()
	on, err := card.Present(nfctest.VPCDAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(on.Remove)
}

// tokens is every token the store holds, retired ones too.
func tokens(t *testing.T, e *tuitest.Env) []*devices.Device {
	t.Helper()
	toks, err := e.Svc.Tokens(context.Background(), db.TokenFilter{Retired: true})
	if err != nil {
		t.Fatal(err)
	}
	return toks
}
