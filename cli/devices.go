package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// deviceJSON is the JSON form of a device; it never includes the secret.
type deviceJSON struct {
	ID             int64      `json:"id"`
	User           string     `json:"user,omitempty"`
	Name           string     `json:"name"`
	Kind           string     `json:"kind"`
	Hardware       bool       `json:"hardware"`
	Serial         string     `json:"serial,omitempty"`
	Model          string     `json:"model,omitempty"`
	Manufacturer   string     `json:"manufacturer,omitempty"`
	SeedSource     string     `json:"seed_source,omitempty"`
	Algorithm      string     `json:"algorithm,omitempty"`
	Digits         int        `json:"digits,omitempty"`
	Step           int64      `json:"step,omitempty"`
	Tolerance      int        `json:"tolerance"`
	Confirmed      bool       `json:"confirmed"`
	Enabled        bool       `json:"enabled"`
	Drift          int64      `json:"drift_steps"`
	DriftSeconds   int64      `json:"drift_seconds"`
	Counter        *uint64    `json:"counter,omitempty"`
	Failures       int        `json:"failures"`
	ThrottledUntil *time.Time `json:"throttled_until,omitempty"`
	LockedOut      bool       `json:"locked_out"`
	BackupCodes    *int       `json:"backup_codes_left,omitempty"`
	Created        time.Time  `json:"created"`
	LastUsed       *time.Time `json:"last_used,omitempty"`
}

func toDeviceJSON(d *devices.Device, p devices.Policy, now time.Time) deviceJSON {
	j := deviceJSON{
		ID: d.ID, User: d.User, Name: d.Name, Kind: string(d.Kind), Hardware: d.Hardware,
		Serial: d.Serial, Model: d.Model, Manufacturer: d.Manufacturer, SeedSource: string(d.SeedSource),
		Tolerance: d.Tolerance, Confirmed: d.Confirmed, Enabled: d.Enabled,
		Failures: d.Failures, LockedOut: d.LockedOut, Created: d.Created, LastUsed: timePtr(d.LastUsed),
	}
	if until := d.ThrottledUntil(p); until.After(now) {
		j.ThrottledUntil = &until
	}
	switch d.Kind {
	case devices.Backup:
		n := len(d.Codes)
		j.BackupCodes = &n
	case devices.HOTP:
		c := d.Counter
		j.Counter = &c
		j.Algorithm, j.Digits = d.Algorithm.String(), d.Digits
	case devices.TOTP:
		j.Algorithm, j.Digits, j.Step = d.Algorithm.String(), d.Digits, d.Step
		j.Drift, j.DriftSeconds = d.Drift, d.DriftSeconds()
	}
	return j
}

// deviceStateWords are the command line's words for device states, the
// only place it names them (the console's are in tui; a test keeps the two
// the same).
var deviceStateWords = [...]string{
	devices.StateDisabled:    "disabled",
	devices.StateLockedOut:   "locked out",
	devices.StateThrottled:   "throttled",
	devices.StateUnconfirmed: "unconfirmed",
	devices.StateActive:      "active",
}

// stateText says in words what state a device is in, with how long a
// throttle has left.
func stateText(d *service.DeviceDetail, now time.Time) string {
	w := deviceStateWords[d.State]
	if d.State == devices.StateThrottled {
		w += " " + d.ThrottledUntil.Sub(now).Round(time.Second).String()
	}
	return w
}

func (a *app) deviceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "device", Short: "List, inspect and change a user's devices"}
	var listJSON, showJSON, yes bool
	list := &cobra.Command{
		Use:   "list USER",
		Short: "List a user's devices",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			u, err := svc.UserDetail(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if listJSON {
				out := make([]deviceJSON, len(u.Devices))
				for i, d := range u.Devices {
					out[i] = toDeviceJSON(d.Device, u.Policy, u.At)
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			t := newTable(cmd.OutOrStdout(), "ID", "NAME", "KIND", "SERIAL", "STATE", "DRIFT", "FAILURES", "LAST USED")
			var warnings []string // under the table: too long for a column
			for i := range u.Devices {
				d := &u.Devices[i]
				drift := "-"
				if d.Kind == devices.TOTP {
					drift = devices.DriftWords(d.Drift, d.Step)
					if w := devices.DriftWarning(d.Drift, d.Step); w != "" {
						drift = "! " + drift
						warnings = append(warnings, fmt.Sprintf("! %s: %s", safe(d.Name), w))
					}
				} else if d.Kind == devices.Backup {
					drift = fmt.Sprintf("%d codes left", len(d.Codes))
				} else if d.Kind == devices.Phone {
					drift = d.PhoneNumber // masked by the store
				}
				serial := d.Serial
				if serial == "" {
					serial = "-"
				}
				t.row(fmt.Sprint(d.ID), safe(d.Name), d.KindLabel(), safe(serial), stateText(d, u.At), drift, fmt.Sprint(d.Failures), when(d.LastUsed))
			}
			if err := t.flush(); err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(cmd.OutOrStdout(), w)
			}
			return nil
		}),
	}
	jsonFlag(list, &listJSON)
	show := &cobra.Command{
		Use:   "show USER DEVICE",
		Short: "Show one device (DEVICE is its id, name or serial)",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			u, err := svc.UserDetail(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			d, err := u.Find(args[1])
			if err != nil {
				return err
			}
			j := toDeviceJSON(d.Device, u.Policy, u.At)
			if showJSON {
				return printJSON(cmd.OutOrStdout(), j)
			}
			t := newTable(cmd.OutOrStdout(), "FIELD", "VALUE")
			t.row("id", fmt.Sprint(d.ID))
			t.row("user", safe(d.User))
			t.row("name", safe(d.Name))
			t.row("kind", d.KindLabel())
			if d.Hardware {
				t.row("serial", safe(d.Serial))
				t.row("model", safe(d.Model))
				t.row("manufacturer", safe(d.Manufacturer))
				t.row("seed source", string(d.SeedSource))
			}
			if d.Kind.IsOTP() {
				t.row("algorithm", d.Algorithm.String())
				t.row("digits", fmt.Sprint(d.Digits))
				t.row("tolerance", fmt.Sprint(d.Tolerance))
			}
			if d.Kind == devices.TOTP {
				t.row("step", fmt.Sprintf("%ds", d.Step))
				t.row("drift", devices.DriftSteps(d.Drift, d.Step))
				if w := devices.DriftWarning(d.Drift, d.Step); w != "" {
					t.row("", "warning: "+w)
				}
				tr := d.Trend
				t.row("drift trend", fmt.Sprintf("%.2f steps/day over %d samples: %s", tr.RatePerDay, tr.Samples, tr.Advice))
			}
			if d.Kind == devices.HOTP {
				t.row("next counter", fmt.Sprint(d.Counter))
			}
			if d.Kind == devices.Backup {
				t.row("codes left", fmt.Sprint(len(d.Codes)))
			}
			t.row("state", stateText(d, u.At))
			t.row("failures", fmt.Sprint(d.Failures))
			t.row("created", when(d.Created))
			t.row("last used", when(d.LastUsed))
			return t.flush()
		}),
	}
	jsonFlag(show, &showJSON)
	simple := func(use, short string, action service.DeviceAction, verb string) *cobra.Command {
		var asJSON bool
		cmd := &cobra.Command{
			Use:   use + " USER DEVICE",
			Short: short,
			Args:  cobra.ExactArgs(2),
			RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
				d, err := svc.ChangeDevice(cmd.Context(), args[0], args[1], action, "")
				if err != nil {
					return err
				}
				return printResult(cmd, asJSON, deviceChange(args[0], d, verb),
					"%s: device %d (%s) %s\n", safe(args[0]), d.ID, safe(d.Name), verb)
			}),
		}
		jsonFlag(cmd, &asJSON)
		return cmd
	}
	var renameJSON, rmJSON bool
	rename := &cobra.Command{
		Use:   "rename USER DEVICE NEW-NAME",
		Short: "Rename a device",
		Args:  cobra.ExactArgs(3),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			d, err := svc.ChangeDevice(cmd.Context(), args[0], args[1], service.ActionRename, args[2])
			if err != nil {
				return err
			}
			return printResult(cmd, renameJSON, deviceChange(args[0], d, "renamed"),
				"%s: device %d renamed to %s\n", safe(args[0]), d.ID, safe(d.Name))
		}),
	}
	jsonFlag(rename, &renameJSON)
	rm := &cobra.Command{
		Use:   "rm USER DEVICE",
		Short: "Remove a device",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			d, err := findListed(cmd, svc, args[0], args[1])
			if err != nil {
				return err
			}
			if !yes {
				if err := a.confirm(fmt.Sprintf("Remove %s's %s %q (id %d)?", safe(args[0]), d.KindLabel(), safe(d.Name), d.ID)); err != nil {
					return err
				}
			}
			if _, err := svc.ChangeDevice(cmd.Context(), args[0], fmt.Sprint(d.ID), service.ActionRemove, ""); err != nil {
				return err
			}
			return printResult(cmd, rmJSON, deviceChange(args[0], d, "removed"),
				"%s: device %d (%s) removed\n", safe(args[0]), d.ID, safe(d.Name))
		}),
	}
	rm.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	jsonFlag(rm, &rmJSON)
	cmd.AddCommand(list, show, rename, rm,
		simple("enable", "Enable a device", service.ActionEnable, "enabled"),
		simple("disable", "Disable a device without removing it", service.ActionDisable, "disabled"),
		simple("unlock", "Clear a device's lockout and failure count", service.ActionUnlock, "unlocked"),
	)
	return cmd
}

// deviceChangeJSON is the JSON form of a change to one device.
type deviceChangeJSON struct {
	User     string `json:"user"`
	DeviceID int64  `json:"device_id"`
	Device   string `json:"device"`
	Change   string `json:"change"` // enabled, disabled, unlocked, renamed, removed
}

func deviceChange(user string, d *devices.Device, change string) deviceChangeJSON {
	return deviceChangeJSON{User: user, DeviceID: d.ID, Device: d.Name, Change: change}
}

// findListed finds a device among a user's listed devices (no secrets).
func findListed(cmd *cobra.Command, svc *service.Service, user, ref string) (*devices.Device, error) {
	ds, err := svc.Devices(cmd.Context(), user)
	if err != nil {
		return nil, err
	}
	return db.FindDevice(ds, user, ref)
}
