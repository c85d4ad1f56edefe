package cli

import (
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/verifier"
)

// DefaultSocket is where `serve` listens and `verify --socket` asks when
// run as the system service (systemd's RuntimeDirectory=two-factor).
const DefaultSocket = "/run/two-factor/verify.sock"

func (a *app) serveCommand() *cobra.Command {
	var (
		socket, group string
		check, asJSON bool
		rad           radiusFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the verifier: the one process holding the store, answering logins over a socket",
		Long: `Opens the store and the master key once and answers verifications over
HTTP on a unix socket (mode 0660: the socket's group decides who may ask),
so PAM, scripts and applications verify codes without reading the store.
Every verification is audited with its source ("serve/unix uid=N").
With --radius and --radius-clients it also answers RADIUS Access-Requests
from the NASes in the clients file (README: VPNs, firewalls and Wi-Fi
controllers). SIGTERM or SIGINT stops it after the requests in flight.
--check opens the store (and reads the clients file), prints what would be
served and exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rad.check(); err != nil {
				return usage(err)
			}
			gid := -1
			if group != "" {
				g, err := lookupGroup(group)
				if err != nil {
					return usage(err)
				}
				gid = g
			}
			svc, err := a.service(cmd)
			if err != nil {
				return err
			}
			if check {
				if err := rad.load(); err != nil {
					return err
				}
				dbPath, _, _ := a.paths()
				return printResult(cmd, asJSON, map[string]any{"store": dbPath, "socket": socket, "group": group, "radius": rad.addr},
					"store %s\nsocket %s\nradius %s\n", safe(dbPath), safe(socket), safe(rad.text()))
			}
			l, err := verifier.ListenUnix(socket, gid)
			if err != nil {
				return err
			}
			defer l.Close()
			if rad.addr != "" {
				rf, err := startRADIUS(svc, rad, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				defer rf.Stop()
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "two-factor: verifier listening on %s\n", safe(socket))
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return verifier.New(svc).Run(ctx, l)
		},
	}
	cmd.Flags().StringVar(&socket, "socket", DefaultSocket, "unix socket to listen on")
	cmd.Flags().StringVar(&group, "group", "", "group owning the socket (whose members may verify); default the process's group")
	cmd.Flags().BoolVar(&check, "check", false, "open the store, print what would be served and exit")
	cmd.Flags().StringVar(&rad.addr, "radius", "", "also answer RADIUS on this UDP address (e.g. 127.0.0.1:1812)")
	cmd.Flags().StringVar(&rad.clients, "radius-clients", "", "file of NASes allowed to ask RADIUS: ADDRESS_OR_CIDR SHARED_SECRET per line, mode 0600")
	jsonFlag(cmd, &asJSON)
	return cmd
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
