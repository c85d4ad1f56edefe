package service

import (
	"context"
	"errors"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// djangoTokenNames names the tokens an import hands out on a Django site:
// a token for a user with no device named `default` (counting the tokens
// before it in the file) is named `default`, so two-factor-auth asks for
// it at login; under its serial, a user's only token would protect
// nothing and status would say disabled. Tokens the import will skip
// (serial already known, no --replace) keep their names, so they do not
// take the name from a token that does arrive. The store assigns
// inventory tokens under the same rule (db.Django.AssignToken).
func (s *Service) djangoTokenNames(ctx context.Context, items []db.ImportItem, opt db.ImportOptions) error {
	if !opt.Assign {
		return nil
	}
	known := map[string]bool{}
	if !opt.Replace {
		toks, err := s.store.Tokens(ctx, db.TokenFilter{Retired: true})
		if err != nil {
			return err
		}
		for _, t := range toks {
			known[t.Serial] = true
		}
	}
	hasDefault := map[string]bool{}
	for _, it := range items {
		d := it.Device
		if d.Serial == "" || d.User == "" || known[d.Serial] {
			continue
		}
		taken, seen := hasDefault[d.User]
		if !seen {
			var err error
			if taken, err = s.hasDeviceNamed(ctx, d.User, devices.DjangoDefaultName); err != nil {
				return err
			}
		}
		if !taken {
			d.Name = devices.DjangoDefaultName
		}
		hasDefault[d.User] = true
	}
	return nil
}

// hasDeviceNamed says whether user has a device called name; a user the
// import will create has none.
func (s *Service) hasDeviceNamed(ctx context.Context, user, name string) (bool, error) {
	ds, err := s.store.Devices(ctx, user)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Name == name {
			return true, nil
		}
	}
	return false, nil
}
