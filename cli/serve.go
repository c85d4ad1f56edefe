package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/verifier"
)

// serveFlags are serve's command line; a flag given overrides the file.
type serveFlags struct {
	config, socket, group, http string
	radius, radiusClients       string
	rate                        float64
	burst                       int
	check, asJSON               bool
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the verifier: the one process holding the store, answering logins over a socket",
		Long: `Opens the store and the master key once and answers verifications over
HTTP on a unix socket (mode 0660: the socket's group decides who may ask),
and with --http on TCP for applications holding an API token (see
api-client; plain HTTP: keep it on loopback or behind a TLS proxy). Every
verification is audited with its source ("serve/unix uid=N", "http client
NAME ADDR"). With --radius and --radius-clients it also answers RADIUS
Access-Requests from the NASes in the clients file (README: VPNs,
firewalls and Wi-Fi controllers).

The configuration file (default ` + verifier.DefaultConfig + `, "key = value"
lines: socket, group, http, radius, radius-clients, db, key-file, rate,
burst) gives what flags do
not; without --db, TWO_FACTOR_DB or db in the file the store is
` + verifier.DefaultDB + ` and the key ` + verifier.DefaultKey + `.
SIGTERM or SIGINT stops it after the requests in flight; SIGHUP re-reads
the rate limits from the file and the RADIUS clients file (API clients
need no reload: tokens are looked up on every request). --check opens the
store (and reads the RADIUS clients file), prints what would be served
and exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Take SIGHUP first: until then its default action kills the
			// process, and systemd counts that as a clean exit and does not
			// restart it, so a reload sent while the store opens would
			// leave every login refused.
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			rad := radiusFlags{addr: cfg.RADIUS, clients: cfg.RADIUSClients}
			if err := rad.check(); err != nil {
				return usage(err)
			}
			gid := -1
			if cfg.Group != "" {
				if gid, err = lookupGroup(cfg.Group); err != nil {
					return usage(err)
				}
			}
			// serve is the system service: it never falls back to a
			// store under HOME, only to the file's or the system's. A
			// Django site's database (--django) brings its own side file
			// and key.
			if _, django := a.djangoTarget(); !django {
				if a.dbPath == "" && a.env.Getenv("TWO_FACTOR_DB") == "" {
					a.dbPath = cfg.DB
				}
				if a.keyPath == "" && a.env.Getenv("TWO_FACTOR_KEY_FILE") == "" {
					a.keyPath = cfg.KeyFile
				}
			}
			a.serving = true
			svc, err := a.service(cmd)
			if err != nil {
				return err
			}
			dbPath := svc.Location()
			if f.check {
				if err := rad.load(cmd.ErrOrStderr()); err != nil {
					return err
				}
				return printResult(cmd, f.asJSON, map[string]any{"store": dbPath, "socket": cfg.Socket, "group": cfg.Group, "http": cfg.HTTP,
					"radius": cfg.RADIUS, "rate": cfg.Limit.Rate, "burst": cfg.Limit.Burst},
					"store %s\nsocket %s\nhttp %s\nradius %s\n", safe(dbPath), safe(cfg.Socket), safe(orNone(cfg.HTTP)), safe(rad.text()))
			}
			logw := &lockedWriter{w: cmd.ErrOrStderr()} // RADIUS logs from its own goroutines
			unixL, err := verifier.ListenUnix(cfg.Socket, gid)
			if err != nil {
				return err
			}
			defer unixL.Close()
			var tcpL net.Listener
			if cfg.HTTP != "" {
				if tcpL, err = net.Listen("tcp", cfg.HTTP); err != nil {
					return err
				}
				warnIfExposed(logw, tcpL.Addr())
			}
			var rf *radiusFront
			if rad.addr != "" {
				if rf, err = startRADIUS(svc, rad, logw); err != nil {
					return err
				}
				defer rf.Stop()
			}
			srv := verifier.New(svc, cfg.Limit)
			srv.SetLog(func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) })
			fmt.Fprintf(logw, "two-factor: verifier on %s (store %s)%s\n", safe(cfg.Socket), safe(dbPath), httpNote(tcpL))
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			// Every listener is open (connections wait in the backlog
			// until Run accepts them): systemd may start the logins now.
			notify := func(state string) { sdNotify(a.env.Getenv("NOTIFY_SOCKET"), state, logw) }
			notify("READY=1")
			context.AfterFunc(ctx, func() { notify("STOPPING=1") })
			go f.reloadOnHUP(ctx, hup, cmd, srv, rf, logw, notify)
			return srv.Run(ctx, unixL, tcpL)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", verifier.DefaultConfig, "configuration file (a missing default one is no error)")
	fl.StringVar(&f.socket, "socket", verifier.DefaultSocket, "unix socket to listen on")
	fl.StringVar(&f.group, "group", "", "group owning the socket (whose members may verify); default the process's group")
	fl.StringVar(&f.http, "http", "", "also serve the API on this TCP address (e.g. 127.0.0.1:8443) to API clients")
	fl.StringVar(&f.radius, "radius", "", "also answer RADIUS on this UDP address (e.g. 127.0.0.1:1812)")
	fl.StringVar(&f.radiusClients, "radius-clients", "", "file of NASes allowed to ask RADIUS: ADDRESS_OR_CIDR SHARED_SECRET per line, mode 0600")
	fl.Float64Var(&f.rate, "rate", 0, "requests per second allowed to each caller, 0 for no limit (default 200, or the file's rate)")
	fl.IntVar(&f.burst, "burst", 0, "requests each caller may send at once (default 400, or the file's burst)")
	fl.BoolVar(&f.check, "check", false, "open the store, print what would be served and exit")
	jsonFlag(cmd, &f.asJSON)
	return cmd
}

// load reads the configuration file and lays the flags given over it.
func (f *serveFlags) load(cmd *cobra.Command) (verifier.Config, error) {
	cfg, err := verifier.LoadConfig(f.config, !cmd.Flags().Changed("config"))
	if err != nil {
		return cfg, usage(err)
	}
	changed := cmd.Flags().Changed
	if changed("socket") {
		cfg.Socket = f.socket
	}
	if changed("group") {
		cfg.Group = f.group
	}
	if changed("http") {
		cfg.HTTP = f.http
	}
	if changed("radius") {
		cfg.RADIUS = f.radius
	}
	if changed("radius-clients") {
		cfg.RADIUSClients = f.radiusClients
	}
	if changed("rate") {
		cfg.Limit.Rate = f.rate
	}
	if changed("burst") {
		cfg.Limit.Burst = f.burst
	}
	return cfg, nil
}

// reloadOnHUP re-reads the rate limits, and the RADIUS clients when rf is
// running, on each SIGHUP received on hup (one sent while serve started
// waits there and is applied at once). Listeners and the store stay as they are:
// changing those takes a restart, and the log says so rather than
// half-applying them.
func (f *serveFlags) reloadOnHUP(ctx context.Context, hup <-chan os.Signal, cmd *cobra.Command, srv *verifier.Server, rf *radiusFront, logw io.Writer, notify func(string)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		notify("RELOADING=1")
		cfg, err := f.load(cmd)
		if err != nil {
			fmt.Fprintf(logw, "two-factor: reload refused, keeping the running configuration: %s\n", safe(err.Error()))
			notify("READY=1")
			continue
		}
		srv.SetLimit(cfg.Limit)
		if rf != nil {
			if err := rf.Reload(); err != nil {
				fmt.Fprintf(logw, "two-factor: %s\n", safe(err.Error()))
			}
		}
		fmt.Fprintf(logw, "two-factor: reloaded %s: rate %g/s, burst %d per caller (socket, http, radius and store change on restart)\n",
			safe(f.config), cfg.Limit.Rate, cfg.Limit.Burst)
		notify("READY=1")
	}
}

// warnIfExposed warns when the bearer-token API listens beyond loopback:
// it is plain HTTP, so tokens and codes would cross the network in clear.
func warnIfExposed(w io.Writer, addr net.Addr) {
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(w, "two-factor: warning: the HTTP API on %s is plain HTTP beyond loopback; put a TLS proxy in front of it\n", addr)
	}
}

func httpNote(l net.Listener) string {
	if l == nil {
		return ""
	}
	return ", HTTP API on " + l.Addr().String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// lookupGroup resolves a group name or number.
func lookupGroup(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("no group %q: %w", name, err)
	}
	return strconv.Atoi(g.Gid)
}
