package seedfile

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/two-factor/two-factor/otpcore"
)

// Token is one seed read from (or to be written to) a seed file.
//
// Readers return tokens in a normal form: a TOTP token has Counter 0; an
// HOTP token has Period, T0 and Drift 0; text fields carry no leading or
// trailing white space. Writers insist on that form (see Validate), which
// is what lets a written file read back into exactly the same tokens.
type Token struct {
	// Origin says where the token came from, for messages: "line 12",
	// `KeyPackage 3 (line 40, Key Id "ABC123")`. Writers ignore it.
	Origin string

	Serial    string
	Kind      otpcore.Kind
	Algorithm otpcore.Algorithm
	Digits    int
	Secret    []byte

	Period  int64  // TOTP step in seconds
	T0      int64  // TOTP: Unix time at which step 0 starts (PSKC <Time>)
	Counter uint64 // HOTP: the next counter value
	Drift   int64  // TOTP: clock drift in steps (PSKC <TimeDrift>)

	Manufacturer string
	Model        string
	// User is whom the token is assigned to: the upn of a Microsoft CSV,
	// the user of a privacyIDEA version 2 CSV, the PSKC UserId, the account
	// of an otpauth URI. Empty when the file does not say.
	User   string
	Issuer string
}

// DefaultPeriod is the TOTP step used when a file does not give one.
const DefaultPeriod = 30

// DefaultDigits is the code length used when a file does not give one.
const DefaultDigits = 6

// Validate reports the first problem that would make the token unusable or
// impossible to write and read back unchanged. The message never contains
// the secret.
func (t *Token) Validate() error {
	if t.Kind != otpcore.KindTOTP && t.Kind != otpcore.KindHOTP {
		return errors.New("type must be TOTP or HOTP")
	}
	if !t.Algorithm.Valid() {
		return errors.New("hash algorithm must be SHA1, SHA256 or SHA512")
	}
	if err := otpcore.ValidateDigits(t.Digits); err != nil {
		return err
	}
	if len(t.Secret) == 0 {
		return errors.New("secret is empty")
	}
	if len(t.Secret) > otpcore.MaxKeyLen {
		return fmt.Errorf("secret is %d bytes, longer than the %d-byte maximum", len(t.Secret), otpcore.MaxKeyLen)
	}
	switch t.Kind {
	case otpcore.KindTOTP:
		if t.Period <= 0 {
			return fmt.Errorf("period must be a positive number of seconds, got %d", t.Period)
		}
		if t.Counter != 0 {
			return errors.New("a TOTP token has no counter")
		}
		if err := otpcore.ValidateDrift(t.Drift); err != nil {
			return err
		}
		// Only the lower bound here: how far ahead T0 may be depends on
		// the clock, which Parse checks (checkStartTimes).
		if err := otpcore.ValidateT0NotBefore1970(t.T0); err != nil {
			return err
		}
	case otpcore.KindHOTP:
		if t.Period != 0 || t.T0 != 0 || t.Drift != 0 {
			return errors.New("an HOTP token has no period, start time or drift")
		}
		if err := otpcore.ValidateCounter(t.Counter); err != nil {
			return err
		}
	}
	for _, f := range []struct{ name, v string }{
		{"serial", t.Serial}, {"manufacturer", t.Manufacturer}, {"model", t.Model},
		{"user", t.User}, {"issuer", t.Issuer},
	} {
		if err := checkText(f.v); err != nil {
			return fmt.Errorf("%s %v", f.name, err)
		}
	}
	return nil
}

// maxTextLen bounds the descriptive fields (serial, user, ...).
const maxTextLen = 1024

// checkText accepts what every format can carry unchanged: valid UTF-8
// without control characters and without surrounding white space (readers
// trim it).
func checkText(s string) error {
	if len(s) > maxTextLen {
		return fmt.Errorf("is longer than %d bytes", maxTextLen)
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return errors.New("contains a control character")
		}
	}
	if strings.TrimSpace(s) != s {
		return errors.New("has leading or trailing white space")
	}
	return nil
}

// Error is a problem with one place in a seed file. Its message names the
// place and the problem and never contains any part of a secret.
type Error struct {
	// Where is "line 12", `KeyPackage 3 (line 40, Key Id "X")`, or empty
	// when the file as a whole is at fault.
	Where string
	Err   error
}

func (e *Error) Error() string {
	if e.Where == "" {
		return e.Err.Error()
	}
	return e.Where + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(where string, format string, a ...any) error {
	return &Error{Where: where, Err: fmt.Errorf(format, a...)}
}

// Errors a caller may want to act on (prompt for a password, say) rather
// than only print. They come wrapped in an *Error.
var (
	// ErrPasswordRequired: the PSKC file is encrypted under a
	// password-derived key and Options.Password is empty.
	ErrPasswordRequired = errors.New("the file is encrypted with a password; give the password")
	// ErrKeyRequired: the PSKC file is encrypted under a pre-shared key and
	// Options.Key is empty.
	ErrKeyRequired = errors.New("the file is encrypted with a pre-shared key; give the key")
	// ErrWrongKey: decryption failed, which almost always means a wrong
	// password or key (or a damaged file).
	ErrWrongKey = errors.New("cannot decrypt: wrong password or key, or a damaged file")
	// ErrMACMismatch: the HMAC over an encrypted value does not match.
	ErrMACMismatch = errors.New("MAC check failed: the value was altered, or the password or key is wrong")
	// ErrTooLarge: the input exceeds Options.MaxBytes or Options.MaxTokens.
	ErrTooLarge = errors.New("file too large")
)

// Format names a seed-file format.
type Format int

const (
	FormatAuto    Format = iota // detect from the content
	FormatAzure                 // Microsoft Entra hardware OATH CSV (Token2's delivery format)
	FormatOATHCSV               // privacyIDEA / LinOTP OATH CSV
	FormatPSKC                  // RFC 6030 XML
	FormatURIList               // otpauth:// URIs, one a line
	FormatCSV                   // this project's own CSV (WriteCSV)
)

var formatNames = [...]string{
	FormatAuto:    "auto",
	FormatAzure:   "azure",
	FormatOATHCSV: "oathcsv",
	FormatPSKC:    "pskc",
	FormatURIList: "otpauth",
	FormatCSV:     "csv",
}

// String returns the name ParseFormat accepts.
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Describe returns a human description of the format, for messages.
func (f Format) Describe() string {
	switch f {
	case FormatAzure:
		return "Microsoft hardware OATH CSV"
	case FormatOATHCSV:
		return "privacyIDEA/LinOTP OATH CSV"
	case FormatPSKC:
		return "PSKC (RFC 6030)"
	case FormatURIList:
		return "otpauth URI list"
	case FormatCSV:
		return "two-factor CSV"
	}
	return f.String()
}

// ParseFormat accepts the names String returns, plus a few obvious
// aliases ("microsoft", "entra", "privacyidea", "linotp", "uri", "xml").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "azure", "microsoft", "entra", "token2":
		return FormatAzure, nil
	case "oathcsv", "oath-csv", "privacyidea", "linotp":
		return FormatOATHCSV, nil
	case "pskc", "xml":
		return FormatPSKC, nil
	case "otpauth", "uri", "uris":
		return FormatURIList, nil
	case "csv", "two-factor":
		return FormatCSV, nil
	}
	return 0, fmt.Errorf("unknown seed-file format %q (want auto, azure, oathcsv, pskc, otpauth or csv)", s)
}

// Encoding is how a text secret is written.
type Encoding int

const (
	EncodingDefault Encoding = iota // the format's own: base32 for Microsoft CSV
	EncodingBase32
	EncodingHex
)

// Defaults for the size limits.
const (
	DefaultMaxBytes  = 64 << 20
	DefaultMaxTokens = 1_000_000
)

// Options steer Parse. The zero value detects the format and uses the
// defaults below.
type Options struct {
	Format Format

	// Password decrypts a PSKC file whose key is derived with PBKDF2.
	Password string
	// Key is the pre-shared AES key (16, 24 or 32 bytes) of a PSKC file.
	Key []byte
	// RequireMAC refuses encrypted PSKC values that carry no ValueMAC. A
	// MAC that is present is always checked, and a mismatch is an error.
	RequireMAC bool

	// Algorithm sets the hash for formats that do not state it (Microsoft
	// CSV; OATH CSV rows without a hash column). Zero infers it: for
	// Microsoft CSV, SHA1 for secrets of at most 20 bytes (32 base32
	// characters) and SHA256 above, as Token2's tools do; for OATH CSV,
	// SHA256 for a 64-digit hex seed, SHA512 for 128 digits, SHA1 otherwise.
	Algorithm otpcore.Algorithm
	// Digits sets the code length for formats that do not state it
	// (Microsoft CSV). Zero means DefaultDigits.
	Digits int
	// SecretEncoding of the Microsoft CSV "secret key" column; Microsoft
	// requires base32 (the default), some vendors ship hex.
	SecretEncoding Encoding

	// MaxBytes and MaxTokens refuse absurd inputs. Zero means
	// DefaultMaxBytes and DefaultMaxTokens.
	MaxBytes  int64
	MaxTokens int
	// Now is the clock a TOTP start time is judged against (at most
	// otpcore.MaxT0Ahead in the future); time.Now when nil.
	Now func() time.Time

	// MaxIterations refuses a password-protected PSKC file whose PBKDF2
	// IterationCount is higher: the file sets the work its reader does.
	// Zero means MaxPBKDF2Iterations; a fuzzer sets it low so that no
	// mutated count makes a run slow.
	MaxIterations int
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) maxIterations() int {
	if o.MaxIterations > 0 {
		return min(o.MaxIterations, MaxPBKDF2Iterations)
	}
	return MaxPBKDF2Iterations
}

func (o *Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o *Options) maxTokens() int {
	if o.MaxTokens > 0 {
		return o.MaxTokens
	}
	return DefaultMaxTokens
}

func (o *Options) digits() int {
	if o.Digits != 0 {
		return o.Digits
	}
	return DefaultDigits
}
