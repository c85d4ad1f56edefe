package radiusd

import (
	"context"
	"fmt"
	"strings"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/two-factor/two-factor/pamexec"
)

// serveRADIUS answers one Access-Request the library has parsed with the
// client's secret.
func (s *Server) serveRADIUS(w radius.ResponseWriter, r *radius.Request) {
	if r.Code != radius.CodeAccessRequest {
		s.malformed.Add(1)
		return
	}
	client, ip, ok := s.client(r.RemoteAddr)
	if !ok {
		// The clients were reloaded since the library asked for the secret.
		s.unknownClient.Add(1)
		return
	}
	switch checkMessageAuthenticator(r.Packet) {
	case authInvalid:
		// RFC 3579 §3.2: silently discard. Most often the shared secret
		// differs between the NAS and the clients file.
		// Logged before it is counted, so whoever sees the count (metrics,
		// tests) sees the log line too.
		s.logOnce("badauth "+ip.String(), "RADIUS: dropped a request from %s with a wrong Message-Authenticator: is the shared secret the same on the NAS and in the clients file?", ip)
		s.badAuth.Add(1)
		return
	case authMissing:
		if !client.Legacy {
			s.logOnce("noauth "+ip.String(), "RADIUS: dropped a request from %s without a Message-Authenticator: configure the NAS to send one (BlastRADIUS, CVE-2024-3596)", ip)
			s.missingAuth.Add(1)
			return
		}
	}
	key := requestKey{source: r.RemoteAddr.String(), identifier: r.Identifier, authenticator: r.Authenticator}
	if code, ok := s.dedup.get(key); ok {
		s.duplicates.Add(1)
		s.reply(w, r, code)
		return
	}
	select {
	case s.inFlight <- struct{}{}:
	default:
		s.busy.Add(1)
		s.logOnce("busy", "RADIUS: dropped a request from %s: %d verifications already under way (is the store slow?)", ip, maxInFlight)
		return
	}
	code, cache := func() (radius.Code, bool) {
		defer func() { <-s.inFlight }()
		return s.decide(r, ip.String())
	}()
	if cache {
		s.dedup.put(key, code)
	}
	s.reply(w, r, code)
}

// decide verifies the request's code and returns the answer, and whether
// it may be given again to a retransmit (not when the verifier failed:
// the retransmit may find it working).
//
// A verification that panics (a broken invariant, such as a keyed HMAC
// state that no longer restores: otpcore refuses to compute a code then)
// is a rejection logged for the administrator, as net/http makes it a
// failed request for the HTTP API and the socket: the library runs each
// request on a goroutine of its own without recovering, so a panic there
// would end the whole verifier, and with it every login it guards.
func (s *Server) decide(r *radius.Request, ip string) (answer radius.Code, cache bool) {
	defer func() {
		if p := recover(); p != nil {
			s.errors.Add(1)
			s.logOnce("panic", "RADIUS: rejected a request from %s because the verification failed unexpectedly: %v", ip, p)
			answer, cache = radius.CodeAccessReject, false
		}
	}()
	user, errUser := rfc2865.UserName_LookupString(r.Packet)
	code, errCode := rfc2865.UserPassword_LookupString(r.Packet)
	if errUser != nil || errCode != nil || user == "" {
		// CHAP, EAP or no user: nothing this server can check.
		s.rejected.Add(1)
		return radius.CodeAccessReject, true
	}
	// A verification that has begun is finished even during Shutdown (the
	// library cancels the request context then), within a time bound.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), verifyTimeout)
	defer cancel()
	accepted, err := s.verifier.Verify(ctx, user, code, source(r.Packet, ip))
	switch {
	case err != nil:
		s.errors.Add(1)
		s.logOnce("verify", "RADIUS: rejected a request from %s because the verifier failed: %v", ip, err)
		return radius.CodeAccessReject, false
	case accepted:
		s.accepted.Add(1)
		return radius.CodeAccessAccept, true
	default:
		s.rejected.Add(1)
		return radius.CodeAccessReject, true
	}
}

// source names the client for the audit log: its address, and what the
// NAS says about the login when it says it: its own name (NAS-Identifier;
// pam_radius_auth sends the PAM service) and who is calling
// (Calling-Station-Id: the remote host of an sshd login, a VPN client's
// address, a Wi-Fi station's MAC). These are the NAS's claims, and the
// station may come from further out (a remote host's reverse DNS), so
// each is bounded and quoted when it is more than a plain word, as the
// PAM helper's are: one cannot pass for the other, or for a second
// attribute. The store escapes what is left.
func source(p *radius.Packet, ip string) string {
	var said []string
	if id, err := rfc2865.NASIdentifier_LookupString(p); err == nil && id != "" {
		said = append(said, "NAS-Identifier "+pamexec.LogWord(id))
	}
	if station, err := rfc2865.CallingStationID_LookupString(p); err == nil && station != "" {
		said = append(said, "Calling-Station-Id "+pamexec.LogWord(station))
	}
	if len(said) == 0 {
		return "radius client " + ip
	}
	return fmt.Sprintf("radius client %s (%s)", ip, strings.Join(said, ", "))
}

// reply sends code with the request's Proxy-State attributes (RFC 2865
// §5.33) and a Message-Authenticator.
func (s *Server) reply(w radius.ResponseWriter, r *radius.Request, code radius.Code) {
	resp := r.Response(code)
	for _, avp := range r.Attributes {
		if avp.Type == rfc2865.ProxyState_Type {
			resp.Add(avp.Type, avp.Attribute)
		}
	}
	if err := signResponse(resp); err != nil {
		s.logOnce("reply", "RADIUS: cannot sign the answer to %s: %v", r.RemoteAddr, err)
		return
	}
	if err := w.Write(resp); err != nil {
		s.logOnce("reply", "RADIUS: cannot answer %s: %v", r.RemoteAddr, err)
	}
}
