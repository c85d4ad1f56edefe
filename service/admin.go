package service

import (
	"context"
	"strings"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// The administrative operations below are thin: the store already does
// each in one transaction with its audit entry. They are here so that the
// service stays the only door to the store and every change is made as
// the service's actor; store errors come back unchanged, so callers can
// still test them with errors.Is (db.ErrNotFound, db.ErrExists).

// Location names the store for messages and the console's title bar.
func (s *Service) Location() string { return s.store.Path() }

// Clock returns the service's clock, for front ends that show times
// relative to the instant the service judges states at.
func (s *Service) Clock() func() time.Time { return s.now }

// Settings returns the organisation's settings.
func (s *Service) Settings(ctx context.Context) (devices.Settings, error) {
	return s.store.Settings(ctx)
}

// SetSetting changes one setting by its key.
func (s *Service) SetSetting(ctx context.Context, key, value string) error {
	if key == "lockout-threshold" && strings.TrimSpace(value) != "0" {
		if err := s.Supports(ctx, OpHardLockout); err != nil {
			return err
		}
	}
	return s.store.SetSetting(ctx, s.Actor, key, value)
}

// AddUser adds a user with no devices.
func (s *Service) AddUser(ctx context.Context, name string) (db.User, error) {
	return s.store.AddUser(ctx, s.Actor, name)
}

// RemoveUser deletes a user and every device of theirs.
func (s *Service) RemoveUser(ctx context.Context, name string) error {
	if err := s.Supports(ctx, OpRemoveUser); err != nil {
		return err
	}
	return s.store.RemoveUser(ctx, s.Actor, name)
}

// Devices lists a user's devices without their secrets.
func (s *Service) Devices(ctx context.Context, user string) ([]*devices.Device, error) {
	return s.store.Devices(ctx, user)
}

// Audit reads the audit log, newest first.
func (s *Service) Audit(ctx context.Context, f db.AuditFilter) ([]db.AuditEntry, error) {
	return s.store.Audit(ctx, f)
}

// VerifyAudit walks the audit chain for tampering.
func (s *Service) VerifyAudit(ctx context.Context) (db.AuditVerification, error) {
	return s.store.VerifyAudit(ctx)
}

// PruneAudit removes the audit entries older than before.
func (s *Service) PruneAudit(ctx context.Context, before time.Time) (int, error) {
	return s.store.PruneAudit(ctx, s.Actor, before)
}

// Rekey re-encrypts every secret under a new master key.
func (s *Service) Rekey(ctx context.Context) error { return s.store.Rekey(ctx, s.Actor) }

// Tokens lists hardware tokens without their secrets.
func (s *Service) Tokens(ctx context.Context, f db.TokenFilter) ([]*devices.Device, error) {
	return s.store.Tokens(ctx, f)
}

// AssignToken gives an inventory token to a user, active at once.
func (s *Service) AssignToken(ctx context.Context, serial, user string) error {
	return s.store.AssignToken(ctx, s.Actor, serial, user)
}

// UnassignToken takes a token back from its user into the inventory.
func (s *Service) UnassignToken(ctx context.Context, serial string) error {
	return s.store.UnassignToken(ctx, s.Actor, serial)
}

// RetireToken takes a token out of service for good.
func (s *Service) RetireToken(ctx context.Context, serial string) error {
	return s.store.RetireToken(ctx, s.Actor, serial)
}
