package cli

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/inputfile"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
	"github.com/two-factor/two-factor/service"
)

func (a *app) importCommand() *cobra.Command {
	var (
		opt                       service.ImportOptions
		format, hash, pwFile, psk string
		noAssign                  bool
		asJSON                    bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import hardware tokens from a vendor seed file (Microsoft/Token2 CSV, privacyIDEA OATH CSV, PSKC, otpauth URIs)",
		Long: `Reads a seed file and adds its tokens to the inventory, in one transaction:
if anything is wrong, nothing is imported. Tokens the file assigns to a user
(the upn column, PSKC UserId, ...) are assigned to them (--create-users adds
missing users; --no-assign leaves every token in the inventory). A serial
already known is skipped, or overwritten with --replace. --dry-run shows
what would happen and changes nothing. An encrypted PSKC file asks for its
password on a terminal, or takes it from --password-file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opt.Parse.Format, err = seedfile.ParseFormat(format); err != nil {
				return err
			}
			if hash != "" {
				if opt.Parse.Algorithm, err = otpcore.ParseAlgorithm(hash); err != nil {
					return err
				}
			}
			if pwFile != "" {
				if opt.Parse.Password, err = a.secretFileLine(pwFile); err != nil {
					return err
				}
			}
			if psk != "" {
				text, err := a.secretFileLine(psk)
				if err != nil {
					return err
				}
				if opt.Parse.Key, err = otpcore.DecodeHex(text); err != nil {
					return fmt.Errorf("pre-shared key in %s: %w", psk, err)
				}
			}
			opt.Assign = !noAssign
			data, err := inputfile.Read(args[0], seedfile.DefaultMaxBytes)
			if err != nil {
				return err
			}
			svc, err := a.service(cmd)
			if err != nil {
				return err
			}
			results, err := svc.Import(cmd.Context(), bytes.NewReader(data), opt)
			if errors.Is(err, seedfile.ErrPasswordRequired) && a.env.IsTerminal() {
				if opt.Parse.Password, err = a.readSecret("Password of " + args[0] + ": "); err != nil {
					return err
				}
				results, err = svc.Import(cmd.Context(), bytes.NewReader(data), opt)
			}
			if err != nil {
				return fmt.Errorf("import %s: %w; nothing was imported", args[0], shortSeedHint(err))
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), importJSON(results, opt.DryRun))
			}
			counts := map[db.ImportAction]int{}
			out := cmd.OutOrStdout()
			for _, r := range results {
				counts[r.Action]++
				line := fmt.Sprintf("%-8s %s", r.Action, safe(r.Serial))
				if r.User != "" {
					line += " -> " + safe(r.User)
				}
				if r.Reason != "" {
					line += " (" + safe(r.Reason) + ")" // names a user and device from the store
				}
				fmt.Fprintln(out, line)
			}
			verb := "imported"
			if opt.DryRun {
				verb = "would import (dry run: nothing changed)"
			}
			fmt.Fprintf(out, "%s %d token(s): %d added, %d replaced, %d skipped\n", verb,
				len(results), counts[db.ImportAdded], counts[db.ImportReplaced], counts[db.ImportSkipped])
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "auto", "azure, oathcsv, pskc, otpauth, csv, or auto (detect)")
	f.BoolVar(&opt.DryRun, "dry-run", false, "show what would be imported; change nothing")
	f.BoolVar(&opt.Replace, "replace", false, "overwrite tokens whose serial is already known")
	f.BoolVar(&opt.CreateUsers, "create-users", false, "add users the file names that do not exist")
	f.BoolVar(&noAssign, "no-assign", false, "put every token in the inventory, ignoring users named in the file")
	f.StringVar(&hash, "hash", "", "hash for files that do not state it (default: SHA1 for seeds up to 20 bytes, SHA256 above)")
	f.StringVar(&pwFile, "password-file", "", "file whose first line is the PSKC password")
	f.StringVar(&psk, "psk-file", "", "file whose first line is the PSKC pre-shared key in hex")
	allowShortSeedFlag(cmd, &opt.AllowShortSeed)
	jsonFlag(cmd, &asJSON)
	return cmd
}

// importJSON is the JSON form of an import's results.
func importJSON(results []db.ImportResult, dryRun bool) any {
	type row struct {
		Origin string `json:"origin,omitempty"`
		Serial string `json:"serial"`
		Action string `json:"action"`
		User   string `json:"user,omitempty"`
		Reason string `json:"reason,omitempty"`
	}
	rows := make([]row, len(results))
	for i, r := range results {
		rows[i] = row{r.Origin, r.Serial, string(r.Action), r.User, r.Reason}
	}
	return map[string]any{"dry_run": dryRun, "tokens": rows}
}

// tokenChangeJSON is the JSON form of a change to an inventory token.
type tokenChangeJSON struct {
	Serial string `json:"serial"`
	User   string `json:"user,omitempty"`
	Change string `json:"change"` // assigned, unassigned, retired
}

// tokenState says where a token stands, with the day a retired one left
// service.
func tokenState(d *devices.Device) string {
	st := devices.TokenStateOf(d)
	if st == devices.TokenRetired {
		return "retired " + d.Retired.Local().Format("2006-01-02")
	}
	return st.String()
}

func (a *app) tokensCommand() *cobra.Command {
	var (
		f      db.TokenFilter
		all    bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "List hardware tokens in the inventory (unassigned; --all for every token)",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			f.Unassigned = !all
			toks, err := svc.Tokens(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				type row struct {
					Serial       string    `json:"serial"`
					Kind         string    `json:"kind"`
					Model        string    `json:"model,omitempty"`
					Manufacturer string    `json:"manufacturer,omitempty"`
					Algorithm    string    `json:"algorithm"`
					Digits       int       `json:"digits"`
					Step         int64     `json:"step,omitempty"`
					User         string    `json:"user,omitempty"`
					State        string    `json:"state"`
					Imported     time.Time `json:"imported"`
				}
				out := make([]row, len(toks))
				for i, d := range toks {
					out[i] = row{d.Serial, string(d.Kind), d.Model, d.Manufacturer, d.Algorithm.String(), d.Digits, d.Step, d.User, tokenState(d), d.Created}
				}
				return printJSON(cmd.OutOrStdout(), out)
			}
			if len(toks) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no tokens in the inventory; add some with: two-factor import FILE")
				return nil
			}
			t := newTable(cmd.OutOrStdout(), "SERIAL", "KIND", "MODEL", "MANUFACTURER", "HASH", "STEP", "USER", "STATE", "IMPORTED")
			for _, d := range toks {
				step := "-"
				if d.Kind == devices.TOTP {
					step = fmt.Sprintf("%ds", d.Step)
				}
				t.row(safe(d.Serial), d.KindLabel(), dash(safe(d.Model)), dash(safe(d.Manufacturer)), d.Algorithm.String(), step,
					dash(safe(d.User)), tokenState(d), d.Created.Local().Format("2006-01-02"))
			}
			return t.flush()
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "include assigned tokens")
	cmd.Flags().BoolVar(&f.Retired, "retired", false, "include retired tokens")
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (a *app) assignCommands() []*cobra.Command {
	var assignJSON, unassignJSON, retireJSON, retireYes bool
	assign := &cobra.Command{
		Use:   "assign SERIAL USER",
		Short: "Give an inventory token to a user (active at once)",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.AssignToken(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return printResult(cmd, assignJSON, tokenChangeJSON{args[0], args[1], "assigned"},
				"token %s assigned to %s\n", safe(args[0]), safe(args[1]))
		}),
	}
	jsonFlag(assign, &assignJSON)
	unassign := &cobra.Command{
		Use:   "unassign SERIAL",
		Short: "Take a token back from its user into the inventory",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if err := svc.UnassignToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			return printResult(cmd, unassignJSON, tokenChangeJSON{Serial: args[0], Change: "unassigned"},
				"token %s is back in the inventory\n", safe(args[0]))
		}),
	}
	jsonFlag(unassign, &unassignJSON)
	retire := &cobra.Command{
		Use:   "retire SERIAL",
		Short: "Take a token out of service for good (lost, broken, flat battery)",
		Long: `Takes a token away from its user and out of the inventory for good: it can
never be assigned again. Asks first on a terminal; scripts pass --yes.
Audited.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			if !retireYes {
				if err := a.confirm(fmt.Sprintf("Retire token %s for good (it can never be assigned again)?", safe(args[0]))); err != nil {
					return err
				}
			}
			if err := svc.RetireToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			return printResult(cmd, retireJSON, tokenChangeJSON{Serial: args[0], Change: "retired"},
				"token %s retired\n", safe(args[0]))
		}),
	}
	retire.Flags().BoolVarP(&retireYes, "yes", "y", false, "do not ask for confirmation")
	jsonFlag(retire, &retireJSON)
	var all, asJSON bool
	identify := &cobra.Command{
		Use:   "identify CODE1 CODE2 [CODE3]",
		Short: "Find which token is in your hand from two consecutive codes",
		Long: `Searches the unassigned tokens (--all: every token) for the one showing these
consecutive codes, within a few steps of its known drift. Exit 1 if none
matches.`,
		Args: cobra.RangeArgs(2, 3),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			found, err := svc.Identify(cmd.Context(), args, all)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				where := "unassigned tokens"
				if all {
					where = "tokens"
				}
				return noMatch(fmt.Errorf("no %s show these codes", where))
			}
			if asJSON {
				type row struct {
					Serial string `json:"serial"`
					User   string `json:"user,omitempty"`
					Drift  int64  `json:"drift_steps"`
				}
				out := make([]row, len(found))
				for i, f := range found {
					out[i] = row{f.Token.Serial, f.Token.User, f.Match.Drift}
				}
				if err := printJSON(cmd.OutOrStdout(), out); err != nil {
					return err
				}
			} else {
				for _, f := range found {
					owner := "unassigned"
					if f.Token.User != "" {
						owner = "assigned to " + safe(f.Token.User)
					}
					drift := fmt.Sprintf("%+d counters", f.Match.Drift)
					if f.Token.Kind == devices.TOTP {
						drift = "its clock " + devices.DriftSteps(f.Match.Drift, f.Token.Step)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s (%s, %s), %s\n", safe(f.Token.Serial), f.Token.KindLabel(), owner, drift)
				}
				if len(found) > 1 {
					fmt.Fprintln(cmd.OutOrStdout(), "several tokens match; run again with a third consecutive code")
				}
			}
			return nil
		}),
	}
	identify.Flags().BoolVar(&all, "all", false, "search assigned tokens too")
	jsonFlag(identify, &asJSON)
	return []*cobra.Command{assign, unassign, retire, identify}
}

func (a *app) exportCommand() *cobra.Command {
	var (
		format, output, pwFile string
		plaintext, generate    bool
		asJSON                 bool
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export every hardware token (seeds, counters, drift, owner) for backup or migration",
		Long: `Writes every hardware token in service, with its seed, counter, drift and
owner, as PSKC encrypted with a password (PBKDF2 + AES-CBC + HMAC) by
default. The password, at least 12 characters, comes from --password-file
(a warning is printed if other users can read that file) or is asked twice
on a terminal; --generate-password makes a random 120-bit passphrase and
shows it once on standard error. --plaintext writes the seeds in the clear (PSKC or CSV) and must
be asked for. --output files are created mode 0600. "two-factor import"
restores an export exactly.

In CSV, a serial, manufacturer, model, user or issuer that starts with
= + - @ (which a spreadsheet would run as a formula) or with a single quote
is written with a single quote in front, so a spreadsheet shows it as text;
"two-factor import" removes that quote again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := seedfile.ParseFormat(format)
			if err != nil {
				return err
			}
			if f != seedfile.FormatPSKC && f != seedfile.FormatCSV {
				return usageErrorf("--format must be pskc or csv, got %q", format)
			}
			if f == seedfile.FormatCSV && !plaintext {
				return usageErrorf("CSV cannot be encrypted: add --plaintext to write seeds in the clear, or use --format pskc")
			}
			if plaintext && generate {
				return usageErrorf("--generate-password makes no sense with --plaintext: nothing is encrypted")
			}
			if asJSON && output == "" {
				return usageErrorf("--json describes the export and needs --output FILE for the export itself")
			}
			var password string
			if !plaintext {
				if password, err = a.exportPassword(pwFile, generate); err != nil {
					return err
				}
			}
			svc, err := a.service(cmd)
			if err != nil {
				return err
			}
			toks, err := svc.ExportTokens(cmd.Context())
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if f == seedfile.FormatCSV {
				err = seedfile.WriteCSV(&buf, toks)
			} else {
				err = seedfile.WritePSKC(&buf, toks, seedfile.PSKCWriteOptions{Password: password, Plaintext: plaintext})
			}
			if err != nil {
				return err
			}
			if plaintext {
				fmt.Fprintln(cmd.ErrOrStderr(), "WARNING: this export holds every seed in plain text; anyone who reads it can make codes for these tokens")
			}
			if err := writeOutput(cmd.OutOrStdout(), output, buf.Bytes()); err != nil {
				return err
			}
			if generate {
				if err := showPassphrase(cmd.ErrOrStderr(), password, output); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"exported": len(toks), "output": output, "format": f.String(), "encrypted": !plaintext})
			}
			if output != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d token(s) to %s\n", len(toks), safe(output))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "pskc", "pskc or csv")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file (created 0600; default standard output)")
	cmd.Flags().StringVar(&pwFile, "password-file", "", "file whose first line is the password")
	cmd.Flags().BoolVar(&generate, "generate-password", false, "encrypt with a new random passphrase, shown once on standard error")
	cmd.Flags().BoolVar(&plaintext, "plaintext", false, "write seeds unencrypted (dangerous)")
	jsonFlag(cmd, &asJSON)
	return cmd
}

// showPassphrase shows the generated passphrase of the export just written
// to output. When it cannot be shown (standard error closed or on a full
// disk) the export is removed and the command fails: nobody could ever open
// it, and kept with exit 0 it would pass for a backup.
func showPassphrase(w io.Writer, password, output string) error {
	_, err := fmt.Fprintf(w, "Export passphrase (shown only now; keep it to import this export): %s\n", password)
	if err == nil {
		return nil
	}
	if output == "" {
		return fmt.Errorf("the export passphrase could not be shown (%v): the export written to standard output cannot be opened", err)
	}
	os.Remove(output)
	return fmt.Errorf("the export passphrase could not be shown (%v), so %s was removed: nobody could open it", err, safe(output))
}

// minExportPassword is the shortest export password accepted, in
// characters: the export holds every seed, and anyone with a copy can try
// passwords offline as fast as PBKDF2 lets them.
const minExportPassword = 12

// exportPassword is the password an encrypted export is made with: from
// --password-file, made up with --generate-password (shown by the caller
// once the export is written), or typed twice on a terminal.
func (a *app) exportPassword(pwFile string, generate bool) (string, error) {
	var (
		pw  string
		err error
	)
	switch {
	case generate && pwFile != "":
		return "", usageErrorf("--generate-password and --password-file exclude each other")
	case generate:
		// Shown by the caller once the export is written: a passphrase
		// shown for an export that then failed (a file already there)
		// reads as the one of the file left from before.
		return newPassphrase()
	case pwFile != "":
		if pw, err = a.secretFileLine(pwFile); err != nil {
			return "", err
		}
	case !a.env.IsTerminal():
		return "", errors.New("an encrypted export needs a password: pass --password-file or --generate-password (or --plaintext to write seeds in the clear)")
	default:
		if pw, err = a.readSecret("Password for the export: "); err != nil {
			return "", err
		}
		again, err := a.readSecret("Again: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", errors.New("the passwords differ")
		}
	}
	if n := utf8.RuneCountInString(pw); n < minExportPassword {
		return "", fmt.Errorf("the export password must be at least %d characters (it has %d); or pass --generate-password for a strong one", minExportPassword, n)
	}
	return pw, nil
}

// newPassphrase makes a 120-bit random passphrase that is easy to copy:
// 24 base32 letters and digits in groups of four.
func newPassphrase() (string, error) {
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	text := strings.ToLower(otpcore.EncodeBase32(raw))
	groups := make([]string, 0, len(text)/4)
	for i := 0; i < len(text); i += 4 {
		groups = append(groups, text[i:i+4])
	}
	return strings.Join(groups, "-"), nil
}

// secretFileLine reads the first line of a password or key file, warning
// when other users can read the file too.
func (a *app) secretFileLine(path string) (string, error) {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(a.env.Stderr, "warning: %s can be read by other users (mode %04o); run: chmod 600 %s\n", safe(path), st.Mode().Perm(), safe(path))
	}
	line, err := firstLine(path)
	if err == nil && line == "" {
		err = fmt.Errorf("%s holds an empty first line", path)
	}
	return line, err
}

// writeOutput writes secrets to a new 0600 file, or to w.
func writeOutput(w io.Writer, path string, data []byte) error {
	if path == "" {
		_, err := w.Write(data)
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w (an export never overwrites a file)", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr // a full disk may only show on close
	}
	if err != nil {
		os.Remove(path) // no truncated export left to be mistaken for a backup
		return err
	}
	return nil
}
