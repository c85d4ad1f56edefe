package radiusd

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// stuckVerifier is a store that does not answer until release is closed.
type stuckVerifier struct {
	entered atomic.Int64
	release chan struct{}
}

func (v *stuckVerifier) Verify(ctx context.Context, _, _, _ string) (bool, error) {
	v.entered.Add(1)
	<-v.release
	return false, nil
}

// TestVerificationsInFlightAreCapped: with the store stuck, a flood of
// Access-Requests starts at most maxInFlight verifications; the rest are
// dropped unanswered (the NAS retransmits) and counted as Busy.
func TestVerificationsInFlightAreCapped(t *testing.T) {
	cs, err := ParseClients([]byte("127.0.0.1 "+secret+"\n"), "clients")
	if err != nil {
		t.Fatal(err)
	}
	v := &stuckVerifier{release: make(chan struct{})}
	srv := New(Config{Clients: cs, Verifier: v, Logf: t.Logf})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(pc) //nolint:errcheck // ends with Shutdown below
	released := false
	defer func() {
		if !released {
			close(v.release)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck // the test is over
	}()

	nas, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer nas.Close()
	const extra = 8
	for i := range maxInFlight + extra {
		// The library drops a request whose source and Identifier are
		// already in flight: give each its own.
		req := signedAccessRequest(t, byte(i), "user"+strconv.Itoa(i), "123456")
		b, err := req.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nas.WriteTo(b, pc.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for (v.entered.Load() < maxInFlight || srv.Stats().Busy < extra) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // any verification over the cap would start now
	if n, st := v.entered.Load(), srv.Stats(); n != maxInFlight || st.Busy != extra {
		t.Fatalf("%d verifications in flight, %d dropped as busy; want %d and %d", n, st.Busy, maxInFlight, extra)
	}
	close(v.release)
	released = true
	for srv.Stats().Rejected < maxInFlight && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := srv.Stats(); st.Rejected != maxInFlight {
		t.Errorf("after the store answered: %+v", st)
	}
}
