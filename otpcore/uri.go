package otpcore

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Kind is the otpauth type: time-based or counter-based.
type Kind string

const (
	KindTOTP Kind = "totp"
	KindHOTP Kind = "hotp"
)

// KeyURI is the content of an otpauth:// URI in Google's Key Uri Format:
// everything an authenticator app needs to produce codes for one account.
type KeyURI struct {
	Kind      Kind
	Issuer    string // shown by apps as the provider; may be empty
	Account   string // user name or e-mail; required
	Secret    []byte
	Algorithm Algorithm
	Digits    int
	Period    int64  // TOTP step in seconds
	Counter   uint64 // HOTP next counter
}

func (k KeyURI) validate() error {
	if k.Kind != KindTOTP && k.Kind != KindHOTP {
		return fmt.Errorf("otpauth type must be totp or hotp, got %q", string(k.Kind))
	}
	if k.Account == "" {
		return errors.New("otpauth account name is empty")
	}
	if len(k.Account) > maxNameLen || len(k.Issuer) > maxNameLen {
		return fmt.Errorf("otpauth issuer and account name must each be at most %d bytes", maxNameLen)
	}
	if strings.Contains(k.Issuer, ":") {
		return errors.New("otpauth issuer must not contain ':' (it separates issuer and account in the label)")
	}
	// With an issuer, the label's first ':' is the separator and a ':' in
	// the account is written as %3A after it. Without one, an encoded
	// ':' in the account would itself be read as the separator (as
	// django-otp writes it), so the account would come back split.
	if k.Issuer == "" && strings.Contains(k.Account, ":") {
		return errors.New("otpauth account name may contain ':' only when an issuer is given (apps would read the part before it as the issuer)")
	}
	if len(k.Secret) == 0 {
		return errors.New("otpauth secret is empty")
	}
	if len(k.Secret) > MaxKeyLen {
		return fmt.Errorf("otpauth secret is %d bytes, longer than the %d-byte maximum", len(k.Secret), MaxKeyLen)
	}
	if !k.Algorithm.Valid() {
		return fmt.Errorf("otpauth algorithm %v is not supported", k.Algorithm)
	}
	if err := ValidateDigits(k.Digits); err != nil {
		return err
	}
	if k.Kind == KindTOTP && k.Period <= 0 {
		return fmt.Errorf("period must be a positive number of seconds, got %d", k.Period)
	}
	return nil
}

// String builds the URI. Issuer appears both as the label prefix and as the
// issuer parameter, as the format recommends; the secret comes first among
// the parameters because some apps (Microsoft Authenticator) require it.
// Every character outside RFC 3986's unreserved set is percent-encoded, so
// spaces become %20 (never '+') and a ':' inside a name cannot be mistaken
// for the label separator. It returns an error for a key that no app could
// use.
func (k KeyURI) String() (string, error) {
	if err := k.validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("otpauth://")
	b.WriteString(string(k.Kind))
	b.WriteByte('/')
	if k.Issuer != "" {
		b.WriteString(escape(k.Issuer))
		b.WriteByte(':')
	}
	b.WriteString(escape(k.Account))
	b.WriteString("?secret=")
	b.WriteString(EncodeBase32(k.Secret))
	if k.Issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(k.Issuer))
	}
	b.WriteString("&algorithm=")
	b.WriteString(k.Algorithm.String())
	b.WriteString("&digits=")
	b.WriteString(strconv.Itoa(k.Digits))
	if k.Kind == KindTOTP {
		b.WriteString("&period=")
		b.WriteString(strconv.FormatInt(k.Period, 10))
	} else {
		b.WriteString("&counter=")
		b.WriteString(strconv.FormatUint(k.Counter, 10))
	}
	return b.String(), nil
}

func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// maxURILen bounds what ParseURI reads; real URIs are a few hundred bytes.
const maxURILen = 4096

// maxNameLen bounds the issuer and the account name. Real ones are short (an
// e-mail address is at most 254 bytes), and the bound keeps every URI that
// String writes, where the issuer appears twice and each byte may become
// three, well under maxURILen, so whatever ParseURI accepts it can also
// write back out and read again.
const maxNameLen = 256

// URIError explains why an otpauth URI was refused. It never quotes the
// URI, which carries the secret.
type URIError struct{ Problem string }

func (e *URIError) Error() string { return "otpauth URI: " + e.Problem }

func uriErr(format string, a ...any) error { return &URIError{Problem: fmt.Sprintf(format, a...)} }

// ParseURI reads an otpauth:// URI. Defaults follow the format: SHA1, six
// digits, 30-second period, counter 0. When the issuer is given both in the
// label and as a parameter, the parameter wins, as it does in Google
// Authenticator. Separators written as %3A (django-otp does this) are
// understood.
func ParseURI(s string) (KeyURI, error) {
	var k KeyURI
	s = strings.TrimSpace(s)
	if len(s) > maxURILen {
		return k, uriErr("longer than %d characters", maxURILen)
	}
	const scheme = "otpauth://"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return k, uriErr("does not start with otpauth://")
	}
	rest := s[len(scheme):]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return k, uriErr("has no label after the type")
	}
	switch strings.ToLower(rest[:slash]) {
	case "totp":
		k.Kind = KindTOTP
	case "hotp":
		k.Kind = KindHOTP
	default:
		return k, uriErr("type must be totp or hotp")
	}
	rest = rest[slash+1:]
	rawLabel, rawQuery, _ := strings.Cut(rest, "?")
	if i := strings.IndexByte(rawQuery, '#'); i >= 0 {
		rawQuery = rawQuery[:i]
	}

	var labelIssuer string
	if a, b, ok := strings.Cut(rawLabel, ":"); ok {
		var err1, err2 error
		labelIssuer, err1 = url.PathUnescape(a)
		k.Account, err2 = url.PathUnescape(b)
		if err1 != nil || err2 != nil {
			return k, uriErr("label has a malformed %%-escape")
		}
	} else {
		label, err := url.PathUnescape(rawLabel)
		if err != nil {
			return k, uriErr("label has a malformed %%-escape")
		}
		if a, b, ok := strings.Cut(label, ":"); ok {
			labelIssuer, k.Account = a, b
		} else {
			k.Account = label
		}
	}
	k.Account = strings.TrimLeft(k.Account, " ")
	if k.Account == "" {
		return k, uriErr("account name is empty")
	}

	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return k, uriErr("query is malformed")
	}
	k.Issuer = labelIssuer
	// An empty issuer= gives no issuer, so it does not erase the label's.
	if v := q.Get("issuer"); v != "" {
		k.Issuer = v
	}
	secret := q.Get("secret")
	if secret == "" {
		return k, uriErr("secret parameter is missing")
	}
	k.Secret, err = DecodeBase32(secret)
	if err != nil {
		return k, uriErr("secret: %v", err)
	}
	k.Algorithm = SHA1
	if v := q.Get("algorithm"); v != "" {
		if k.Algorithm, err = ParseAlgorithm(v); err != nil {
			return k, uriErr("algorithm is not SHA1, SHA256 or SHA512")
		}
	}
	k.Digits = 6
	if v := q.Get("digits"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || ValidateDigits(n) != nil {
			return k, uriErr("digits must be %d to %d", MinDigits, MaxDigits)
		}
		k.Digits = n
	}
	if k.Kind == KindTOTP {
		k.Period = 30
		if v := q.Get("period"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return k, uriErr("period must be a positive number of seconds")
			}
			k.Period = n
		}
	} else if v := q.Get("counter"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return k, uriErr("counter must be a non-negative integer")
		}
		k.Counter = n
	}
	if err := k.validate(); err != nil {
		return k, uriErr("%v", strings.TrimPrefix(err.Error(), "otpauth "))
	}
	return k, nil
}
