package service

import (
	"context"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// BlockedCounts is how many devices refuse codes right now.
type BlockedCounts struct {
	LockedOut int // until an admin unlocks them
	Throttled int // until their back-off after failures has passed
}

// BlockedCounts counts locked-out and throttled devices now, for the
// verifier's metrics: one settings read and one COUNT query.
func (s *Service) BlockedCounts(ctx context.Context) (BlockedCounts, error) {
	set, err := s.store.Settings(ctx)
	if err != nil {
		return BlockedCounts{}, err
	}
	locked, throttled, err := s.store.BlockedDeviceCounts(ctx, set.ThrottleFactor, s.now())
	return BlockedCounts{locked, throttled}, err
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
