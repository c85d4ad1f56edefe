package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"layeh.com/radius"

	"github.com/two-factor/two-factor/radiusd"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/verifier"
)

// radiusFlags are serve's RADIUS options: both or neither.
type radiusFlags struct {
	addr, clients string
}

func (f radiusFlags) check() error {
	if (f.addr == "") != (f.clients == "") {
		return errors.New("--radius and --radius-clients go together: the address to listen on and the file of NASes allowed to ask")
	}
	return nil
}

// text is what serve --check shows.
func (f radiusFlags) text() string {
	if f.addr == "" {
		return "off"
	}
	return f.addr + " (udp), clients from " + f.clients
}

// load reads the clients file, if RADIUS is on, to find its mistakes.
func (f radiusFlags) load() error {
	if f.addr == "" {
		return nil
	}
	_, err := loadRADIUSClients(f.clients)
	return err
}

func loadRADIUSClients(path string) (*radiusd.Clients, error) {
	cs, err := radiusd.LoadClients(path)
	if err != nil {
		return nil, fmt.Errorf("RADIUS clients file: %w", err)
	}
	return cs, nil
}

// startRADIUS answers RADIUS Access-Requests on f.addr through svc until
// the returned stop is called, which waits for the requests in flight.
// Problems a sysadmin must fix (a NAS with the wrong secret) go to logw.
func startRADIUS(svc *service.Service, f radiusFlags, logw io.Writer) (stop func(), err error) {
	clients, err := loadRADIUSClients(f.clients)
	if err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("RADIUS: %w", err)
	}
	srv := radiusd.New(radiusd.Config{
		Clients:  clients,
		Verifier: radiusd.ServiceVerifier{Svc: svc},
		Logf:     func(format string, args ...any) { fmt.Fprintf(logw, "two-factor: "+format+"\n", args...) },
	})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(pc) }()
	fmt.Fprintf(logw, "two-factor: RADIUS listening on %s (udp) for %d client line(s)\n", pc.LocalAddr(), clients.Len())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), verifier.ShutdownGrace)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck // past the grace period the process exits anyway
		if err := <-done; !errors.Is(err, radius.ErrServerShutdown) {
			fmt.Fprintf(logw, "two-factor: RADIUS stopped: %v\n", err)
		}
	}, nil
}
