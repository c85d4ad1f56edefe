package tui

import (
	"context"
	"io"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/service"
)

// Service is what the console asks of the service: the operations its
// screens offer and nothing else (no store, no actor). *service.Service
// satisfies it; a screen test may give a fake instead, embedding Service
// and overriding only the methods the screen under test calls.
type Service interface {
	Location() string // names the store in the title bar
	Clock() func() time.Time
	Settings(ctx context.Context) (devices.Settings, error)

	UserOps
	DeviceOps
	TokenOps
	BurnOps
	Audit(ctx context.Context, f db.AuditFilter) ([]db.AuditEntry, error)
	// StoreVersion changes whenever another process commits to the store;
	// the console polls it to reload what it shows.
	StoreVersion(ctx context.Context) (int64, error)
}

// UserOps list, add, remove and switch off users.
type UserOps interface {
	FirstUsers(ctx context.Context, limit int) ([]db.UserSummary, int, error)
	AllUsers(ctx context.Context) ([]db.UserSummary, error)
	AddUser(ctx context.Context, name string) (db.User, error)
	RemoveUser(ctx context.Context, name string) error
	Disable(ctx context.Context, names []string) ([]int, error)
	DisableRemoves(ctx context.Context, user string) ([]*devices.Device, error)
	Supports(ctx context.Context, op service.Operation) error
	UserDetail(ctx context.Context, user string) (*service.UserDetail, error)
}

// DeviceOps enroll, change and resync one user's devices.
type DeviceOps interface {
	Devices(ctx context.Context, user string) ([]*devices.Device, error)
	StartEnrollment(ctx context.Context, user string, opt service.EnrollOptions) (*service.Enrollment, error)
	Confirm(ctx context.Context, e *service.Enrollment, code string, createUser bool) (service.VerifyResult, error)
	BackupCodes(ctx context.Context, user string) ([]string, error)
	BackupCodesKeptPlain(ctx context.Context) (bool, error)
	ChangeDevice(ctx context.Context, user, ref string, action service.DeviceAction, arg string) (*devices.Device, error)
	ResyncPreview(ctx context.Context, user string, codes []string, opt service.ResyncOptions) (*service.ResyncPlan, error)
	ApplyResync(ctx context.Context, p *service.ResyncPlan) (*devices.Device, error)
	DriftReport(ctx context.Context, horizon time.Duration, all bool) ([]service.DriftRow, error)
}

// TokenOps manage the hardware token inventory.
type TokenOps interface {
	Tokens(ctx context.Context, f db.TokenFilter) ([]*devices.Device, error)
	AssignToken(ctx context.Context, serial, user string) error
	UnassignToken(ctx context.Context, serial string) error
	RetireToken(ctx context.Context, serial string) error
	Identify(ctx context.Context, codes []string, all bool) ([]service.Identified, error)
	Import(ctx context.Context, r io.Reader, opt service.ImportOptions) ([]db.ImportResult, error)
}

// BurnOps program Token2 tokens over NFC. The wait for a token on the
// reader is the service's too (WaitForToken, NextToken, through the
// CardSource the console was built with): screens never touch a reader
// stack, and a test gives the service a virtual card.
type BurnOps interface {
	PlanBurn(ctx context.Context, user string, opt service.BurnOptions) (*service.BurnPlan, error)
	WaitForToken(ctx context.Context) (service.Card, error)
	Burn(ctx context.Context, plan *service.BurnPlan, card nfc.Transport) (*service.PendingBurn, error)
	ConfirmBurn(ctx context.Context, pb *service.PendingBurn, code string) (service.VerifyResult, error)
	NextToken(ctx context.Context, last string, timeout time.Duration) (service.Card, string, error)
	BurnForInventory(ctx context.Context, card nfc.Transport, opt service.BurnOptions) (*service.BurnedToken, error)
}

var _ Service = (*service.Service)(nil)
