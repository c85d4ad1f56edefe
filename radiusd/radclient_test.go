package radiusd

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/radiusd/radiustest"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

const (
	secret      = "s3cret-shared-with-the-vpn"
	wrongSecret = "not-the-secret-the-server-has"
)

// rig is a RADIUS server on loopback backed by a real SQLite store
// through the service.
type rig struct {
	env  *servicetest.Env
	srv  *Server
	addr string
	mu   sync.Mutex
	logs []string
}

// lossyConn drops the first answers it is asked to send, as a lossy
// network would, so the client retransmits.
type lossyConn struct {
	net.PacketConn
	mu   sync.Mutex
	drop int
}

func (c *lossyConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drop > 0 {
		c.drop--
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// startRig serves clientsText (a clients file) on 127.0.0.1:0; the first
// dropAnswers answers are lost on the way out.
func startRig(t *testing.T, clientsText string, dropAnswers int) *rig {
	t.Helper()
	r := &rig{env: servicetest.NewEnv(t)}
	cs, err := ParseClients([]byte(clientsText), "clients")
	if err != nil {
		t.Fatal(err)
	}
	r.srv = New(Config{Clients: cs, Verifier: ServiceVerifier{Svc: r.env.Svc}, Now: r.env.Clock.Now,
		Logf: func(f string, a ...any) {
			r.mu.Lock()
			r.logs = append(r.logs, f)
			r.mu.Unlock()
		}})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = pc.LocalAddr().String()
	done := make(chan error, 1)
	go func() { done <- r.srv.Serve(&lossyConn{PacketConn: pc, drop: dropAnswers}) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, radius.ErrServerShutdown) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return r
}

func (r *rig) enroll(t *testing.T, user string) *devices.Device {
	t.Helper()
	r.env.AddUser(t, user)
	d := r.env.Enroll(t, user, service.EnrollOptions{Name: "phone"})
	// Confirming used the current code: the next one is a login's.
	r.env.Clock.Advance(30 * time.Second)
	return d
}

func (r *rig) code(t *testing.T, d *devices.Device) string {
	return servicetest.Code(t, d, r.env.Clock.Now(), 0)
}

// ask sends one Access-Request with radclient, expecting an answer; with
// ma a Message-Authenticator is added.
func (r *rig) ask(t *testing.T, secret, attrs string, ma bool) radiustest.Answer {
	t.Helper()
	return radiustest.Ask(t, r.addr, secret, radiustest.Request{Attrs: attrs, MessageAuthenticator: ma})
}

// askDropped is ask for a request the server should drop: radclient waits
// one second for the answer that should not come.
func (r *rig) askDropped(t *testing.T, secret, attrs string, ma bool) radiustest.Answer {
	t.Helper()
	return radiustest.Ask(t, r.addr, secret, radiustest.Request{Attrs: attrs, MessageAuthenticator: ma, Timeout: time.Second})
}

// stats waits until the server's counters satisfy ok (a dropped request
// is counted after radclient has given up on it), up to 5 s, and returns
// them.
func (r *rig) stats(ok func(Stats) bool) Stats {
	st := r.srv.Stats()
	for deadline := time.Now().Add(5 * time.Second); !ok(st) && time.Now().Before(deadline); st = r.srv.Stats() {
		time.Sleep(10 * time.Millisecond)
	}
	return st
}

var login = radiustest.Login

func expect(t *testing.T, what string, got radiustest.Answer, want string) {
	t.Helper()
	if got.Code != want {
		t.Errorf("%s: got %s, want %s\n%s", what, got.Code, want, got.Output)
	}
}

func (r *rig) verifyAudits(t *testing.T, user string) []db.AuditEntry {
	t.Helper()
	es, err := r.env.Svc.Audit(context.Background(), db.AuditFilter{User: user, Action: "device.verify"})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestRightWrongReplayedAndUnknownThroughRadclient(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	alice := r.enroll(t, "alice")
	code := r.code(t, alice)

	ok := r.ask(t, secret, login("alice", code), true)
	expect(t, "right code", ok, "Access-Accept")
	// radclient checks the Message-Authenticator of an answer (and drops
	// one that is wrong); it must be there.
	if !strings.Contains(ok.Output, "Message-Authenticator") {
		t.Errorf("the Access-Accept carries no Message-Authenticator:\n%s", ok.Output)
	}
	expect(t, "replayed code", r.ask(t, secret, login("alice", code), true), "Access-Reject")
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	expect(t, "wrong code", r.ask(t, secret, login("alice", wrong), true), "Access-Reject")
	unknown := r.ask(t, secret, login("nobody", wrong), true)
	expect(t, "unknown user", unknown, "Access-Reject")
	expect(t, "not a code", r.ask(t, secret, login("alice", "hunter2"), true), "Access-Reject")

	es := r.verifyAudits(t, "alice")
	if len(es) != 3 { // accepted, replay refused, wrong code
		t.Fatalf("want 3 audited verifications of alice, got %d: %+v", len(es), es)
	}
	for _, e := range es {
		if e.Actor != "radius client 127.0.0.1 (NAS-Identifier vpn1)" {
			t.Errorf("audit actor %q does not name the RADIUS client", e.Actor)
		}
	}
	if st := r.srv.Stats(); st.Accepted != 1 || st.Rejected != 4 {
		t.Errorf("stats %+v, want 1 accepted and 4 rejected", st)
	}
}

// An unknown user is answered like a wrong code: same packet, apart
// from the authenticators, which differ per request anyway.
func TestUnknownUserLooksLikeAWrongCode(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	r.enroll(t, "alice")
	wrong := r.ask(t, secret, login("alice", "000001"), true)
	unknown := r.ask(t, secret, login("nobody", "000001"), true)
	if wrong.Code != "Access-Reject" || radiustest.ReplyAttributes(wrong.Output) != radiustest.ReplyAttributes(unknown.Output) {
		t.Errorf("wrong code and unknown user answered differently:\n%s\n---\n%s", wrong.Output, unknown.Output)
	}
}

func TestThrottledUserIsRejected(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	alice := r.enroll(t, "alice")
	r.env.Update(t, "alice", func(u *db.Unit) error {
		d := servicetest.Find(u, "phone")
		d.Failures, d.LastFailure = 5, r.env.Clock.Now().Add(-time.Second)
		u.Save(d)
		return nil
	})
	expect(t, "right code while throttled", r.ask(t, secret, login("alice", r.code(t, alice)), true), "Access-Reject")
}

func TestWrongSecretOrNoMessageAuthenticatorIsDropped(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	alice := r.enroll(t, "alice")
	code := r.code(t, alice)
	expect(t, "wrong shared secret", r.askDropped(t, wrongSecret, login("alice", code), true), "no answer")
	expect(t, "no Message-Authenticator", r.askDropped(t, secret, login("alice", code), false), "no answer")
	st := r.stats(func(st Stats) bool { return st.BadAuthenticator+st.MissingAuthenticator == 2 })
	if st.BadAuthenticator != 1 || st.MissingAuthenticator != 1 || st.Accepted+st.Rejected != 0 {
		t.Errorf("stats %+v, want one bad and one missing authenticator, nothing verified", st)
	}
	if es := r.verifyAudits(t, "alice"); len(es) != 0 {
		t.Errorf("a dropped request was verified: %+v", es)
	}
	// Neither used the code: it still logs in.
	expect(t, "the code afterwards", r.ask(t, secret, login("alice", code), true), "Access-Accept")
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.logs) != 2 || !strings.Contains(r.logs[0], "shared secret") || !strings.Contains(r.logs[1], "BlastRADIUS") {
		t.Errorf("the sysadmin is not told why requests are dropped: %q", r.logs)
	}
}

// A client explicitly marked legacy may omit the Message-Authenticator;
// a wrong one is still dropped.
func TestLegacyClientMayOmitMessageAuthenticator(t *testing.T) {
	r := startRig(t, "127.0.0.0/8 "+secret+" "+LegacyOption+"\n", 0)
	alice := r.enroll(t, "alice")
	expect(t, "legacy client without Message-Authenticator", r.ask(t, secret, login("alice", r.code(t, alice)), false), "Access-Accept")
	expect(t, "legacy client, wrong secret", r.askDropped(t, wrongSecret, login("alice", "000000"), true), "no answer")
}

func TestUnknownClientIsDroppedAndCounted(t *testing.T) {
	r := startRig(t, "10.9.8.7 "+secret+"\n", 0)
	alice := r.enroll(t, "alice")
	expect(t, "unknown client", r.askDropped(t, secret, login("alice", r.code(t, alice)), true), "no answer")
	if st := r.stats(func(st Stats) bool { return st.UnknownClient > 0 }); st.UnknownClient != 1 || st.Malformed != 0 {
		t.Errorf("stats %+v, want one unknown client", st)
	}
	if es := r.verifyAudits(t, "alice"); len(es) != 0 {
		t.Errorf("an unknown client's request was verified: %+v", es)
	}
}

// The first answer is lost; radclient retransmits the same request and
// must get the same Access-Accept from the cache: verifying again would
// refuse the code as replayed and count a failure.
func TestRetransmitGetsTheSameAnswerWithoutASecondVerification(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 1)
	alice := r.enroll(t, "alice")
	got := radiustest.Ask(t, r.addr, secret, radiustest.Request{Attrs: login("alice", r.code(t, alice)),
		MessageAuthenticator: true, Tries: 3, Timeout: time.Second})
	expect(t, "retransmitted right code", got, "Access-Accept")
	if st := r.srv.Stats(); st.Duplicates != 1 || st.Accepted != 1 || st.Rejected != 0 {
		t.Errorf("stats %+v, want one verification and one duplicate", st)
	}
	if es := r.verifyAudits(t, "alice"); len(es) != 1 || es[0].Outcome != string(devices.Accepted) {
		t.Errorf("want exactly one audited verification, got %+v", es)
	}
}

// A NAS that names who is logging in (pam_radius_auth sends the PAM
// service as NAS-Identifier and the remote host as Calling-Station-Id; VPN
// concentrators send the client's address) has both in the audit log, so
// a sysadmin can tell an sshd login from a sudo and see where it came from.
func TestAuditNamesTheCallingStation(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	alice := r.enroll(t, "alice")
	attrs := `User-Name = "alice", User-Password = "` + r.code(t, alice) + `", NAS-Identifier = "sshd", Calling-Station-Id = "203.0.113.9"`
	expect(t, "right code", r.ask(t, secret, attrs, true), "Access-Accept")
	long := strings.Repeat("x", 100)
	attrs = `User-Name = "alice", User-Password = "000000", Calling-Station-Id = "` + long + `"`
	expect(t, "wrong code", r.ask(t, secret, attrs, true), "Access-Reject")

	es := r.verifyAudits(t, "alice")
	want := []string{ // newest first
		// No NAS-Identifier; a long station is cut like a long NAS name.
		"radius client 127.0.0.1 (Calling-Station-Id \"" + long[:64] + "\"...)",
		"radius client 127.0.0.1 (NAS-Identifier sshd, Calling-Station-Id 203.0.113.9)",
	}
	if len(es) != len(want) {
		t.Fatalf("want %d audited verifications, got %+v", len(want), es)
	}
	for i, e := range es {
		if e.Actor != want[i] {
			t.Errorf("audit actor %d: %q, want %q", i, e.Actor, want[i])
		}
	}
}

// What a NAS says about a login is its claim, quoted where it holds more
// than a plain word, so one attribute cannot pass for another in the
// audit log: pam_radius_auth sends PAM_RHOST as the Calling-Station-Id,
// which a remote host's reverse DNS or a PAM application may choose, and
// before, a NAS-Identifier "sshd, Calling-Station-Id 203.0.113.9" read
// exactly like a login from 203.0.113.9. A long value is cut on a whole
// character.
func TestAuditAttributesCannotPassForEachOther(t *testing.T) {
	r := startRig(t, "127.0.0.1 "+secret+"\n", 0)
	r.enroll(t, "alice")
	genuine := `radius client 127.0.0.1 (NAS-Identifier sshd, Calling-Station-Id 203.0.113.9)`
	long := strings.Repeat("x", 63) + "é"
	for _, c := range []struct{ attrs, want string }{
		{`NAS-Identifier = "sshd, Calling-Station-Id 203.0.113.9"`,
			`radius client 127.0.0.1 (NAS-Identifier "sshd, Calling-Station-Id 203.0.113.9")`},
		{`NAS-Identifier = "sshd", Calling-Station-Id = "198.51.100.1) (NAS-Identifier sudo"`,
			`radius client 127.0.0.1 (NAS-Identifier sshd, Calling-Station-Id "198.51.100.1) (NAS-Identifier sudo")`},
		{`Calling-Station-Id = "` + long + `"`,
			`radius client 127.0.0.1 (Calling-Station-Id "` + long[:63] + `"...)`},
	} {
		attrs := `User-Name = "alice", User-Password = "000000", ` + c.attrs
		expect(t, c.attrs, r.ask(t, secret, attrs, true), "Access-Reject")
		es := r.verifyAudits(t, "alice")
		if len(es) == 0 {
			t.Fatalf("%s: no audited verification", c.attrs)
		}
		if got := es[0].Actor; got != c.want || got == genuine {
			t.Errorf("%s:\naudit actor %s\nwant        %s", c.attrs, got, c.want)
		}
	}
}
