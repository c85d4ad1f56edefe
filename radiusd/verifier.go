package radiusd

import (
	"context"
	"errors"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// Verifier checks a user's code on behalf of source (who asked, for the
// audit log). accepted is false for a wrong, replayed, throttled or
// malformed code and for an unknown user alike; err is for a verifier
// that cannot answer (store down), which is never an Access-Accept.
type Verifier interface {
	Verify(ctx context.Context, user, code, source string) (accepted bool, err error)
}

// ServiceVerifier verifies through the service, which applies every rule
// (tolerance, drift, replay floor, throttling, lockout, backup codes),
// acting as the source so the audit entry names the RADIUS client.
type ServiceVerifier struct {
	Svc *service.Service
}

// Verify implements Verifier.
func (v ServiceVerifier) Verify(ctx context.Context, user, code, source string) (bool, error) {
	r, err := v.Svc.As(source).Verify(ctx, user, "", code)
	if errors.Is(err, devices.ErrMalformedCode) {
		// A password that is no code at all: a wrong answer, not a fault.
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Accepted(), nil
}
