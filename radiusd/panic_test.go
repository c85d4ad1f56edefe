package radiusd

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// panicOnceVerifier panics on its first verification, as otpcore does on
// a keyed state that no longer restores, and accepts every later one.
type panicOnceVerifier struct{ calls atomic.Int64 }

func (v *panicOnceVerifier) Verify(context.Context, string, string, string) (bool, error) {
	if v.calls.Add(1) == 1 {
		panic("otpcore: cannot restore a keyed HMAC state")
	}
	return true, nil
}

// TestAPanickingVerificationIsARejectionNotACrash: a verification that
// panics is answered Access-Reject, counted as an error and logged, and
// the server goes on answering (before, the panic ended the process, and
// with it every login the verifier guards). The reject is not cached: a
// retransmit is verified again.
func TestAPanickingVerificationIsARejectionNotACrash(t *testing.T) {
	cs, err := ParseClients([]byte("127.0.0.1 "+secret+"\n"), "clients")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logged []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, format)
	}
	srv := New(Config{Clients: cs, Verifier: &panicOnceVerifier{}, Logf: logf})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(pc) //nolint:errcheck // ends with Shutdown below
	defer srv.Shutdown(context.Background())

	req := signedAccessRequest(t, 1, "alice", "123456")
	client := &radius.Client{Retry: 0, MaxPacketErrors: 1}
	ask := func() radius.Code {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := client.Exchange(ctx, req, pc.LocalAddr().String())
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		return resp.Code
	}
	if got := ask(); got != radius.CodeAccessReject {
		t.Fatalf("the panicking verification answered %v, want Access-Reject", got)
	}
	if st := srv.Stats(); st.Errors != 1 {
		t.Errorf("after the panic: %+v, want one error", st)
	}
	mu.Lock()
	if len(logged) != 1 || !strings.Contains(logged[0], "failed unexpectedly") {
		t.Errorf("log: %q, want one line saying the verification failed unexpectedly", logged)
	}
	mu.Unlock()
	// The same request again (a retransmit): verified again, not the
	// cached reject; the server is still there to answer it.
	if got := ask(); got != radius.CodeAccessAccept {
		t.Errorf("the retransmit after the panic answered %v, want Access-Accept", got)
	}
}

// signedAccessRequest is a PAP Access-Request from the test's NAS with
// Identifier id and a valid Message-Authenticator.
func signedAccessRequest(t testing.TB, id byte, user, code string) *radius.Packet {
	t.Helper()
	req := radius.New(radius.CodeAccessRequest, []byte(secret))
	req.Identifier = id
	rfc2865.UserName_SetString(req, user)
	rfc2865.UserPassword_SetString(req, code)
	rfc2869.MessageAuthenticator_Set(req, make([]byte, authenticatorLen))
	sum, err := messageAuthenticator(req)
	if err != nil {
		t.Fatal(err)
	}
	rfc2869.MessageAuthenticator_Set(req, sum)
	return req
}
