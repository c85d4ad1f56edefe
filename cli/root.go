// Package cli is the two-factor command tree. It is built by a constructor
// that writes to the command's own output streams and reads its own input,
// so the same tree serves the terminal, scripts and tests.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/termsafe"
)

// Exit codes, documented in README.md.
const (
	ExitOK       = 0 // done; code accepted
	ExitRejected = 1 // code rejected, or a user/device not found
	ExitError    = 2 // usage or environment error
)

// Env is what the commands run in.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// IsTerminal reports whether stdin is an interactive terminal (for
	// confirmation prompts and hidden input).
	IsTerminal func() bool
	Now        func() time.Time
	Getenv     func(string) string
}

// app holds the flags and the lazily opened store.
type app struct {
	env     Env
	dbPath  string
	keyPath string
	// djangoPath is a Django site's database (--django), used as the
	// store in place of one of our own.
	djangoPath string
	json       bool
	theme      string // console theme (--theme)

	// running is the command being run (set before its body), so prompts
	// know whether stdout is reserved for --json.
	running *cobra.Command
	// completing: the store is opened for shell completion, which must
	// never create one and must not wait long for a busy one.
	completing bool
	// loginCheck: the command checks a code and exits (verify), so the
	// store keeps its WAL on close instead of checkpointing (db.Options).
	loginCheck bool
	// serving: the command is the long-running verifier, whose concurrent
	// verifications share transactions and fsyncs (db.Options.GroupCommit).
	serving bool

	store db.Store
	svc   *service.Service
	// rules are the store's verification rules, once asked (djangoRules).
	rules  *devices.Rules
	reader *lineReader
}

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.IsTerminal == nil {
		env.IsTerminal = func() bool { return false }
	}
	a := &app{env: env}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	ran, err := root.ExecuteContextC(ctx)
	if a.store != nil {
		a.store.Close()
	}
	if err == nil {
		return ExitOK
	}
	return report(err, wantsJSON(ran, args), env.Stdout, env.Stderr)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "two-factor",
		Short: "Administer two-factor authentication: users, authenticator apps, hardware tokens, backup codes",
		Long: `two-factor keeps your organisation's second factors (TOTP/HOTP authenticator
apps, hardware tokens and backup codes) in an embedded, encrypted store, and
verifies codes for logins and scripts.

Bare two-factor on a terminal opens the console.

Exit codes: 0 done (code accepted); 1 rejected, not found, a conflict or no
match; 2 usage or environment error. With --json, a failure prints
{"error": {"message", "code", "kind"}} on standard output.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			a.running = cmd
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.wantsConsole() {
				return a.runConsole(cmd)
			}
			return cmd.Help()
		},
	}
	// Any non-empty Version makes cobra offer --version; the template
	// prints the real one, read only then (see currentBuildInfo).
	root.Version = "two-factor"
	root.SetVersionTemplate("{{buildVersion}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbPath, "db", "", "store file (default $TWO_FACTOR_DB, else "+displayDefault(defaultDBPath(os.Getenv))+")")
	pf.StringVar(&a.djangoPath, "django", "", "a Django site's SQLite database (db.sqlite3) to administer in place; also TWO_FACTOR_DB=django:PATH")
	pf.StringVar(&a.keyPath, "key-file", "", "master key file (default $TWO_FACTOR_KEY_FILE, else "+displayDefault(defaultKeyPath(os.Getenv))+")")
	pf.StringVar(&a.theme, "theme", "", themeFlagHelp)
	root.AddCommand(
		a.initCommand(),
		a.statusCommand(),
		a.disableCommand(),
		a.userCommand(),
		a.deviceCommand(),
		a.enrollCommand(),
		a.backupCodesCommand(),
		a.verifyCommand(),
		a.resyncCommand(),
		a.auditCommand(),
		a.driftCommand(),
		a.rekeyCommand(),
		a.configCommand(),
		a.importCommand(),
		a.tokensCommand(),
		a.exportCommand(),
		a.versionCommand(),
		a.nfcCommand(),
		a.burnCommand(),
		a.serveCommand(),
		a.apiClientCommand(),
	)
	root.AddCommand(a.assignCommands()...)
	root.AddCommand(a.pamVerifyCommand())
	markBodyErrors(root)
	a.registerCompletion(root)
	return root
}

func displayDefault(p string) string {
	if p == "" {
		return "none without HOME"
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		if rel, err := filepath.Rel(home, p); err == nil && !filepath.IsAbs(rel) && rel[0] != '.' {
			return filepath.Join("~", rel)
		}
	}
	return p
}

// defaultDBPath is $XDG_DATA_HOME/two-factor/two-factor.db.
func defaultDBPath(getenv func(string) string) string {
	if xdgDir(getenv, "XDG_DATA_HOME", ".local/share") == "" {
		return ""
	}
	return filepath.Join(xdgDir(getenv, "XDG_DATA_HOME", ".local/share"), "two-factor", "two-factor.db")
}

// defaultKeyPath is $XDG_CONFIG_HOME/two-factor/master.key: apart from the
// data, so a copy of the data directory is not a copy of every seed.
func defaultKeyPath(getenv func(string) string) string {
	if xdgDir(getenv, "XDG_CONFIG_HOME", ".config") == "" {
		return ""
	}
	return filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", ".config"), "two-factor", "master.key")
}

// xdgDir is $env, else $HOME/fallback, else "": without an absolute HOME
// there is no default, never one relative to the working directory (a
// process started by PAM or systemd has no HOME and runs in /).
func xdgDir(getenv func(string) string, env, fallback string) string {
	if d := getenv(env); filepath.IsAbs(d) {
		return d
	}
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, fallback)
}

// paths resolves the store and key file, and whether the store is the
// default one (which is created on first use; a named one must exist).
func (a *app) paths() (dbPath, keyPath string, isDefault bool) {
	if p, ok := a.djangoTarget(); ok {
		return p, a.djangoKeyPath(p), false
	}
	dbPath, keyPath = a.dbPath, a.keyPath
	if dbPath == "" {
		dbPath = a.env.Getenv("TWO_FACTOR_DB")
	}
	if dbPath == "" {
		dbPath, isDefault = defaultDBPath(a.env.Getenv), true
	}
	if keyPath == "" {
		keyPath = a.env.Getenv("TWO_FACTOR_KEY_FILE")
	}
	if keyPath == "" {
		keyPath = defaultKeyPath(a.env.Getenv)
	}
	return dbPath, keyPath, isDefault
}

// errNoDefaultPaths is a store or key file asked for where there is no
// HOME (nor XDG directory) to put the default one.
var errNoDefaultPaths = errors.New("no store named and no HOME to find the default one: give --db and --key-file (or TWO_FACTOR_DB and TWO_FACTOR_KEY_FILE)")

// open opens the store once per run.
func (a *app) open(ctx context.Context, create bool) (*service.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	if p, ok := a.djangoTarget(); ok {
		return a.openDjango(ctx, p)
	}
	dbPath, keyPath, isDefault := a.paths()
	if dbPath == "" || keyPath == "" {
		return nil, &markedError{kindEnvironment, errNoDefaultPaths}
	}
	opt := a.storeOptions(keyPath, create || isDefault)
	// init (create) says what it made itself.
	firstUse := isDefault && !create && opt.Create && !exists(dbPath)
	st, err := db.Open(ctx, dbPath, opt)
	if err != nil {
		return nil, err
	}
	if firstUse {
		// Said aloud because the default follows HOME: run as another
		// account (sudo -u two-factor ...) without --db, a command would
		// otherwise quietly work on a new, empty store of that account's
		// while the verifier keeps using its own.
		fmt.Fprintf(a.env.Stderr, "two-factor: created a new, empty store %s (the default for this account; --db or TWO_FACTOR_DB names another)\n", safe(dbPath))
	}
	return a.serveFrom(st), nil
}

// exists says whether anything is at path (a store about to be created
// is one that is not).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// serveFrom makes the command's service on the store it opened, keeping
// the store to close when the command ends.
func (a *app) serveFrom(st db.Store) *service.Service {
	a.store = st
	a.svc = service.New(st)
	a.svc.Now = a.env.Now
	return a.svc
}

// storeOptions is how this command opens the store.
func (a *app) storeOptions(keyPath string, create bool) db.Options {
	opt := db.Options{KeyFile: keyPath, Create: create, Now: a.env.Now, KeepWAL: a.loginCheck, GroupCommit: a.serving}
	if a.completing {
		opt.Create, opt.BusyTimeout = false, completionBusyWait
	}
	return opt
}

func (a *app) service(cmd *cobra.Command) (*service.Service, error) {
	return a.open(cmd.Context(), false)
}

// printJSON writes v as indented JSON, with every rune a terminal would
// act on escaped by termsafe (encoding/json alone lets C1 controls through).
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(termsafe.JSON(b), '\n'))
	return err
}

// safe is termsafe.Clean under a short name: every string from the store
// goes through it before it reaches a terminal.
func safe(s string) string { return termsafe.Clean(s) }

func jsonFlag(cmd *cobra.Command, target *bool) {
	cmd.Flags().BoolVar(target, "json", false, `print JSON (snake_case keys; a failure prints {"error": {"message", "code", "kind"}})`)
}

// printResult prints what a command did: v as JSON with --json, else the
// human text (whose store text the caller has made safe).
func printResult(cmd *cobra.Command, asJSON bool, v any, format string, args ...any) error {
	if asJSON {
		return printJSON(cmd.OutOrStdout(), v)
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), format, args...)
	return err
}

// withService adapts a command body that needs the store, opening it first.
func (a *app) withService(fn func(cmd *cobra.Command, args []string, svc *service.Service) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		svc, err := a.service(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, args, svc)
	}
}
