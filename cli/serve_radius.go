package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

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

// load reads the clients file, if RADIUS is on, to find its mistakes,
// and warns on logw of what serve would warn of.
func (f radiusFlags) load(logw io.Writer) error {
	if f.addr == "" {
		return nil
	}
	clients, err := loadRADIUSClients(f.clients)
	if err == nil {
		warnLegacyClients(logw, clients)
	}
	return err
}

func loadRADIUSClients(path string) (*radiusd.Clients, error) {
	cs, err := radiusd.LoadClients(path)
	if err != nil {
		return nil, fmt.Errorf("RADIUS clients file: %w", err)
	}
	return cs, nil
}

// radiusFront is serve's running RADIUS server.
type radiusFront struct {
	srv     *radiusd.Server
	addr    net.Addr // where it listens
	clients string
	done    chan error
	logw    io.Writer
}

// startRADIUS answers RADIUS Access-Requests on f.addr through svc until
// Stop. Problems a sysadmin must fix (a NAS with the wrong secret) go to
// logw.
func startRADIUS(svc *service.Service, f radiusFlags, logw io.Writer) (*radiusFront, error) {
	clients, err := loadRADIUSClients(f.clients)
	if err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("RADIUS: %w", err)
	}
	rf := &radiusFront{addr: pc.LocalAddr(), clients: f.clients, done: make(chan error, 1), logw: logw}
	rf.srv = radiusd.New(radiusd.Config{
		Clients:  clients,
		Verifier: radiusd.ServiceVerifier{Svc: svc},
		Logf:     func(format string, args ...any) { fmt.Fprintf(logw, "two-factor: "+format+"\n", args...) },
	})
	go func() { rf.done <- rf.srv.Serve(pc) }()
	fmt.Fprintf(logw, "two-factor: RADIUS listening on %s (udp) for %d client line(s)\n", pc.LocalAddr(), clients.Len())
	warnLegacyClients(logw, clients)
	return rf, nil
}

// warnLegacyClients names every clients line that lets a NAS beyond this
// host omit the Message-Authenticator: the file allows it for old gear,
// but a sysadmin must know that NAS is open to forged answers. The
// loopback line pam_radius_auth needs is safe and not warned about.
func warnLegacyClients(logw io.Writer, clients *radiusd.Clients) {
	for _, p := range clients.LegacyBeyondLoopback() {
		fmt.Fprintf(logw, "two-factor: WARNING: RADIUS client %s may send requests without a Message-Authenticator (%s): "+
			"anyone on its network path can forge an Access-Accept (BlastRADIUS, CVE-2024-3596); only loopback is safe without one\n",
			p, radiusd.LegacyOption)
	}
}

// Reload reads the clients file again (for SIGHUP). A file with a mistake
// changes nothing: the NASes keep working with the clients read before.
func (rf *radiusFront) Reload() error {
	clients, err := loadRADIUSClients(rf.clients)
	if err != nil {
		return fmt.Errorf("%w (still using the clients read before)", err)
	}
	rf.srv.SetClients(clients)
	fmt.Fprintf(rf.logw, "two-factor: RADIUS clients reloaded: %d client line(s)\n", clients.Len())
	warnLegacyClients(rf.logw, clients)
	return nil
}

// Stop stops reading requests and waits for those in flight.
func (rf *radiusFront) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), verifier.ShutdownGrace)
	defer cancel()
	rf.srv.Shutdown(ctx) //nolint:errcheck // past the grace period the process exits anyway
	if err := <-rf.done; !errors.Is(err, radius.ErrServerShutdown) {
		fmt.Fprintf(rf.logw, "two-factor: RADIUS stopped: %v\n", err)
	}
}

// lockedWriter serialises writes to serve's log: RADIUS reports from the
// goroutines answering requests while the main one logs reloads.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
