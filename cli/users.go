package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

func (a *app) initCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a store (at --db) and its master key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dbPath, keyPath, _ := a.paths()
			if _, err := a.open(cmd.Context(), true); err != nil {
				return err
			}
			if _, django := a.djangoTarget(); django {
				side := db.SideFile(dbPath)
				return printResult(cmd, asJSON, map[string]string{"django": dbPath, "side_file": side, "key_file": keyPath},
					"Django database %s is ready: two-factor's own records are in %s (master key file: %s)\n", safe(dbPath), safe(side), safe(keyPath))
			}
			return printResult(cmd, asJSON, map[string]string{"store": dbPath, "key_file": keyPath},
				"store %s is ready (master key file: %s, created with the first device)\n", safe(dbPath), safe(keyPath))
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [USER...]",
		Short: "Say whether each user has two-factor authentication enabled (all users when none are named)",
		Long: `Prints "NAME: enabled" or "NAME: disabled" for each user. A user is enabled
when they have at least one confirmed, enabled authenticator app or token
(backup codes alone do not count). A user a login is refused for right
now gets "; locked out (DEVICE)" with the unlock command, or "; throttled
(DEVICE) for 40s" after failed codes. Unknown users are reported after the
others are printed, and the exit code is then 1.

On a Django site's database (--django) it prints exactly what manage.py
two_factor_status prints: enabled means a confirmed device named "default";
it stops at the first unknown user with CommandError on stderr (exit 1),
and prints nothing when no user is named.`,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if django, err := a.djangoRules(cmd.Context(), svc); err != nil {
				return err
			} else if django && !asJSON {
				return djangoStatus(cmd, svc, args)
			}
			sts, err := svc.Status(cmd.Context(), args)
			if err != nil {
				return err
			}
			if len(args) == 0 && len(sts) == 0 && !asJSON {
				fmt.Fprintln(cmd.ErrOrStderr(), "no users yet; add one with: two-factor user add NAME, then two-factor enroll NAME")
			}
			blocked, err := svc.Blocked(cmd.Context(), args)
			if err != nil {
				return err
			}
			var missing []string
			type row struct {
				User      string `json:"user"`
				Exists    bool   `json:"exists"`
				Enabled   bool   `json:"enabled"`
				LockedOut bool   `json:"locked_out,omitempty"`
				// ThrottledFor is seconds until a throttled device takes codes.
				ThrottledFor int64 `json:"throttled_for_seconds,omitempty"`
			}
			rows := make([]row, 0, len(sts))
			var b strings.Builder
			now := a.env.Now()
			for _, s := range sts {
				mine := blockedOf(blocked, s.Name)
				r := row{User: s.Name, Exists: s.Exists, Enabled: s.Enabled}
				word := "disabled"
				if s.Enabled {
					word = "enabled"
				}
				switch {
				case !s.Exists:
					missing = append(missing, s.Name)
					continue
				case mine.locked != nil:
					r.LockedOut = true
					word += fmt.Sprintf("; locked out (%s); an administrator must run: two-factor device unlock %s %d",
						safe(mine.locked.Device), safe(shellWord(s.Name)), mine.locked.DeviceID)
				case mine.throttled != nil:
					wait := retryAfter(mine.throttled.Until.Sub(now))
					r.ThrottledFor = int64(wait / time.Second)
					word += fmt.Sprintf("; throttled (%s) for %s after failed codes", safe(mine.throttled.Device), wait)
				}
				rows = append(rows, r)
				fmt.Fprintf(&b, "%s: %s\n", safe(s.Name), word)
			}
			if len(missing) > 0 && asJSON {
				// One JSON document: the failure, which names them.
				return notFoundList("user", missing, "")
			}
			if err := printResult(cmd, asJSON, rows, "%s", b.String()); err != nil {
				return err
			}
			if len(missing) > 0 {
				return notFoundList("user", missing, "")
			}
			return nil
		}),
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

// notFoundList is the error for names that do not exist, followed by
// what that meant (then). It is kind not_found, like every other "does
// not exist", so a script reading --json can tell it from a refused code.
func notFoundList(what string, names []string, then string) error {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	msg := fmt.Sprintf("%ss %s do not exist", what, strings.Join(q, ", "))
	if len(names) == 1 {
		msg = fmt.Sprintf("%s %s does not exist", what, q[0])
	}
	return &markedError{kindNotFound, errors.New(msg + then)}
}

func (a *app) disableCommand() *cobra.Command {
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "disable USER...",
		Short: "Turn two-factor authentication off for users by removing all their devices",
		Long: `Removes every device (authenticator apps, tokens, backup codes) of each named
user, for when someone has lost their second factor; hardware tokens go back
to the inventory (retire a lost one with: two-factor retire). All or nothing: if any
user is unknown, nothing is removed. Asks first on a terminal; scripts pass
--yes. Audited.

On a Django site's database (--django) it removes each user's confirmed
devices of every type, as manage.py two_factor_disable does, and like it
prints nothing (and, named no user, does nothing); an unknown user ends it
with CommandError (exit 1) and, unlike it, nothing is removed.`,
		// At least one user, except on a Django site, where no names do
		// nothing as in manage.py two_factor_disable; decided from the
		// flags, before any store is opened (or created).
		Args: func(cmd *cobra.Command, args []string) error {
			if _, django := a.djangoTarget(); len(args) == 0 && !django {
				return usageErrorf("disable needs at least one USER")
			}
			return nil
		},
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if len(args) == 0 {
				return printResult(cmd, asJSON, []any{}, "")
			}
			sts, err := svc.Status(cmd.Context(), args)
			if err != nil {
				return err
			}
			django, err := a.djangoRules(cmd.Context(), svc)
			if err != nil {
				return err
			}
			var missing []string
			for _, s := range sts {
				if !s.Exists {
					missing = append(missing, s.Name)
				}
			}
			if name, unknown := djangoUnknownUser(sts); unknown && django && !asJSON {
				return djangoCommandError(cmd, `User "%s" does not exist`, safe(name))
			}
			if len(missing) > 0 {
				return notFoundList("user", missing, "; nothing changed")
			}
			if !yes {
				var parts []string
				for _, n := range args {
					ds, err := svc.DisableRemoves(cmd.Context(), n)
					if err != nil {
						return err
					}
					parts = append(parts, fmt.Sprintf("%s (%d device(s))", safe(n), len(ds)))
				}
				what := "every device"
				if django {
					what = "the confirmed devices" // two_factor_disable keeps unconfirmed ones
				}
				if err := a.confirm("Remove " + what + " of " + strings.Join(parts, ", ") + "?"); err != nil {
					return err
				}
			}
			counts, err := svc.Disable(cmd.Context(), args)
			if err != nil {
				return err
			}
			type row struct {
				User           string `json:"user"`
				DevicesRemoved int    `json:"devices_removed"`
			}
			if django && !asJSON {
				return nil // manage.py two_factor_disable prints nothing
			}
			rows := make([]row, len(args))
			var b strings.Builder
			for i, n := range args {
				rows[i] = row{n, counts[i]}
				fmt.Fprintf(&b, "%s: disabled (%d device(s) removed)\n", safe(n), counts[i])
			}
			return printResult(cmd, asJSON, rows, "%s", b.String())
		}),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// userBlocks are the devices of one user a login is refused on now.
type userBlocks struct{ locked, throttled *db.BlockedDevice }

// blockedOf picks a user's first locked-out and soonest-free throttled
// device from the store's list.
func blockedOf(all []db.BlockedDevice, user string) userBlocks {
	var u userBlocks
	name := devices.NormalizeUserName(user)
	for i := range all {
		b := &all[i]
		if b.User != name {
			continue
		}
		if b.LockedOut && u.locked == nil {
			u.locked = b
		} else if !b.LockedOut && (u.throttled == nil || b.Until.Before(u.throttled.Until)) {
			u.throttled = b
		}
	}
	return u
}

// userStatusWords are the command line's words for a user's two-factor
// status (the console's are in tui; a test keeps the two the same).
var userStatusWords = [...]string{
	service.UserLockedOut: "locked out",
	service.UserThrottled: "throttled",
	service.UserDisabled:  "disabled",
	service.UserEnabled:   "enabled",
}

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list and remove users"}
	var listJSON, addJSON, rmJSON, yes bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List users with their devices and 2FA status",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			users, err := svc.AllUsers(cmd.Context())
			if err != nil {
				return err
			}
			if listJSON {
				type row struct {
					User        string     `json:"user"`
					Enabled     bool       `json:"enabled"`
					Devices     int        `json:"devices"`
					BackupCodes int        `json:"backup_codes"`
					LockedOut   int        `json:"locked_out_devices"`
					Created     time.Time  `json:"created"`
					LastUsed    *time.Time `json:"last_used,omitempty"`
					LookAlike   bool       `json:"look_alike,omitempty"`
				}
				rows := make([]row, len(users))
				for i, u := range users {
					rows[i] = row{u.Name, u.Enabled(), u.Devices, u.BackupCodes, u.LockedOut, u.Created, timePtr(u.LastUsed), u.LookAlike}
				}
				return printJSON(cmd.OutOrStdout(), rows)
			}
			set, err := svc.Settings(cmd.Context())
			if err != nil {
				return err
			}
			now := a.env.Now()
			w := newTable(cmd.OutOrStdout(), "USER", "2FA", "DEVICES", "BACKUP", "LAST USED")
			for i := range users {
				u := &users[i]
				status := userStatusWords[service.UserStatusOf(u, set.Policy(), now)]
				if u.LookAlike {
					// Stored before names were checked; an admin merges them.
					status += ", looks like another user"
				}
				w.row(safe(u.Name), status, fmt.Sprint(u.Devices), fmt.Sprint(u.BackupCodes), when(u.LastUsed))
			}
			return w.flush()
		}),
	}
	jsonFlag(list, &listJSON)
	add := &cobra.Command{
		Use:   "add USER...",
		Short: "Add users",
		Args:  cobra.MinimumNArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			for _, n := range args {
				if _, err := svc.AddUser(cmd.Context(), n); err != nil {
					return err
				}
				if !addJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "added %s\n", safe(n))
				}
			}
			if addJSON {
				return printJSON(cmd.OutOrStdout(), map[string][]string{"added": args})
			}
			return nil
		}),
	}
	jsonFlag(add, &addJSON)
	rm := &cobra.Command{
		Use:   "rm USER",
		Short: "Remove a user and all their devices",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.Supports(cmd.Context(), service.OpRemoveUser); err != nil {
				return err // said before asking
			}
			ds, err := svc.Devices(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !yes {
				if err := a.confirm(fmt.Sprintf("Remove user %s and their %d device(s)?", safe(args[0]), len(ds))); err != nil {
					return err
				}
			}
			if err := svc.RemoveUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			return printResult(cmd, rmJSON, map[string]any{"removed": args[0], "devices_removed": len(ds)}, "removed %s\n", safe(args[0]))
		}),
	}
	rm.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	jsonFlag(rm, &rmJSON)
	cmd.AddCommand(add, list, rm)
	return cmd
}
