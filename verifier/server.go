package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/termsafe"
)

// Timeouts and limits of every listener: a caller that trickles its
// request or never reads the answer cannot hold a connection.
const (
	ReadTimeout    = 5 * time.Second
	WriteTimeout   = 10 * time.Second
	IdleTimeout    = 60 * time.Second
	MaxHeaderBytes = 8 << 10
	// ShutdownGrace is how long a stopping verifier waits for requests in
	// flight before closing their connections.
	ShutdownGrace = 15 * time.Second
	// touchEvery bounds how often a client's last use is written: once a
	// minute is what api-client list needs, not a write per request.
	touchEvery = time.Minute
)

// Server answers the HTTP API over the service.
type Server struct {
	svc     *service.Service
	mux     *http.ServeMux
	limiter *limiter
	// unauth holds a bucket per client address for TCP requests until
	// their bearer token is found good, so guessing tokens costs at most
	// Limit store lookups a second per address, and a flood of bad tokens
	// from one address leaves the API's clients elsewhere alone.
	unauth  *limiter
	metrics *metrics

	mu      sync.Mutex
	touched map[string]time.Time // API client -> last use written

	logMu   sync.Mutex
	logf    func(format string, args ...any)
	lastLog time.Time // of the last store error logged
}

// Routes are the API's paths, as the mux and openapi.json know them.
var Routes = []string{"POST /v1/verify", "GET /v1/users/{name}/status", "GET /healthz", "GET /metrics"}

// New returns a server verifying through svc, which it shares between
// requests (each request acts as its own caller, see service.As), with a
// rate limit per caller.
func New(svc *service.Service, limit Limit) *Server {
	s := &Server{svc: svc, mux: http.NewServeMux(), limiter: newLimiter(limit), unauth: newLimiter(limit), metrics: newMetrics(), touched: map[string]time.Time{}, logf: log.Printf}
	handlers := []http.HandlerFunc{s.verify, s.status, s.healthz, s.metricsPage}
	for i, route := range Routes {
		s.mux.HandleFunc(route, handlers[i])
	}
	return s
}

// SetLog sends what an administrator must fix (the store failing) to
// logf instead of the standard logger. It is never given a code or a token.
func (s *Server) SetLog(logf func(format string, args ...any)) {
	s.logMu.Lock()
	s.logf = logf
	s.logMu.Unlock()
}

// SetLimit changes the per-caller rate limit (SIGHUP).
func (s *Server) SetLimit(l Limit) {
	s.limiter.set(l)
	s.unauth.set(l)
}

// Handler is the API behind its body limit and the caller's rate limit;
// the caller must be in the request's context already. A verification is
// charged once its body is read (see verify), since its bucket may depend
// on the login it is for.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isVerify(r) && !s.allowed(w, callerOf(r.Context()).Name) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		s.mux.ServeHTTP(w, r)
	})
}

func isVerify(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/v1/verify" }

// allowed takes a token from key's bucket, or answers 429 and says no.
func (s *Server) allowed(w http.ResponseWriter, key string) bool {
	ok, wait := s.limiter.allow(key, time.Now())
	if !ok {
		s.metrics.add(&s.metrics.rateLimited)
		w.Header().Set("Retry-After", retryAfter(wait))
		writeJSON(w, http.StatusTooManyRequests, ErrorResponse{"too many requests"})
	}
	return ok
}

// bearer admits a TCP request only with an API client's token, and names
// the caller after the client. Anything else gets a bare 401: no hint of
// whether a token was missing, malformed or revoked.
func (s *Server) bearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A token comes from the address's unauthenticated bucket before
		// the store is asked, and goes back once the token proves good.
		addr := addressKey(r.RemoteAddr)
		if ok, wait := s.unauth.allow(addr, time.Now()); !ok {
			s.metrics.add(&s.metrics.rateLimited)
			w.Header().Set("Retry-After", retryAfter(wait))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		const prefix = "Bearer "
		h := r.Header.Get("Authorization")
		if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
			s.unauthorized(w)
			return
		}
		c, err := s.svc.AuthenticateAPIClient(r.Context(), h[len(prefix):])
		if errors.Is(err, service.ErrBadToken) {
			s.unauthorized(w)
			return
		}
		if err != nil {
			s.storeError(w, err)
			return
		}
		s.unauth.refund(addr)
		s.touch(r.Context(), c.Name)
		ctx := withCaller(r.Context(), caller{Name: "client " + c.Name, Source: "http client " + c.Name + " " + r.RemoteAddr})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// addressKey is the unauthenticated bucket of a TCP peer: its IP address,
// or its /64 for IPv6, where one host is given a whole /64 to pick from.
func addressKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip.Is4() || ip.Is4In6() {
		return ip.Unmap().String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// retryAfter is a Retry-After header's value: wait in whole seconds, up.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(int64(RoundUp(wait)/time.Second), 10)
}

func (s *Server) unauthorized(w http.ResponseWriter) {
	s.metrics.add(&s.metrics.unauthorized)
	w.Header().Set("WWW-Authenticate", "Bearer")
	w.WriteHeader(http.StatusUnauthorized)
}

// touch records a client's use at most once a minute.
func (s *Server) touch(ctx context.Context, name string) {
	now := time.Now()
	s.mu.Lock()
	due := now.Sub(s.touched[name]) >= touchEvery
	if due {
		s.touched[name] = now
	}
	s.mu.Unlock()
	if due {
		s.svc.TouchAPIClient(ctx, name) //nolint:errcheck // a missed "last used" must not refuse a login
	}
}

// caller is who sent a request: its rate-limit key and its audit source.
type caller struct {
	Name   string // "uid=1000", "client web01"
	Source string // "serve/unix uid=1000", "http client web01 127.0.0.1:5000"
	// PerLogin keys the caller's verifications by the login they are for
	// (VerifyRequest.Via): on the socket every PAM login arrives as uid 0,
	// and one bucket for all would let an attacker hammering sshd get
	// every other login on the host refused.
	PerLogin bool
}

// maxViaKey bounds the part of a rate-limit key the caller chooses; the
// PAM helper's "pam SERVICE from HOST" is well under it.
const maxViaKey = 200

// verifyKey is the bucket a verification for the login via is charged to.
func (c caller) verifyKey(via string) string {
	if !c.PerLogin || via == "" {
		return c.Name
	}
	return c.Name + " via " + via[:min(len(via), maxViaKey)]
}

type callerKey struct{}

func withCaller(ctx context.Context, c caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	if c.Source == "" {
		c.Source = "serve/unknown"
	}
	return c
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	var req VerifyRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, ErrorResponse{"request body too large"})
			return
		}
		writeJSON(w, http.StatusBadRequest, ErrorResponse{`the body must be {"user": "...", "code": "..."}`})
		return
	}
	if !s.allowed(w, callerOf(r.Context()).verifyKey(req.Via)) {
		return
	}
	start := time.Now()
	res, err := s.svc.As(auditSource(r.Context(), req)).Verify(r.Context(), req.User, "", req.Code)
	switch {
	case errors.Is(err, devices.ErrMalformedCode):
		s.metrics.verification("malformed", time.Since(start))
		writeJSON(w, http.StatusBadRequest, ErrorResponse{err.Error()})
		return
	case err != nil:
		s.metrics.verification("error", time.Since(start))
		s.storeError(w, err)
		return
	}
	s.metrics.verification(string(res.Outcome), time.Since(start))
	writeJSON(w, http.StatusOK, responseOf(res))
}

// StatusResponse answers GET /v1/users/NAME/status.
type StatusResponse struct {
	User    string `json:"user"`
	Exists  bool   `json:"exists"`
	Enabled bool   `json:"enabled"` // has a confirmed, enabled app or token
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	st, err := s.svc.Status(r.Context(), []string{name})
	if err == nil && len(st) != 1 {
		err = fmt.Errorf("status of one user: the store answered %d rows", len(st))
	}
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, StatusResponse{User: name, Exists: st[0].Exists, Enabled: st[0].Enabled})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.svc.StoreVersion(r.Context()); err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	blocked, err := s.svc.BlockedCounts(r.Context())
	if err != nil {
		s.metrics.add(&s.metrics.storeErrors) // the gauges are left out, the counters still count
		s.logStoreError(err)
	}
	s.metrics.write(w)
	if err == nil {
		writeBlocked(w, blocked)
	}
}

// storeError answers a request the store could not: the cause is the
// administrator's to read in the verifier's log, not the caller's.
func (s *Server) storeError(w http.ResponseWriter, err error) {
	s.metrics.add(&s.metrics.storeErrors)
	s.logStoreError(err)
	writeJSON(w, http.StatusServiceUnavailable, ErrorResponse{"the verifier cannot reach its store"})
}

// logStoreError logs a store failure at most once a minute: a store that
// is down fails every request, and the log must stay readable. The count
// is in two_factor_store_errors_total.
func (s *Server) logStoreError(err error) {
	now := time.Now()
	s.logMu.Lock()
	due := now.Sub(s.lastLog) >= time.Minute
	if due {
		s.lastLog = now
	}
	logf := s.logf
	s.logMu.Unlock()
	if due {
		logf("two-factor: the verifier cannot reach its store (further errors in the next minute are only counted): %s", termsafe.Clean(err.Error()))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errchkjson // the caller may have gone
}

// httpServer returns an HTTP server for h with the limits above; conn
// names the caller of each connection (nil: none yet).
func httpServer(h http.Handler, conn func(context.Context, net.Conn) context.Context) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadTimeout:       ReadTimeout,
		ReadHeaderTimeout: ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnContext:       conn,
	}
}

// Run serves the API on unixL (callers named by their uid) and, when not
// nil, tcpL (callers with an API client's bearer token) until ctx is done;
// then it stops taking requests and waits up to ShutdownGrace for those
// in flight.
func (s *Server) Run(ctx context.Context, unixL, tcpL net.Listener) error {
	servers := []*http.Server{httpServer(s.Handler(), func(ctx context.Context, c net.Conn) context.Context {
		return withCaller(ctx, unixCaller(c))
	})}
	listeners := []net.Listener{unixL}
	if tcpL != nil {
		servers = append(servers, httpServer(s.bearer(s.Handler()), nil))
		listeners = append(listeners, tcpL)
	}
	errc := make(chan error, len(servers))
	for i, hs := range servers {
		go func() { errc <- hs.Serve(listeners[i]) }()
	}
	select {
	case err := <-errc:
		for _, hs := range servers {
			hs.Close()
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	var errs []error
	for _, hs := range servers {
		errs = append(errs, hs.Shutdown(sctx))
	}
	return errors.Join(errs...)
}
