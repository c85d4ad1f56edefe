package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

func (a *app) auditCommand() *cobra.Command {
	var (
		f      db.AuditFilter
		since  string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log, newest first",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if since != "" {
				var err error
				if f.Since, err = parseSince(since, a.env.Now()); err != nil {
					return err
				}
			}
			entries, err := svc.Audit(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), auditJSON(entries))
			}
			t := newTable(cmd.OutOrStdout(), "TIME", "ACTOR", "ACTION", "USER", "DEVICE", "OUTCOME", "DETAIL")
			for _, e := range entries {
				dev := "-"
				if e.DeviceID != 0 {
					dev = fmt.Sprintf("%d %s", e.DeviceID, safe(e.Device))
				}
				t.row(e.At.Local().Format("2006-01-02 15:04:05"), safe(e.Actor), safe(e.Action), dash(safe(e.User)), dev, dash(safe(e.Outcome)), safe(e.Detail))
			}
			return t.flush()
		}),
	}
	cmd.Flags().StringVar(&f.User, "user", "", "only entries about this user")
	cmd.Flags().StringVar(&f.Action, "action", "", "only actions starting with this (e.g. device.verify)")
	cmd.Flags().StringVar(&f.Text, "grep", "", "only entries containing this text")
	cmd.Flags().StringVar(&since, "since", "", "only entries from this long ago (90m, 24h, 7d, 2w) or since a date (2026-01-31, RFC 3339)")
	cmd.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries")
	jsonFlag(cmd, &asJSON)
	cmd.AddCommand(a.auditVerifyCommand(), a.auditPruneCommand())
	return cmd
}

// auditEntryJSON is the JSON form of an audit entry, in the snake_case of
// every other listing.
type auditEntryJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	User     string    `json:"user,omitempty"`
	DeviceID int64     `json:"device_id,omitempty"`
	Device   string    `json:"device,omitempty"`
	Outcome  string    `json:"outcome,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

func auditJSON(entries []db.AuditEntry) []auditEntryJSON {
	out := make([]auditEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = auditEntryJSON{e.ID, e.At, e.Actor, e.Action, e.User, e.DeviceID, e.Device, e.Outcome, e.Detail}
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) driftCommand() *cobra.Command {
	var (
		horizon time.Duration
		all     bool
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Report TOTP hardware tokens whose clocks drift, flagging those about to leave their tolerance",
		Long: `Fits a line through each token's drift history (recorded on every successful
verification) and flags tokens that, unused, will drift further than their
tolerance within --horizon, or whose clocks drift more than a step a week.`,
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			rows, err := svc.DriftReport(cmd.Context(), horizon, all)
			if err != nil {
				return err
			}
			if asJSON {
				type row struct {
					User            string     `json:"user"`
					DeviceID        int64      `json:"device_id"`
					Device          string     `json:"device"`
					Serial          string     `json:"serial,omitempty"`
					DriftSteps      int64      `json:"drift_steps"`
					DriftSeconds    int64      `json:"drift_seconds"`
					Tolerance       int        `json:"tolerance"`
					Samples         int        `json:"samples"`
					RatePerDay      float64    `json:"steps_per_day"`
					LeavesTolerance *time.Time `json:"leaves_tolerance,omitempty"`
					Flagged         bool       `json:"flagged"`
					Advice          string     `json:"advice"`
				}
				out := make([]row, 0, len(rows))
				for _, r := range rows {
					d := r.Device
					out = append(out, row{d.User, d.ID, d.Name, d.Serial, d.Drift, d.DriftSeconds(), d.Tolerance, r.Trend.Samples, r.Trend.RatePerDay, timePtr(r.Trend.LeavesTolerance), r.Trend.Flag, r.Trend.Advice})
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			if len(rows) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no TOTP tokens assigned to users")
				return nil
			}
			// One DEVICE column: serial and name, the serial once (an
			// imported token is named by its serial).
			t := newTable(cmd.OutOrStdout(), "", "USER", "DEVICE", "DRIFT", "TOL", "STEPS/DAY", "ADVICE")
			for _, r := range rows {
				d := r.Device
				mark := " "
				if r.Trend.Flag {
					mark = "!"
				}
				t.row(mark, safe(d.User), safe(d.Label()), devices.DriftWords(d.Drift, d.Step),
					fmt.Sprint(d.Tolerance), fmt.Sprintf("%+.3f", r.Trend.RatePerDay), r.Trend.Advice)
			}
			return t.flush()
		}),
	}
	cmd.Flags().DurationVar(&horizon, "horizon", 30*24*time.Hour, "how far ahead to look")
	cmd.Flags().BoolVar(&all, "all", false, "include authenticator apps, not only hardware tokens")
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) rekeyCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rekey",
		Short: "Re-encrypt every seed under a new master key and replace the key file",
		Long: `Generates a new master key, re-encrypts every secret in one transaction, then
replaces the key file. If anything fails the store and key file stay as
they were. Back up the new key file afterwards: without it the seeds are
lost.`,
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.Rekey(cmd.Context()); err != nil {
				return err
			}
			_, keyPath, _ := a.paths()
			return printResult(cmd, asJSON, map[string]string{"key_file": keyPath},
				"rekeyed: every secret is now encrypted under the new key in %s; back it up\n", safe(keyPath))
		}),
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show and change organisation settings"}
	var asJSON, setJSON bool
	get := &cobra.Command{
		Use:   "get [KEY]",
		Short: "Show one setting, or all with their meaning",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			set, err := svc.Settings(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 1 {
				v, err := set.Get(args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), settingJSON{Key: args[0], Value: v})
				}
				fmt.Fprintln(cmd.OutOrStdout(), safe(v))
				return nil
			}
			if asJSON {
				// A list, not an object keyed by setting: the keys
				// (resync-window) are not snake_case field names.
				var all []settingJSON
				for _, k := range devices.SettingKeys() {
					v, _ := set.Get(k)
					all = append(all, settingJSON{k, v, devices.SettingHelp(k)})
				}
				return printJSON(cmd.OutOrStdout(), all)
			}
			t := newTable(cmd.OutOrStdout(), "KEY", "VALUE", "MEANING")
			for _, k := range devices.SettingKeys() {
				v, _ := set.Get(k)
				t.row(k, safe(v), devices.SettingHelp(k))
			}
			return t.flush()
		}),
	}
	jsonFlag(get, &asJSON)
	set := &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change a setting (keys: " + strings.Join(devices.SettingKeys(), ", ") + ")",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.SetSetting(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return printResult(cmd, setJSON, settingJSON{Key: args[0], Value: args[1]}, "%s = %s\n", safe(args[0]), safe(args[1]))
		}),
	}
	jsonFlag(set, &setJSON)
	cmd.AddCommand(get, set)
	return cmd
}

// settingJSON is the JSON form of one setting.
type settingJSON struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Meaning string `json:"meaning,omitempty"`
}
