package devices

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/two-factor/two-factor/otpcore"
)

// Settings are what an organisation decides once and the store keeps.
type Settings struct {
	Issuer           string // shown by authenticator apps; defaults to the host name
	Tolerance        int    // default TOTP tolerance (steps) for new devices
	HOTPTolerance    int    // default HOTP look-ahead (counters) for new devices
	ThrottleFactor   int    // seconds; failure n waits factor·2^(n−1) s; 0 disables
	LockoutThreshold int    // failures before a hard lockout an admin clears; 0 disables
	ResyncWindow     int64  // TOTP resync search radius in steps
	FollowDrift      bool   // re-learn the drift on every success (django-otp's OTP_TOTP_SYNC)
	// Rules is whose verification semantics apply: ours, or django-otp's
	// when the store is a Django site's own database. Set by the store,
	// never by an administrator.
	Rules Rules
}

// Rules names a set of verification semantics.
type Rules string

const (
	// OwnRules (the zero value) are two-factor's: a code goes only to the
	// devices of its shape, hashed backup codes, optional hard lockout.
	OwnRules Rules = ""
	// DjangoRules are django-otp's, kept exactly on a Django site's
	// database (match_token over every confirmed device, a failure counted
	// on each device tried, plain static tokens, no hard lockout): the
	// site's own logins keep working the same way beside ours.
	DjangoRules Rules = "django-otp"
)

// DefaultSettings returns the defaults, with the given issuer.
func DefaultSettings(issuer string) Settings {
	return Settings{
		Issuer:           issuer,
		Tolerance:        1,
		HOTPTolerance:    5,
		ThrottleFactor:   1,
		LockoutThreshold: 0,
		ResyncWindow:     otpcore.DefaultResyncRadius,
		FollowDrift:      true,
	}
}

// setting describes one key of `two-factor config`.
type setting struct {
	help string
	get  func(*Settings) string
	set  func(*Settings, string) error
}

func intSetting(help string, field func(*Settings) *int, lo, hi int) setting {
	return setting{
		help: help,
		get:  func(s *Settings) string { return strconv.Itoa(*field(s)) },
		set: func(s *Settings, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
			}
			*field(s) = n
			return nil
		},
	}
}

var settingKeys = map[string]setting{
	"issuer": {
		help: "name authenticator apps show for this organisation",
		get:  func(s *Settings) string { return s.Issuer },
		set: func(s *Settings, v string) error {
			if strings.Contains(v, ":") {
				return fmt.Errorf("must not contain ':' (apps use it to separate issuer and account)")
			}
			if err := ValidateName("issuer", v); err != nil {
				return err
			}
			s.Issuer = v
			return nil
		},
	},
	"tolerance":         intSetting("default TOTP tolerance of new devices, in steps either side", func(s *Settings) *int { return &s.Tolerance }, 0, MaxTolerance),
	"hotp-tolerance":    intSetting("default HOTP look-ahead of new devices, in counters", func(s *Settings) *int { return &s.HOTPTolerance }, 0, MaxTolerance),
	"throttle-factor":   intSetting("seconds; after n failures a device waits factor·2^(n−1) s; 0 disables", func(s *Settings) *int { return &s.ThrottleFactor }, 0, 3600),
	"lockout-threshold": intSetting("failures before a device is locked until an admin unlocks it; 0 disables", func(s *Settings) *int { return &s.LockoutThreshold }, 0, 1000),
	"resync-window": {
		help: "TOTP resync search radius in steps (default ±1 day of 30 s steps)",
		get:  func(s *Settings) string { return strconv.FormatInt(s.ResyncWindow, 10) },
		set: func(s *Settings, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < otpcore.MaxSingleCodeRadius || n > otpcore.MaxResyncRadius {
				return fmt.Errorf("must be a whole number of steps from %d to %d", otpcore.MaxSingleCodeRadius, otpcore.MaxResyncRadius)
			}
			s.ResyncWindow = n
			return nil
		},
	},
	"follow-drift": {
		help: "true: re-learn a TOTP token's drift on every successful verification",
		get:  func(s *Settings) string { return strconv.FormatBool(s.FollowDrift) },
		set: func(s *Settings, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be true or false")
			}
			s.FollowDrift = b
			return nil
		},
	},
}

// SettingKeys lists the keys `config get|set` accepts, sorted.
func SettingKeys() []string {
	keys := make([]string, 0, len(settingKeys))
	for k := range settingKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SettingHelp describes a key.
func SettingHelp(key string) string { return settingKeys[key].help }

// Get returns the value of key as text.
func (s *Settings) Get(key string) (string, error) {
	k, ok := settingKeys[key]
	if !ok {
		return "", unknownSetting(key)
	}
	return k.get(s), nil
}

// Set validates and sets key.
func (s *Settings) Set(key, value string) error {
	k, ok := settingKeys[key]
	if !ok {
		return unknownSetting(key)
	}
	if err := k.set(s, value); err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

// Map returns every setting as text, for storing.
func (s *Settings) Map() map[string]string {
	m := make(map[string]string, len(settingKeys))
	for k, st := range settingKeys {
		m[k] = st.get(s)
	}
	return m
}

func unknownSetting(key string) error {
	return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(SettingKeys(), ", "))
}

// DjangoDefaultName is the device name django-two-factor-auth looks for:
// its login asks for a second factor only when the user has a confirmed
// device of this name (default_device), of any kind.
const DjangoDefaultName = "default"

// TurnsTwoFactorOn reports whether d, alone, has its user asked for a
// second factor under rules r: ours, a confirmed, enabled app or token;
// django-two-factor-auth's, a confirmed device named DjangoDefaultName.
// The user list, status and the user screen all count devices by it.
func (d *Device) TurnsTwoFactorOn(r Rules) bool {
	if r == DjangoRules {
		return d.Confirmed && d.Name == DjangoDefaultName
	}
	return d.Kind.IsOTP() && d.Confirmed && d.Enabled
}
