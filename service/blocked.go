package service

import (
	"context"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// BlockedCounts is how many names refuse codes of some shape right now,
// counted once per name and shape of code (6, 7 or 8 digits, backup
// codes), whether a device or the name's own run refuses them.
type BlockedCounts struct {
	LockedOut int // after too many failures
	Throttled int // until their back-off after failures has passed
}

// BlockedCounts counts, for the verifier's metrics, the names and shapes
// of code refused now as locked out or throttled. A name no device
// checks a code for answers from its own run of failures (see
// cannotBeRight), so those runs count too, and a user's devices count
// once per shape, as the one device an unknown name stands for would:
// otherwise a client that reads the metrics could lock a name out and
// see whether it exists.
func (s *Service) BlockedCounts(ctx context.Context) (BlockedCounts, error) {
	set, err := s.store.Settings(ctx)
	if err != nil {
		return BlockedCounts{}, err
	}
	devs, err := s.store.BlockedDevices(ctx, set.ThrottleFactor, s.now(), nil)
	if err != nil {
		return BlockedCounts{}, err
	}
	runs, err := s.store.BlockedNamelessRuns(ctx, set.ThrottleFactor, s.now())
	if err != nil {
		return BlockedCounts{}, err
	}
	// Per name and shape, what a login would answer: a device decides
	// over the name's run (codes go to devices first), and a throttle
	// over a lockout (mostInformative).
	type nameShape struct{ name, shape string }
	locked := map[nameShape]bool{}
	for _, b := range devs {
		k := nameShape{b.User, b.Shape}
		l, seen := locked[k]
		locked[k] = b.LockedOut && (!seen || l)
	}
	for _, b := range runs {
		k := nameShape{b.User, b.Shape}
		if _, seen := locked[k]; !seen {
			locked[k] = b.LockedOut
		}
	}
	var c BlockedCounts
	for _, l := range locked {
		if l {
			c.LockedOut++
		} else {
			c.Throttled++
		}
	}
	return c, nil
}

// Blocked lists the devices of the named users (all when none) that a
// login would be refused on now, and why, for `status`.
func (s *Service) Blocked(ctx context.Context, names []string) ([]db.BlockedDevice, error) {
	set, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	folded := make([]string, len(names))
	for i, n := range names {
		folded[i] = devices.NormalizeUserName(n)
	}
	return s.store.BlockedDevices(ctx, set.ThrottleFactor, s.now(), folded)
}
