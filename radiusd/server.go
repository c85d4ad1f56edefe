// Package radiusd lets VPN concentrators, firewalls and Wi-Fi controllers
// check one-time codes over RADIUS: an Access-Request whose User-Password
// (PAP) is the code gets an Access-Accept or an Access-Reject. Packets are
// read and written by layeh.com/radius; this package adds what a 2FA
// server must do on top: only listed clients, a required and returned
// Message-Authenticator (the BlastRADIUS fix), a duplicate cache so a
// retransmit is not verified twice, and every code checked through a
// Verifier (the service in production) that audits which client asked.
package radiusd

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"layeh.com/radius"
)

// verifyTimeout bounds one verification: NASes give up after a few
// seconds, and an answer after that only fills the duplicate cache.
const verifyTimeout = 10 * time.Second

// maxInFlight bounds the verifications under way at once. The library
// starts a goroutine per datagram; beyond this many a request is dropped
// unanswered (the NAS retransmits), so a flood or a stalled store cannot
// pile up goroutines waiting on the store.
const maxInFlight = 64

// maxLogKeys bounds the kinds of log line whose last time is remembered.
// Some kinds name a source address, and UDP sources are easily forged
// within a listed network: past this many, new kinds share one line a
// minute, so neither the memory nor the log grows with the flood.
const maxLogKeys = 1024

// logOverflow is the kind every new kind shares while maxLogKeys are in use.
const logOverflow = "\x00overflow"

// Config is what a RADIUS server needs.
type Config struct {
	Clients  *Clients
	Verifier Verifier
	// Logf reports what a sysadmin must fix (a client with the wrong
	// secret, a store error), each kind at most once a minute; log.Printf
	// if nil. It is never given a code or a secret.
	Logf func(format string, args ...any)
	Now  func() time.Time // time.Now if nil
}

// Stats counts what the server did with the packets it received.
type Stats struct {
	Accepted, Rejected   uint64 // answers to new requests
	Duplicates           uint64 // retransmits answered from the cache
	UnknownClient        uint64 // dropped: source not in the clients file
	MissingAuthenticator uint64 // dropped: no Message-Authenticator
	BadAuthenticator     uint64 // dropped: wrong Message-Authenticator (wrong secret?)
	Malformed            uint64 // dropped: unparsable or not an Access-Request
	Errors               uint64 // rejected because the verifier failed
	Busy                 uint64 // dropped: maxInFlight verifications already under way
}

// Server is a RADIUS authentication server.
type Server struct {
	verifier Verifier
	logf     func(format string, args ...any)
	now      func() time.Time
	clients  atomic.Pointer[Clients]
	dedup    *dedupCache
	packets  *radius.PacketServer
	inFlight chan struct{} // a semaphore of maxInFlight verifications

	accepted, rejected, duplicates, unknownClient, missingAuth, badAuth, malformed, errors, busy atomic.Uint64

	logMu   sync.Mutex
	lastLog map[string]time.Time
}

// New returns a server for cfg; start it with Serve.
func New(cfg Config) *Server {
	s := &Server{verifier: cfg.Verifier, logf: cfg.Logf, now: cfg.Now, lastLog: map[string]time.Time{},
		inFlight: make(chan struct{}, maxInFlight)}
	if s.logf == nil {
		s.logf = log.Printf
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.clients.Store(cfg.Clients)
	s.dedup = newDedupCache(s.now)
	s.packets = &radius.PacketServer{
		Handler:      radius.HandlerFunc(s.serveRADIUS),
		SecretSource: secretSource{s},
		// The library logs every packet it drops; a flood from an unknown
		// address must not flood the log, so its lines are counted instead.
		ErrorLog: log.New(libraryLog{s}, "", 0),
	}
	return s
}

// SetClients replaces the clients, e.g. after the file was edited and the
// server sent SIGHUP. Requests already being answered keep the old ones.
func (s *Server) SetClients(cs *Clients) { s.clients.Store(cs) }

// Serve answers requests arriving on pc until Shutdown; it returns
// radius.ErrServerShutdown then.
func (s *Server) Serve(pc net.PacketConn) error { return s.packets.Serve(pc) }

// ListenAndServe listens on the UDP address addr (e.g. 127.0.0.1:1812) and
// serves it.
func (s *Server) ListenAndServe(addr string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return fmt.Errorf("RADIUS: %w", err)
	}
	defer pc.Close()
	return s.Serve(pc)
}

// Shutdown stops reading requests and waits, until ctx ends, for those
// being verified to be answered.
func (s *Server) Shutdown(ctx context.Context) error { return s.packets.Shutdown(ctx) }

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Accepted: s.accepted.Load(), Rejected: s.rejected.Load(), Duplicates: s.duplicates.Load(),
		UnknownClient: s.unknownClient.Load(), MissingAuthenticator: s.missingAuth.Load(),
		BadAuthenticator: s.badAuth.Load(), Malformed: s.malformed.Load(), Errors: s.errors.Load(), Busy: s.busy.Load(),
	}
}

// client finds the clients-file entry for a packet's source address.
func (s *Server) client(remote net.Addr) (Client, netip.Addr, bool) {
	ua, ok := remote.(*net.UDPAddr)
	if !ok {
		return Client{}, netip.Addr{}, false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return Client{}, netip.Addr{}, false
	}
	ip = ip.Unmap()
	c, ok := s.clients.Load().Lookup(ip)
	return c, ip, ok
}

// logOnce logs a message of a kind at most once a minute.
func (s *Server) logOnce(kind, format string, args ...any) {
	s.logMu.Lock()
	now := s.now()
	kind = s.logKind(kind, now)
	if last, ok := s.lastLog[kind]; ok && now.Sub(last) < time.Minute {
		s.logMu.Unlock()
		return
	}
	s.lastLog[kind] = now
	s.logMu.Unlock()
	s.logf(format, args...)
}

// logKind is kind, or logOverflow when maxLogKeys other kinds were logged
// within the last minute. Entries older than a minute are swept first: a
// kind not logged for a minute would be logged again anyway.
func (s *Server) logKind(kind string, now time.Time) string {
	if _, ok := s.lastLog[kind]; ok || len(s.lastLog) < maxLogKeys {
		return kind
	}
	for k, last := range s.lastLog {
		if now.Sub(last) >= time.Minute {
			delete(s.lastLog, k)
		}
	}
	if len(s.lastLog) < maxLogKeys {
		return kind
	}
	return logOverflow
}

// secretSource gives the library the secret of a listed client, and no
// secret (the packet is dropped unanswered, as RADIUS servers do) for any
// other source.
type secretSource struct{ s *Server }

func (ss secretSource) RADIUSSecret(_ context.Context, remote net.Addr) ([]byte, error) {
	c, ip, ok := ss.s.client(remote)
	if !ok {
		ss.s.unknownClient.Add(1)
		ss.s.logOnce("unknown", "RADIUS: dropped a request from %s, which is not in the clients file", ip)
		return nil, nil
	}
	return c.Secret, nil
}

// libraryLog counts the packets the library drops. Its "empty secret" line
// is an unknown client, already counted; the rest are malformed packets.
type libraryLog struct{ s *Server }

func (l libraryLog) Write(p []byte) (int, error) {
	if !bytes.Contains(p, []byte("empty secret")) {
		l.s.malformed.Add(1)
	}
	return len(p), nil
}
