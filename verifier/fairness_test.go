package verifier_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/two-factor/two-factor/verifier"
)

// TestSocketAttackerCannotStarveOtherLogins: every PAM login reaches the
// socket as uid 0, so one bucket per uid would let an attacker hammering
// sshd with wrong codes get every other login on the host refused. The
// buckets are kept per login source (uid, PAM service, remote host), so
// while the attacker's own requests are refused, logins from elsewhere,
// sent at the same time through the same socket, are answered.
func TestSocketAttackerCannotStarveOtherLogins(t *testing.T) {
	s := serveSocketWith(t, verifier.Limit{Rate: 0.01, Burst: 3}, false)
	const attackerVia = "pam sshd from 203.0.113.9"
	var refused atomic.Int64
	firstRefusal := make(chan struct{})
	var once sync.Once
	stop := make(chan struct{})
	var attackers sync.WaitGroup
	for range 8 {
		attackers.Add(1)
		go func() {
			defer attackers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := s.client.VerifyVia(context.Background(), "nobody", "000000", attackerVia)
				if err != nil && strings.Contains(err.Error(), "429") {
					refused.Add(1)
					once.Do(func() { close(firstRefusal) })
				}
			}
		}()
	}
	<-firstRefusal // the attacker's bucket is empty now, and stays so
	var logins sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		logins.Add(1)
		go func() {
			defer logins.Done()
			via := "pam sshd from 198.51.100." + itoa(i+1)
			if i%2 == 1 {
				via = "pam sudo" // a local sudo: no remote host
			}
			if _, err := s.client.VerifyVia(context.Background(), "alice", "000000", via); err != nil {
				errs <- err
			}
		}()
	}
	logins.Wait()
	close(stop)
	attackers.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a login from elsewhere was refused while an attacker hammered sshd: %v", err)
	}
	if refused.Load() == 0 {
		t.Error("the attacker was never rate-limited")
	}
}

// TestHTTPBadTokenFloodDoesNotLockOutValidClients: requests without a good
// token are limited per client address, so a flood of bad tokens from one
// address neither reaches the store without limit nor gets the API's real
// clients, elsewhere, refused.
func TestHTTPBadTokenFloodDoesNotLockOutValidClients(t *testing.T) {
	s := serveTCP(t, verifier.Limit{Rate: 0.01, Burst: 3})
	attacker := clientFrom(t, "127.0.0.2")
	flood := 0
	for range 10 {
		req, _ := http.NewRequest(http.MethodGet, s.base+"/healthz", nil)
		req.Header.Set("Authorization", "Bearer tfa_guess")
		resp, err := attacker.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			flood++
		}
	}
	if flood == 0 {
		t.Fatal("a flood of bad tokens was never rate-limited")
	}
	for i := range 3 {
		if st, _, body := s.post(t, s.token, "/healthz", ""); st != 200 {
			t.Errorf("valid client, request %d, after a bad-token flood from another address: %d %s", i, st, body)
		}
	}
}

// clientFrom is an HTTP client whose connections leave from the loopback
// address ip (any 127.0.0.0/8 address is the local host on Linux).
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
