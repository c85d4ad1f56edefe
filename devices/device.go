// Package devices holds what a second factor is and the rules it obeys:
// verification with tolerance, drift follow-up and a replay floor,
// throttling and lockout, confirmation on the first good code, resync and
// single-use backup codes. It works on plain structs and hands the store the
// new state to persist; it never touches SQL or the terminal.
package devices

import (
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/two-factor/two-factor/otpcore"
)

// Kind is what sort of second factor a device is.
type Kind string

const (
	TOTP   Kind = "totp"   // time-based: authenticator app or hardware token
	HOTP   Kind = "hotp"   // counter-based: app or hardware token
	Backup Kind = "backup" // a set of single-use backup codes
	// Phone is django-two-factor-auth's SMS/call device, listed from a
	// Django site's database but never verified or changed here: its codes
	// go out by text message or call, which two-factor cannot send.
	Phone Kind = "phone"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == TOTP || k == HOTP || k == Backup || k == Phone }

// IsOTP reports whether the device produces numeric one-time codes.
func (k Kind) IsOTP() bool { return k == TOTP || k == HOTP }

// SeedSource records where a hardware token's seed came from.
type SeedSource string

const (
	SeedGenerated  SeedSource = "generated"  // made here for an authenticator app
	SeedProgrammed SeedSource = "programmed" // made here and written into a programmable token
	SeedFactory    SeedSource = "factory"    // imported from the vendor's seed file
	SeedImported   SeedSource = "imported"   // an authenticator seed migrated from another system
)

// Device is one second factor, with its secret decrypted. Fields after
// "state" change as the device is used; the store persists them together.
type Device struct {
	ID     int64
	UserID int64  // 0 while a hardware token sits unassigned in the inventory
	User   string // the user's name, for display; filled by the store
	Name   string
	Kind   Kind

	Hardware     bool
	Serial       string
	Model        string
	Manufacturer string
	SeedSource   SeedSource

	Algorithm otpcore.Algorithm
	Digits    int
	Step      int64 // TOTP step in seconds
	T0        int64 // TOTP epoch start, Unix seconds
	Secret    []byte
	// Keyed is, for a TOTP or HOTP device, its HMAC already keyed with
	// Secret (otpcore's keyed state). A store may hand a device to a
	// verification with Keyed and without Secret, so a login need not
	// decrypt the seed nor hash it; it computes every code the seed does,
	// so it is kept, wiped and never shown like the seed.
	Keyed     []byte
	Tolerance int // TOTP: steps either side; HOTP: counters ahead

	Created time.Time

	// state
	Confirmed   bool
	Enabled     bool
	Drift       int64  // TOTP: steps the token runs ahead of us
	LastStep    int64  // TOTP replay floor: the last accepted step, otpcore.NoFloor if none
	Counter     uint64 // HOTP: the next counter expected
	Failures    int
	LastFailure time.Time
	LockedOut   bool
	LastUsed    time.Time
	Retired     time.Time // hardware token taken out of service; zero if in service

	// Backup devices: the remaining codes, hashed.
	Codes []BackupCode

	// PhoneNumber is a Phone device's number, masked by the store (the
	// country code and last two digits kept), never the number itself.
	PhoneNumber string
}

// MaxNameLen bounds user names, device names and serials.
const MaxNameLen = 64

// MaxTolerance bounds the verification window. Each extra step of tolerance
// multiplies the chance of a guessed code being accepted.
const MaxTolerance = 20

// ValidateName checks a user name, device name or serial as it is typed:
// not empty, not too long, valid UTF-8 and free of control characters (so
// nothing stored can later drive an administrator's terminal).
func ValidateName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("%s is %d bytes long; at most %d are allowed", what, len(s), MaxNameLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	for i, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("%s contains a control or formatting character at byte %d", what, i+1)
		}
	}
	return nil
}

// Validate checks a device's configuration before it is stored.
func (d *Device) Validate() error {
	if !d.Kind.Valid() {
		return fmt.Errorf("unknown device kind %q", string(d.Kind))
	}
	if d.Kind == Phone {
		return errors.New("phone devices belong to the Django site (django-two-factor-auth) and cannot be written here")
	}
	if err := ValidateName("device name", d.Name); err != nil {
		return err
	}
	if d.Serial != "" {
		if err := ValidateName("serial", d.Serial); err != nil {
			return err
		}
	}
	for what, s := range map[string]string{"model": d.Model, "manufacturer": d.Manufacturer} {
		if s != "" {
			if err := ValidateName(what, s); err != nil {
				return err
			}
		}
	}
	if len(d.Secret) > otpcore.MaxKeyLen {
		return fmt.Errorf("secret is %d bytes, longer than the %d-byte maximum", len(d.Secret), otpcore.MaxKeyLen)
	}
	if d.Kind == Backup {
		// A Django static device has plain tokens and no secret.
		return d.validateCodes()
	}
	if len(d.Secret) == 0 && !d.verifyOnly() {
		// A device read for a login holds only its keyed state.
		return errors.New("device has no secret")
	}
	if !d.Algorithm.Valid() {
		return fmt.Errorf("unsupported algorithm %v", d.Algorithm)
	}
	if err := otpcore.ValidateDigits(d.Digits); err != nil {
		return err
	}
	if err := d.validateState(); err != nil {
		return err
	}
	if d.Tolerance < 0 || d.Tolerance > MaxTolerance {
		return fmt.Errorf("tolerance must be between 0 and %d, got %d", MaxTolerance, d.Tolerance)
	}
	return nil
}

// validateState checks the time parameters and the counter or drift
// against the bounds in otpcore, so that no path (a seed file, a typed
// flag, a console form, drift follow-up) stores a value that would
// overflow or wrap later.
func (d *Device) validateState() error {
	if d.Kind == HOTP {
		return otpcore.ValidateCounter(d.Counter)
	}
	if err := (otpcore.TOTPParams{Step: d.Step, T0: d.T0}).Validate(); err != nil {
		return err
	}
	if err := otpcore.ValidateDrift(d.Drift); err != nil {
		return err
	}
	// T0 is judged against when the device was made, so a stored device
	// stays valid as time passes; one built by hand without a creation
	// time is only held to 1970 as the earliest start.
	if d.Created.IsZero() {
		return otpcore.ValidateT0NotBefore1970(d.T0)
	}
	return otpcore.ValidateT0(d.T0, d.Created.Unix())
}

// KindLabel is a short human description: "TOTP app", "HOTP token", "backup codes".
func (d *Device) KindLabel() string {
	switch d.Kind {
	case Backup:
		return "backup codes"
	case Phone:
		if d.Model == "call" {
			return "phone (calls)"
		}
		return "phone (SMS)"
	case TOTP, HOTP:
		form := "app"
		if d.Hardware {
			form = "token"
		}
		return fmt.Sprintf("%s %s", map[Kind]string{TOTP: "TOTP", HOTP: "HOTP"}[d.Kind], form)
	}
	return string(d.Kind)
}

// verifyOnly reports whether d is a stored device read for verification
// with its keyed state instead of its seed (see Keyed).
func (d *Device) verifyOnly() bool {
	return d.ID != 0 && d.Kind.IsOTP() && len(d.Keyed) > 0
}

// acquireGenerator is a pooled generator for d: restored from the keyed
// state when the store gave one, keyed from the seed otherwise.
func (d *Device) acquireGenerator() (*otpcore.Generator, error) {
	if len(d.Keyed) > 0 {
		return otpcore.AcquireKeyedGenerator(d.Algorithm, d.Keyed, d.Digits)
	}
	return otpcore.AcquireGenerator(d.Algorithm, d.Secret, d.Digits)
}

// params returns the TOTP time parameters.
func (d *Device) params() otpcore.TOTPParams {
	return otpcore.TOTPParams{Step: d.Step, T0: d.T0}
}

// generator prepares the HMAC state for this device's secret.
func (d *Device) generator() (*otpcore.Generator, error) {
	return otpcore.NewGenerator(d.Algorithm, d.Secret, d.Digits)
}

// KeyURI describes the device for an authenticator app.
func (d *Device) KeyURI(issuer, account string) otpcore.KeyURI {
	k := otpcore.KeyURI{
		Kind:      otpcore.KindTOTP,
		Issuer:    issuer,
		Account:   account,
		Secret:    d.Secret,
		Algorithm: d.Algorithm,
		Digits:    d.Digits,
		Period:    d.Step,
	}
	if d.Kind == HOTP {
		k.Kind, k.Period, k.Counter = otpcore.KindHOTP, 0, d.Counter
	}
	return k
}

// DriftSeconds is the drift expressed in seconds.
func (d *Device) DriftSeconds() int64 { return d.Drift * d.Step }
