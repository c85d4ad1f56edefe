package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/service"
)

func (a *app) apiClientCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "api-client",
		Short: "Manage applications allowed to call the verifier's HTTP API",
		Long: `An API client is an application (a web site, a VPN portal) that calls
two-factor serve's HTTP API with a bearer token. The token is shown once,
when the client is added; the store keeps only its SHA-256. Removing a
client refuses its token from the next request on.`,
	}
	var addJSON, rmJSON, listJSON bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add an API client and print its token (shown this once)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			token, err := svc.AddAPIClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printResult(cmd, addJSON, map[string]string{"name": args[0], "token": token},
				"API client %s added. Its token, shown this once (send it as \"Authorization: Bearer TOKEN\"):\n%s\n", safe(args[0]), token)
		}),
	}
	jsonFlag(add, &addJSON)
	rm := &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove an API client: its token stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.RemoveAPIClient(cmd.Context(), args[0]); err != nil {
				return err
			}
			return printResult(cmd, rmJSON, map[string]string{"removed": args[0]}, "API client %s removed\n", safe(args[0]))
		}),
	}
	jsonFlag(rm, &rmJSON)
	list := &cobra.Command{
		Use:   "list",
		Short: "List API clients and when each was last used",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			clients, err := svc.APIClients(cmd.Context())
			if err != nil {
				return err
			}
			if listJSON {
				type row struct {
					Name     string     `json:"name"`
					Created  time.Time  `json:"created"`
					LastUsed *time.Time `json:"last_used"`
				}
				rows := make([]row, 0, len(clients))
				for _, c := range clients {
					rows = append(rows, row{c.Name, c.Created, timePtr(c.LastUsed)})
				}
				return printJSON(cmd.OutOrStdout(), rows)
			}
			if len(clients) == 0 {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), "no API clients; add one with: two-factor api-client add NAME")
				return err
			}
			t := newTable(cmd.OutOrStdout(), "NAME", "CREATED", "LAST USED")
			for _, c := range clients {
				t.row(c.Name, when(c.Created), when(c.LastUsed))
			}
			return t.flush()
		}),
	}
	jsonFlag(list, &listJSON)
	cmd.AddCommand(add, rm, list)
	return cmd
}
