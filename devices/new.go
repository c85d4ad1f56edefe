package devices

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// NewSecret returns a random seed of the length RFC 4226 recommends for the
// algorithm's hash (20 bytes for SHA-1, 32 for SHA-256, 64 for SHA-512).
func NewSecret(alg otpcore.Algorithm) ([]byte, error) {
	n := map[otpcore.Algorithm]int{otpcore.SHA1: 20, otpcore.SHA256: 32, otpcore.SHA512: 64}[alg]
	if n == 0 {
		n = 20
	}
	b := make([]byte, n)
	_, err := rand.Read(b)
	return b, err
}

// NewAuthenticatorApp makes an unconfirmed TOTP device with a fresh seed,
// SHA-1, six digits and 30-second steps: the parameters every authenticator
// app supports. It is confirmed by the first good code.
func NewAuthenticatorApp(name string, s Settings, now time.Time) (*Device, error) {
	secret, err := NewSecret(otpcore.SHA1)
	if err != nil {
		return nil, err
	}
	d := &Device{
		Name: name, Kind: TOTP, SeedSource: SeedGenerated,
		Algorithm: otpcore.SHA1, Digits: 6, Step: 30, Secret: secret,
		Tolerance: s.Tolerance, Enabled: true, LastStep: otpcore.NoFloor, Created: now,
	}
	return d, d.Validate()
}

// NewHOTPApp makes an unconfirmed counter-based device with a fresh seed.
func NewHOTPApp(name string, s Settings, now time.Time) (*Device, error) {
	secret, err := NewSecret(otpcore.SHA1)
	if err != nil {
		return nil, err
	}
	d := &Device{
		Name: name, Kind: HOTP, SeedSource: SeedGenerated,
		Algorithm: otpcore.SHA1, Digits: 6, Secret: secret,
		Tolerance: s.HOTPTolerance, Enabled: true, LastStep: otpcore.NoFloor, Created: now,
	}
	return d, d.Validate()
}

// TokenSpec describes a hardware token whose seed is known (from the
// vendor's seed file, typed in, or programmed here).
type TokenSpec struct {
	Kind         Kind // TOTP or HOTP
	Serial       string
	Model        string
	Manufacturer string
	SeedSource   SeedSource
	Algorithm    otpcore.Algorithm
	Digits       int
	Step         int64
	T0           int64
	Counter      uint64
	Drift        int64
	Secret       []byte
	// AllowShortSeed accepts a seed shorter than MinSeedLen, for a legacy
	// token that really has one. The caller records it in the audit log
	// (see ShortSeedNote).
	AllowShortSeed bool
}

// MinSeedLen is the shortest seed, in bytes, a device may be created
// with: RFC 4226 section 4 requires 128 bits (and recommends 160). It is
// checked when a device is made from a seed, not in Validate, so devices
// stored before the rule keep working.
const MinSeedLen = 16

// ErrShortSeed is returned for a seed shorter than MinSeedLen without
// TokenSpec.AllowShortSeed.
var ErrShortSeed = errors.New("seed too short")

// checkSeedLen refuses a short seed unless the spec allows it. The
// message gives the length, never the seed.
func (spec TokenSpec) checkSeedLen() error {
	n := len(spec.Secret)
	if n == 0 || n >= MinSeedLen || spec.AllowShortSeed {
		return nil // an empty seed is Validate's to refuse
	}
	return fmt.Errorf("%w: the seed is %d bytes (%d bits); RFC 4226 requires at least %d bytes (%d bits), and recommends 20 (160 bits)",
		ErrShortSeed, n, 8*n, MinSeedLen, 8*MinSeedLen)
}

// ShortSeedNote is the audit detail for a device created with a seed
// shorter than MinSeedLen (only possible with TokenSpec.AllowShortSeed),
// or "" for any other device.
func (d *Device) ShortSeedNote() string {
	if !d.Kind.IsOTP() || len(d.Secret) >= MinSeedLen {
		return ""
	}
	return fmt.Sprintf("short seed (%d bits) allowed by --allow-short-seed", 8*len(d.Secret))
}

// NewHardwareToken makes a hardware token device from its spec. A token
// assigned to a user is confirmed by its first good code, like an app.
func NewHardwareToken(name string, spec TokenSpec, s Settings, now time.Time) (*Device, error) {
	if spec.SeedSource == "" {
		spec.SeedSource = SeedFactory
	}
	return fromSpec(name, spec, true, s, now)
}

// NewImportedSeed makes an authenticator device from a seed migrated from
// another system (an otpauth URI): the parameters are the seed's, the
// rest as for any new device.
func NewImportedSeed(name string, spec TokenSpec, s Settings, now time.Time) (*Device, error) {
	spec.Serial, spec.Model, spec.Manufacturer, spec.SeedSource = "", "", "", SeedImported
	return fromSpec(name, spec, false, s, now)
}

func fromSpec(name string, spec TokenSpec, hardware bool, s Settings, now time.Time) (*Device, error) {
	if err := spec.checkSeedLen(); err != nil {
		return nil, err
	}
	tol := s.Tolerance
	if spec.Kind == HOTP {
		tol = s.HOTPTolerance
	}
	d := &Device{
		Name: name, Kind: spec.Kind, Hardware: hardware,
		Serial: spec.Serial, Model: spec.Model, Manufacturer: spec.Manufacturer, SeedSource: spec.SeedSource,
		Algorithm: spec.Algorithm, Digits: spec.Digits, Step: spec.Step, T0: spec.T0,
		Counter: spec.Counter, Drift: spec.Drift, Secret: spec.Secret,
		Tolerance: tol, Enabled: true, LastStep: otpcore.NoFloor, Created: now,
	}
	if d.Kind == HOTP {
		// A counter-based token has no clock.
		d.Step, d.T0, d.Drift = 0, 0, 0
	}
	return d, d.Validate()
}
