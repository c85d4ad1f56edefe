package devices

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"
)

// BackupCodeCount is how many codes a set holds.
const BackupCodeCount = 10

// backupCodeLen is the length of a code in characters of the base32
// alphabet: 10 × 5 bits = 50 bits, ample against online guessing that
// throttling already slows down.
const backupCodeLen = 10

const backupAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// BackupCode is one unused code, stored only as a keyed hash.
type BackupCode struct {
	ID   int64
	Hash []byte
	// Plain is the code itself, set only under DjangoRules: a Django site
	// keeps its static tokens in plain text (django-otp reads them so),
	// and two-factor must write them the same way for the site to accept
	// them. Everywhere else it is empty and only Hash exists.
	Plain string
}

// NewBackupDevice makes a set of backup codes. The plain codes are returned
// once, for showing to the user; the device keeps only their hashes, keyed
// with a fresh random secret that the store encrypts like any seed, so the
// database alone is no help in guessing them offline.
func NewBackupDevice(name string, now time.Time) (*Device, []string, error) {
	return NewBackupDeviceUnder(OwnRules, name, now)
}

// NewBackupDeviceUnder makes a set of backup codes in the format rules
// keep them: hashed (ours) or django-otp's plain static tokens.
func NewBackupDeviceUnder(rules Rules, name string, now time.Time) (*Device, []string, error) {
	d := &Device{Name: name, Kind: Backup, Created: now, Confirmed: true, Enabled: true}
	codes, err := d.RegenerateCodesUnder(rules)
	if err != nil {
		return nil, nil, err
	}
	return d, codes, nil
}

// RegenerateCodes replaces every code of a backup device with a new set
// under a new key, and returns the plain codes.
func (d *Device) RegenerateCodes() ([]string, error) { return d.RegenerateCodesUnder(OwnRules) }

// RegenerateCodesUnder replaces every code in the format rules keep them:
// under DjangoRules ten of django-otp's static tokens (eight characters
// of [a-z2-7], as StaticToken.random_token makes them), stored plain with
// no secret, because the site compares them as typed.
func (d *Device) RegenerateCodesUnder(rules Rules) ([]string, error) {
	if d.Kind != Backup {
		return nil, fmt.Errorf("device %q is not a backup-code device", d.Name)
	}
	if rules == DjangoRules {
		return d.regenerateDjangoTokens()
	}
	d.Secret = make([]byte, 32)
	if _, err := rand.Read(d.Secret); err != nil {
		return nil, err
	}
	plain := make([]string, BackupCodeCount)
	d.Codes = make([]BackupCode, BackupCodeCount)
	for i := range plain {
		var raw [backupCodeLen]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, err
		}
		for j, r := range raw {
			raw[j] = backupAlphabet[r&31] // 256 is a multiple of 32: uniform
		}
		plain[i] = string(raw[:5]) + "-" + string(raw[5:])
		d.Codes[i] = BackupCode{Hash: d.hashCode(string(raw[:]))}
	}
	return plain, nil
}

func (d *Device) hashCode(normalized string) []byte {
	m := hmac.New(sha256.New, d.Secret)
	m.Write([]byte("two-factor backup code v1\x00"))
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// NormalizeBackupCode accepts a code as printed ("abcde-fghij") or typed in
// any case with spaces.
func NormalizeBackupCode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if !strings.ContainsRune(backupAlphabet, rune(c)) {
			return "", fmt.Errorf("backup code contains a character that is not a letter or 2-7 at position %d", i+1)
		}
		b.WriteByte(c)
	}
	if b.Len() != backupCodeLen {
		return "", fmt.Errorf("backup code has %d characters, expected %d", b.Len(), backupCodeLen)
	}
	return b.String(), nil
}

// LooksLikeBackupCode tells a backup code from a numeric OTP, so that a
// login does not count failures against devices the code was never meant
// for (django-two-factor-auth #473).
func LooksLikeBackupCode(s string) bool {
	_, err := NormalizeBackupCode(s)
	return err == nil
}

func (d *Device) verifyBackup(code string) (Result, bool, error) {
	n, err := NormalizeBackupCode(code)
	if err != nil {
		return Result{}, false, fmt.Errorf("%w: %v", ErrMalformedCode, err)
	}
	h := d.hashCode(n)
	res, ok := d.consumeCode(func(c BackupCode) bool { return subtle.ConstantTimeCompare(c.Hash, h) == 1 })
	return res, ok, nil
}

// consumeCode removes the first of d's codes that match accepts (the
// lowest id: django-otp's .first()) and reports its id. Every code is
// looked at, so timing does not tell which one matched; match must
// compare in constant time.
func (d *Device) consumeCode(match func(BackupCode) bool) (Result, bool) {
	found := -1
	for i, c := range d.Codes {
		if match(c) && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return Result{}, false
	}
	used := d.Codes[found].ID
	d.Codes = append(d.Codes[:found:found], d.Codes[found+1:]...)
	return Result{UsedCode: used}, true
}
