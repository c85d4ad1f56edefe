package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
)

// ImportOptions steer Import.
type ImportOptions struct {
	Parse seedfile.Options
	db.ImportOptions
	// AllowShortSeed accepts seeds shorter than devices.MinSeedLen (legacy
	// tokens); each such token's audit entry says so.
	AllowShortSeed bool
}

// Import reads a vendor seed file and adds its hardware tokens to the
// inventory in one transaction: all or nothing.
func (s *Service) Import(ctx context.Context, r io.Reader, opt ImportOptions) ([]db.ImportResult, error) {
	if opt.Parse.Now == nil {
		opt.Parse.Now = s.now // start times are judged by the service's clock
	}
	toks, err := seedfile.Parse(r, opt.Parse)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errors.New("the file holds no tokens")
	}
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	items := make([]db.ImportItem, len(toks))
	for i, t := range toks {
		d, err := tokenDevice(t, settings, now, opt.AllowShortSeed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Origin, err)
		}
		// The store's audit entry names the origin, so the note that a
		// short seed was let in travels with it.
		origin := t.Origin
		if note := d.ShortSeedNote(); note != "" {
			origin += "; " + note
		}
		items[i] = db.ImportItem{Origin: origin, Device: d}
	}
	if settings.Rules == devices.DjangoRules {
		if err := s.djangoTokenNames(ctx, items, opt.ImportOptions); err != nil {
			return nil, err
		}
	}
	return s.store.ImportTokens(ctx, s.Actor, items, opt.ImportOptions)
}

// tokenDevice turns a seed-file entry into a device: a hardware token when
// it has a serial, otherwise an authenticator seed (an otpauth URI
// migrated from another system) for the user it names.
func tokenDevice(t seedfile.Token, settings devices.Settings, now time.Time, allowShortSeed bool) (*devices.Device, error) {
	spec := devices.TokenSpec{
		Kind: devices.TOTP, Serial: t.Serial, Model: t.Model, Manufacturer: t.Manufacturer,
		SeedSource: devices.SeedFactory, Algorithm: t.Algorithm, Digits: t.Digits,
		Step: t.Period, T0: t.T0, Counter: t.Counter, Drift: t.Drift, Secret: t.Secret,
		AllowShortSeed: allowShortSeed,
	}
	if t.Kind == otpcore.KindHOTP {
		spec.Kind = devices.HOTP
	}
	var (
		d   *devices.Device
		err error
	)
	if t.Serial != "" {
		d, err = devices.NewHardwareToken(t.Serial, spec, settings, now)
	} else {
		if t.User == "" {
			return nil, errors.New("no serial number and no account: nothing says whose seed this is")
		}
		name := t.Issuer
		if name == "" {
			name = "imported"
		}
		d, err = devices.NewImportedSeed(name, spec, settings, now)
	}
	if err != nil {
		return nil, err
	}
	d.User = t.User
	return d, nil
}

// IdentifyWindow is how far from its stored drift (or counter) a token in
// hand is searched for: a token that has sat in a drawer still keeps
// roughly to time, and a small window keeps false matches among thousands
// of tokens unlikely.
const IdentifyWindow = 10

// Identified is a token that showed the codes.
type Identified struct {
	Token *devices.Device // without its secret
	Match otpcore.Match
}

// Identify finds which hardware token shows the given consecutive codes:
// among inventory tokens, or all tokens with all. With several matches the
// caller should ask for another code.
func (s *Service) Identify(ctx context.Context, codes []string, all bool) ([]Identified, error) {
	if len(codes) < 2 {
		return nil, errors.New("give two consecutive codes from the token: one code matches too many tokens by chance")
	}
	toks, err := s.store.TokenSecrets(ctx, db.TokenFilter{Unassigned: !all})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var found []Identified
	parsed := map[int][]otpcore.Code{}
	for _, d := range toks {
		cs, ok := parsed[d.Digits]
		if !ok {
			for _, c := range codes {
				pc, err := otpcore.ParseCode(c, d.Digits)
				if err != nil {
					cs = nil
					break
				}
				cs = append(cs, pc)
			}
			parsed[d.Digits] = cs
		}
		if cs == nil {
			continue // the codes cannot come from a token of this length
		}
		g, err := otpcore.NewGenerator(d.Algorithm, d.Secret, d.Digits)
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", d.Serial, err)
		}
		var m otpcore.Match
		if d.Kind == devices.HOTP {
			m, err = g.ResyncHOTP(cs, d.Counter, IdentifyWindow)
		} else {
			first := now.Unix() - int64(len(cs)-1)*d.Step
			m, err = g.ResyncTOTP(cs, otpcore.TOTPParams{Step: d.Step, T0: d.T0}, first, d.Drift, IdentifyWindow)
		}
		if errors.Is(err, otpcore.ErrNoMatch) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", d.Serial, err)
		}
		found = append(found, Identified{Token: stripped(d), Match: m})
	}
	return found, nil
}

// ExportTokens returns every hardware token in service as seed-file
// tokens, with its owner, drift and counter, for backup or migration.
func (s *Service) ExportTokens(ctx context.Context) ([]seedfile.Token, error) {
	toks, err := s.store.TokenSecrets(ctx, db.TokenFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]seedfile.Token, 0, len(toks))
	for _, d := range toks {
		t := seedfile.Token{
			Serial: d.Serial, Kind: otpcore.KindTOTP, Algorithm: d.Algorithm, Digits: d.Digits, Secret: d.Secret,
			Period: d.Step, T0: d.T0, Drift: d.Drift, Manufacturer: d.Manufacturer, Model: d.Model, User: d.User,
		}
		if d.Kind == devices.HOTP {
			t.Kind, t.Period, t.T0, t.Drift, t.Counter = otpcore.KindHOTP, 0, 0, 0, d.Counter
		}
		out = append(out, t)
	}
	return out, nil
}
