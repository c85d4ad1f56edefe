package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// Django mode: `--django PATH` or TWO_FACTOR_DB=django:PATH points every
// command and the console at a Django site's own database (its django-otp
// tables), with two-factor's extras in the side file PATH.two-factor.

// djangoScheme prefixes a Django database in TWO_FACTOR_DB.
const djangoScheme = "django:"

// djangoTarget returns the Django database asked for, if any: --django,
// else TWO_FACTOR_DB=django:PATH unless --db names a store of our own
// (a flag beats the environment).
func (a *app) djangoTarget() (string, bool) {
	if a.djangoPath != "" {
		return a.djangoPath, true
	}
	if a.dbPath != "" {
		return "", false
	}
	if v := a.env.Getenv("TWO_FACTOR_DB"); strings.HasPrefix(v, djangoScheme) {
		return strings.TrimPrefix(v, djangoScheme), true
	}
	return "", false
}

// djangoKeyPath is the master key of a Django database's side file:
// --key-file, else PATH.two-factor.key beside it. TWO_FACTOR_KEY_FILE is
// not used, so the key of one's own store is never taken for a site's
// side file by accident.
func (a *app) djangoKeyPath(djangoPath string) string {
	if a.keyPath != "" {
		return a.keyPath
	}
	return db.SideFile(djangoPath) + ".key"
}

// openDjango opens a Django site's database, creating the side file (our
// own file) on first use; the Django database itself must exist.
func (a *app) openDjango(ctx context.Context, path string) (*service.Service, error) {
	switch {
	case a.djangoPath != "" && a.dbPath != "":
		return nil, usageErrorf("give --db (a two-factor store) or --django (a Django site's database), not both")
	case path == "":
		return nil, usageErrorf("TWO_FACTOR_DB=%s needs the path of the Django database, e.g. %s/srv/site/db.sqlite3", djangoScheme, djangoScheme)
	}
	if fi, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &markedError{kindEnvironment, fmt.Errorf("Django database %s does not exist: give the site's SQLite database (DATABASES['default']['NAME'] in its settings.py, often db.sqlite3)", path)}
		}
		return nil, &markedError{kindEnvironment, fmt.Errorf("Django database %s: %w", path, err)}
	} else if fi.IsDir() {
		return nil, &markedError{kindEnvironment, fmt.Errorf("Django database %s is a directory: give the site's SQLite database file (often db.sqlite3)", path)}
	}
	st, err := db.OpenDjango(ctx, path, a.storeOptions(a.djangoKeyPath(path), true))
	if err != nil {
		return nil, err
	}
	return a.serveFrom(st), nil
}

// djangoRules reports whether the store follows django-otp's rules, and
// so whether status and disable speak like manage.py: decided once, from
// the service's settings.
func (a *app) djangoRules(ctx context.Context, svc *service.Service) (bool, error) {
	if a.rules == nil {
		set, err := svc.Settings(ctx)
		if err != nil {
			return false, err
		}
		a.rules = &set.Rules
	}
	return *a.rules == devices.DjangoRules, nil
}

// djangoCommandError ends a command the way a Django management command
// ends on a CommandError: the message on stderr after "CommandError: ",
// exit 1.
func djangoCommandError(cmd *cobra.Command, format string, args ...any) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "CommandError: "+format+"\n", args...)
	return silentExit(ExitRejected)
}

// djangoStatus prints what `manage.py two_factor_status NAME...` prints:
// "NAME: enabled" or "NAME: disabled" per user in order, stopping at the
// first unknown one (earlier lines printed) with its CommandError. No
// names, no output. The colour Django gives "disabled" on a terminal is
// left out.
func djangoStatus(cmd *cobra.Command, svc *service.Service, names []string) error {
	if len(names) == 0 {
		return nil
	}
	sts, err := svc.Status(cmd.Context(), names)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, s := range sts {
		if !s.Exists {
			return djangoCommandError(cmd, `User "%s" does not exist`, safe(s.Name))
		}
		word := "disabled"
		if s.Enabled {
			word = "enabled"
		}
		fmt.Fprintf(out, "%s: %s\n", safe(s.Name), word)
	}
	return nil
}

// djangoUnknownUser is the first of names that is not a user, for
// `disable`: nothing is removed then (all or nothing, where Django's
// command would already have disabled the users named before it).
func djangoUnknownUser(sts []db.UserStatus) (string, bool) {
	for _, s := range sts {
		if !s.Exists {
			return s.Name, true
		}
	}
	return "", false
}
