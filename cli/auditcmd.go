package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
)

func (a *app) auditVerifyCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's MAC chain; exit 1 naming the first deleted, edited, moved or added entry",
		Long: `Every audit entry carries a MAC, under a key derived from the master key, over
its contents and the entry before it; the newest entry and the start of the
log (after a prune) are recorded under a MAC too. verify walks the chain and
reports the first entry that was deleted, edited, reordered, added or cut off
behind two-factor's back. Needs the master key.

Exit codes: 0 intact, 1 tampered, 2 environment error.`,
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			v, err := svc.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), v); err != nil {
					return err
				}
			} else {
				printAuditVerification(cmd.OutOrStdout(), v)
			}
			if !v.Intact {
				return silentExit(ExitRejected)
			}
			return nil
		}),
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func printAuditVerification(w io.Writer, v db.AuditVerification) {
	if v.Problem != nil {
		fmt.Fprintf(w, "audit log TAMPERED: %s\n", safe(v.Problem.Problem))
		return
	}
	fmt.Fprintf(w, "audit log intact: %d entries checked", v.Checked)
	if v.Start > 0 {
		fmt.Fprintf(w, " (the log starts after entry %d, pruned)", v.Start)
	}
	fmt.Fprintln(w)
	if v.Pending > 0 {
		fmt.Fprintf(w, "%d newest entries were written without the master key and are not chained yet; the next change chains them\n", v.Pending)
	}
}

func (a *app) auditPruneCommand() *cobra.Command {
	var (
		before string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "prune --before DATE",
		Short: "Remove audit entries older than DATE, keeping the rest verifiable (audited)",
		Long: `Removes every audit entry up to the newest one written before DATE
(YYYY-MM-DD, local midnight, or RFC 3339), in one transaction that is itself
audited. The last removed entry becomes the recorded start of the chain, so
'audit verify' still checks everything that remains. A log that fails
verification is not pruned, so the evidence is kept.`,
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			at, err := parseDate(before)
			if err != nil {
				return err
			}
			n, err := svc.PruneAudit(cmd.Context(), at)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"pruned": n, "before": at})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pruned %d audit entries written before %s\n", n, at.Format(time.RFC3339))
			return nil
		}),
	}
	cmd.Flags().StringVar(&before, "before", "", "remove entries written before this date (YYYY-MM-DD or RFC 3339)")
	cmd.MarkFlagRequired("before")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// parseSince reads how far back to look: a Go duration (90m, 36h), a
// number of days or weeks (7d, 2w), or a date as parseDate reads it.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if n, err := strconv.Atoi(s[:max(0, len(s)-1)]); err == nil && n >= 0 && n <= 100*366 {
		switch s[len(s)-1] {
		case 'd':
			return now.AddDate(0, 0, -n), nil
		case 'w':
			return now.AddDate(0, 0, -7*n), nil
		}
	}
	if t, err := parseDate(s); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--since %q: expected a duration like 90m, 24h, 7d or 2w, or a date like 2026-01-31", safe(s))
}

// parseDate reads YYYY-MM-DD (local midnight) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--before %q: expected a date like 2026-01-31 or 2026-01-31T12:00:00Z", safe(s))
}
