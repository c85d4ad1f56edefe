package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
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
)

// Server answers the HTTP API over the service.
type Server struct {
	svc *service.Service
	mux *http.ServeMux
}

// New returns a server verifying through svc, which it shares between
// requests (each request acts as its own caller, see service.As).
func New(svc *service.Service) *Server {
	s := &Server{svc: svc, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /v1/verify", s.verify)
	return s
}

// Handler is the API with its body limit.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		s.mux.ServeHTTP(w, r)
	})
}

// caller is who sent a request: its rate-limit key and its audit source.
type caller struct {
	Name   string // "uid=1000", "web01"
	Source string // "serve/unix uid=1000", "http client web01 127.0.0.1:5000"
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
	res, err := s.svc.As(callerOf(r.Context()).Source).Verify(r.Context(), req.User, "", req.Code)
	switch {
	case errors.Is(err, devices.ErrMalformedCode):
		writeJSON(w, http.StatusBadRequest, ErrorResponse{err.Error()})
		return
	case err != nil:
		// The store's trouble is the administrator's to read in the log,
		// not the caller's.
		writeJSON(w, http.StatusServiceUnavailable, ErrorResponse{"the verifier cannot reach its store"})
		return
	}
	writeJSON(w, http.StatusOK, responseOf(res))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errchkjson // the caller may have gone
}

// httpServer returns an HTTP server for the API with the limits above;
// conn names the caller of each connection (nil: none yet).
func (s *Server) httpServer(conn func(context.Context, net.Conn) context.Context) *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadTimeout:       ReadTimeout,
		ReadHeaderTimeout: ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnContext:       conn,
	}
}

// Run serves the API on unixL (callers named by their uid) until ctx is
// done, then stops taking requests and waits up to ShutdownGrace for
// those in flight.
func (s *Server) Run(ctx context.Context, unixL net.Listener) error {
	hs := s.httpServer(func(ctx context.Context, c net.Conn) context.Context {
		return withCaller(ctx, unixCaller(c))
	})
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(unixL) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	return hs.Shutdown(sctx)
}
