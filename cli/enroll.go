package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
)

// confirmAttempts is how many wrong first codes enroll accepts before it
// gives up (and stores nothing).
const confirmAttempts = 3

func (a *app) enrollCommand() *cobra.Command {
	var (
		opt                         service.EnrollOptions
		hotp, token, hexSeed, noQR  bool
		allowShortSeed, asJSON      bool
		serial, model, manufacturer string
		algorithm                   string
		digits                      int
		period                      int64
		counter                     uint64
	)
	cmd := &cobra.Command{
		Use:   "enroll USER",
		Short: "Enroll an authenticator app (default), a HOTP app or a hardware token",
		Long: `Enrolls a second factor for USER and waits for its first code to confirm it.

For an authenticator app it prints a QR code to scan and the secret in
groups of four, in 24 lines (with --no-qr: the otpauth URI and the secret).
The code is drawn black on white, so it scans on a dark or light terminal;
under NO_COLOR it is drawn for a dark background, or a light one with
--theme light. For a hardware token (--token) it reads the
token's seed from standard input (without echo on a terminal; never from the
command line, where other users could see it). Nothing is stored until a
correct code confirms the device, so an abandoned enrollment leaves nothing
behind.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			user := args[0]
			if hotp {
				opt.Kind = devices.HOTP
			}
			if token {
				spec, err := a.tokenSpec(hotp, hexSeed, serial, model, manufacturer, algorithm, digits, period, counter)
				if err != nil {
					return err
				}
				spec.AllowShortSeed = allowShortSeed
				opt.Token = spec
			}
			e, err := svc.StartEnrollment(cmd.Context(), user, opt)
			if err != nil {
				return addUserHint(shortSeedHint(err), user)
			}
			// With --json, stdout carries only the result; what a person
			// needs meanwhile (QR code, URI, prompt) goes to stderr.
			out := progressOut(cmd, asJSON)
			if e.URI != "" && noQR {
				fmt.Fprintf(out, "Enrolling %s for %s.\n\n", e.Device.KindLabel(), safe(user))
				fmt.Fprintf(out, "URI:    %s\n", e.URI)
				fmt.Fprintf(out, "Secret: %s\n\n", otpcore.GroupBase32(otpcore.EncodeBase32(e.Device.Secret)))
			} else if e.URI != "" {
				a.printQR(out, e, user)
			} else {
				fmt.Fprintf(out, "Enrolling %s serial %s for %s.\n", e.Device.KindLabel(), safe(e.Device.Serial), safe(user))
			}
			d, err := a.confirmEnrollment(cmd, out, svc, e, opt.CreateUser)
			if err != nil || !asJSON {
				return err
			}
			return printJSON(cmd.OutOrStdout(), map[string]any{"user": e.User, "device_id": d.ID, "device": d.Name, "kind": d.Kind, "serial": d.Serial, "confirmed": true})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&opt.Name, "name", "", "device name (default: authenticator, hotp or token)")
	f.BoolVar(&opt.CreateUser, "create-user", false, "add the user if they do not exist")
	f.BoolVar(&hotp, "hotp", false, "counter-based (HOTP) instead of time-based")
	f.BoolVar(&noQR, "no-qr", false, "do not draw the QR code")
	f.BoolVar(&token, "token", false, "a hardware token whose seed you have (read from standard input)")
	f.StringVar(&serial, "serial", "", "hardware token serial number (with --token)")
	f.StringVar(&model, "model", "", "hardware token model (with --token)")
	f.StringVar(&manufacturer, "manufacturer", "", "hardware token manufacturer (with --token)")
	f.BoolVar(&hexSeed, "hex", false, "the seed is hexadecimal, not base32 (with --token)")
	f.StringVar(&algorithm, "algorithm", "SHA1", "hash of the token: SHA1, SHA256 or SHA512 (with --token)")
	f.IntVar(&digits, "digits", 6, "code length of the token, 6 to 8 (with --token)")
	f.Int64Var(&period, "period", 30, "TOTP step of the token in seconds (with --token)")
	f.Uint64Var(&counter, "counter", 0, "HOTP token's next counter (with --token --hotp)")
	allowShortSeedFlag(cmd, &allowShortSeed)
	jsonFlag(cmd, &asJSON)
	return cmd
}

// allowShortSeedFlag adds --allow-short-seed, shared by enroll and import.
func allowShortSeedFlag(cmd *cobra.Command, allow *bool) {
	cmd.Flags().BoolVar(allow, "allow-short-seed", false,
		"accept a seed shorter than 128 bits, for a legacy token that really has one (recorded in the audit log)")
}

// addUserHint says how to go on when enroll names a user not yet added:
// the README's service section once enrolled before adding, and the bare
// "does not exist" left the administrator to find --create-user.
func addUserHint(err error, user string) error {
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w; add them first (two-factor user add %s) or pass --create-user", err, safe(shellWord(user)))
	}
	return err
}

// shortSeedHint tells an administrator how to accept a short seed on
// purpose.
func shortSeedHint(err error) error {
	if errors.Is(err, devices.ErrShortSeed) {
		return fmt.Errorf("%w; pass --allow-short-seed if the token really has a seed this short", err)
	}
	return err
}

func (a *app) tokenSpec(hotp, hexSeed bool, serial, model, manufacturer, algorithm string, digits int, period int64, counter uint64) (*devices.TokenSpec, error) {
	if serial == "" {
		return nil, usageErrorf("--token needs --serial")
	}
	alg, err := otpcore.ParseAlgorithm(algorithm)
	if err != nil {
		return nil, err
	}
	if err := otpcore.ValidateDigits(digits); err != nil {
		return nil, err
	}
	if period <= 0 {
		return nil, usageErrorf("--period must be a positive number of seconds, got %d", period)
	}
	text, err := a.readSecret("Token seed (base32, or hex with --hex): ")
	if err != nil {
		return nil, err
	}
	decode := otpcore.DecodeBase32
	if hexSeed {
		decode = otpcore.DecodeHex
	}
	seed, err := decode(text)
	if err != nil {
		return nil, err
	}
	spec := &devices.TokenSpec{
		Kind: devices.TOTP, Serial: serial, Model: model, Manufacturer: manufacturer,
		SeedSource: devices.SeedFactory, Algorithm: alg, Digits: digits, Step: period, Secret: seed,
	}
	if hotp {
		spec.Kind, spec.Step, spec.Counter = devices.HOTP, 0, counter
	}
	return spec, nil
}

// confirmEnrollment asks for the first code on out and stores the device
// once a code is right.
func (a *app) confirmEnrollment(cmd *cobra.Command, out io.Writer, svc *service.Service, e *service.Enrollment, createUser bool) (*devices.Device, error) {
	r, err := a.askFirstCode(out, "Enter the code it shows to confirm: ", func(code string) (service.VerifyResult, error) {
		return svc.Confirm(cmd.Context(), e, code, createUser)
	})
	switch {
	case errors.Is(err, errNoCode):
		return nil, rejected(errors.New("enrollment cancelled; nothing was stored"))
	case errors.Is(err, errWrongCodes):
		return nil, rejected(fmt.Errorf("%d wrong codes; enrollment cancelled, nothing was stored", confirmAttempts))
	case err != nil:
		return nil, err
	}
	fmt.Fprintf(out, "Confirmed: %s now has %s %q (device %d).\n", safe(e.User), r.Device.KindLabel(), safe(r.Device.Name), r.Device.ID)
	return r.Device, nil
}

// errNoCode (empty answer or end of input) and errWrongCodes
// (confirmAttempts wrong codes) end askFirstCode without a device; the
// caller says what that leaves behind.
var (
	errNoCode     = errors.New("no code given")
	errWrongCodes = errors.New("too many wrong codes")
)

// askFirstCode asks for a device's first code until check accepts one, up
// to confirmAttempts times.
func (a *app) askFirstCode(out io.Writer, prompt string, check func(code string) (service.VerifyResult, error)) (service.VerifyResult, error) {
	for attempt := 1; attempt <= confirmAttempts; attempt++ {
		fmt.Fprint(out, prompt)
		line, err := a.lines().readLine()
		if errors.Is(err, io.EOF) || (err == nil && strings.TrimSpace(line) == "") {
			fmt.Fprintln(out)
			return service.VerifyResult{}, errNoCode
		}
		if err != nil {
			return service.VerifyResult{}, err
		}
		r, err := check(line)
		if errors.Is(err, devices.ErrMalformedCode) {
			fmt.Fprintln(out, safe(err.Error()))
			continue
		}
		if err != nil {
			return service.VerifyResult{}, err
		}
		if r.Accepted() {
			return r, nil
		}
		fmt.Fprintln(out, "That code is not right; check the device's clock and try again.")
	}
	return service.VerifyResult{}, errWrongCodes
}

func (a *app) backupCodesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backup-codes USER",
		Short: "Generate (or replace) a user's 10 single-use backup codes and show them once",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string, svc *service.Service) error {
			codes, err := svc.BackupCodes(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"user": args[0], "codes": codes})
			}
			plain, err := svc.BackupCodesKeptPlain(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if plain {
				// A Django site keeps its static tokens as typed: its admin
				// and two-factor-auth's page can show them again.
				fmt.Fprintf(out, "Backup codes for %s. Each works once. The site keeps them as typed (django-otp static tokens):\n", safe(args[0]))
			} else {
				fmt.Fprintf(out, "Backup codes for %s. Each works once. They are shown only now:\n", safe(args[0]))
			}
			fmt.Fprintln(out, "store them somewhere safe; any earlier codes no longer work.")
			for i, c := range codes {
				fmt.Fprintf(out, "  %2d. %s\n", i+1, c)
			}
			return nil
		}),
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}
