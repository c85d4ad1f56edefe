package radiusd

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/two-factor/two-factor/service/servicetest"
)

// The loopback line pam_radius_auth needs ("127.0.0.1 SECRET
// insecure-no-message-authenticator") lets exactly that address omit the
// Message-Authenticator. Over a dual-stack listener (serve with
// radius = [::]:1812), 127.0.0.1 arrives IPv4-mapped and is that client;
// another loopback address (127.0.0.2) or ::1 is no client at all and is
// dropped unanswered, whatever it sends.
func TestLegacyLoopbackLineIsThatAddressOnly(t *testing.T) {
	env := servicetest.NewEnv(t)
	cs, err := ParseClients([]byte("127.0.0.1 "+secret+" "+LegacyOption+"\n"), "clients")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Clients: cs, Verifier: ServiceVerifier{Svc: env.Svc}, Now: env.Clock.Now, Logf: func(string, ...any) {}})
	pc, err := net.ListenPacket("udp", "[::]:0")
	if err != nil {
		t.Skipf("no dual-stack UDP listener here: %v", err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	go srv.Serve(pc) //nolint:errcheck // ends with Shutdown below
	defer srv.Shutdown(context.Background())

	// askFrom sends an Access-Request without a Message-Authenticator from
	// the address from to the listener at to, and returns the answer, or
	// nil for none; sent is false where the host cannot send from there
	// (no IPv6).
	askFrom := func(from, to string) (resp *radius.Packet, sent bool) {
		t.Helper()
		req := radius.New(radius.CodeAccessRequest, []byte(secret))
		rfc2865.UserName_SetString(req, "alice")
		rfc2865.UserPassword_SetString(req, "123456")
		client := &radius.Client{Retry: 0, MaxPacketErrors: 1,
			Dialer: net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(from)}}}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		resp, err := client.Exchange(ctx, req, net.JoinHostPort(to, strconv.Itoa(port)))
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, true
		}
		if err != nil {
			t.Logf("cannot send from %s to %s here: %v", from, to, err)
			return nil, false
		}
		return resp, true
	}
	if resp, _ := askFrom("127.0.0.1", "127.0.0.1"); resp == nil || resp.Code != radius.CodeAccessReject {
		t.Fatalf("from 127.0.0.1 (IPv4-mapped on a dual-stack listener): %v, want the Access-Reject of an unknown user", resp)
	}
	dropped := uint64(0)
	for _, from := range [][2]string{{"127.0.0.2", "127.0.0.1"}, {"::1", "::1"}} {
		resp, sent := askFrom(from[0], from[1])
		if resp != nil {
			t.Errorf("from %s: answered %v; only 127.0.0.1 is a client", from[0], resp.Code)
		}
		if sent {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatal("could send from neither 127.0.0.2 nor ::1")
	}
	st := srv.Stats()
	if st.Rejected != 1 || st.UnknownClient != dropped || st.Accepted != 0 {
		t.Errorf("stats %+v: want one rejection and %d request(s) dropped as from unknown clients", st, dropped)
	}
}
