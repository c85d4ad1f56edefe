package radiusd

import (
	"crypto/rand"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"
)

// TestFloodFromManyAddressesKeepsMemoryAndLogBounded: the server
// remembers, per source address, when it last logged a wrong or missing
// Message-Authenticator. UDP sources are easily forged within a listed
// network, so a flood from distinct addresses must neither grow that
// memory without limit nor write a log line per address.
func TestFloodFromManyAddressesKeepsMemoryAndLogBounded(t *testing.T) {
	cs, err := ParseClients([]byte("127.0.0.0/8 "+secret+"\n"), "clients")
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Unix(1_000_000, 0).UnixNano())
	var mu sync.Mutex
	lines := 0
	srv := New(Config{Clients: cs, Verifier: &stuckVerifier{release: make(chan struct{})},
		Now:  func() time.Time { return time.Unix(0, clock.Load()) },
		Logf: func(string, ...any) { mu.Lock(); lines++; mu.Unlock() }})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(pc) //nolint:errcheck // closed below
	defer pc.Close()

	const addresses = maxLogKeys + 300
	// In batches: a burst larger than the socket's buffer would be dropped.
	for sent := 0; sent < addresses; sent += 50 {
		n := min(50, addresses-sent)
		sendFromEach(t, pc.LocalAddr(), sent, n)
		waitFor(t, srv, uint64(sent+n))
	}
	srv.logMu.Lock()
	kept := len(srv.lastLog)
	srv.logMu.Unlock()
	mu.Lock()
	logged := lines
	mu.Unlock()
	if kept > maxLogKeys+1 { // +1: the line the newcomers share
		t.Errorf("%d log-throttle entries after a flood from %d addresses, want at most %d", kept, addresses, maxLogKeys+1)
	}
	if logged > maxLogKeys+1 {
		t.Errorf("%d log lines for a flood from %d addresses, want at most %d", logged, addresses, maxLogKeys+1)
	}

	// A minute on, the old entries are swept: a new address is logged again.
	clock.Add(int64(2 * time.Minute))
	sendFromEach(t, pc.LocalAddr(), addresses, 1)
	waitFor(t, srv, addresses+1)
	mu.Lock()
	defer mu.Unlock()
	if lines != logged+1 {
		t.Errorf("a new address after the sweep: %d new log lines, want 1", lines-logged)
	}
}

// sendFromEach sends one Access-Request with a wrong Message-Authenticator
// from each of n loopback addresses, starting at the first-th.
func sendFromEach(t *testing.T, to net.Addr, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		ip := net.IPv4(127, 1, byte(i/250), byte(i%250+1))
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
		if err != nil {
			t.Fatal(err)
		}
		req := radius.New(radius.CodeAccessRequest, []byte(secret))
		rfc2865.UserName_SetString(req, "user"+strconv.Itoa(i))
		rfc2865.UserPassword_SetString(req, "123456")
		wrong := make([]byte, authenticatorLen)
		rand.Read(wrong)
		rfc2869.MessageAuthenticator_Set(req, wrong)
		b, err := req.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WriteTo(b, to); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
}

// waitFor waits until the server has dropped n requests for their
// Message-Authenticator.
func waitFor(t *testing.T, srv *Server, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().BadAuthenticator != n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d bad authenticators: %+v", n, srv.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}
