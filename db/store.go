// Package db keeps users, devices, settings and the audit log. It exposes
// the Store interface that everything above it uses; the embedded SQLite
// backend (modernc.org/sqlite, pure Go) is the default. Seeds are encrypted
// at rest under a master key kept in its own file, and every change is
// written together with its audit entry in one transaction.
package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrExists       = errors.New("already exists")
	ErrLocked       = errors.New("store is locked by another process")
	ErrNewerSchema  = errors.New("store was written by a newer two-factor")
	ErrNotAStore    = errors.New("not a two-factor store")
	ErrKeyMissing   = errors.New("master key file is missing")
	ErrKeyMismatch  = errors.New("master key file does not belong to this store")
	ErrStoreMissing = errors.New("store does not exist")
	// ErrConflict is a change refused because of the state something is
	// in: a token assigned already, retired already, not assigned at all.
	ErrConflict = errors.New("conflicts with its current state")
	// ErrNotDjango is a database opened with OpenDjango that lacks the
	// django-otp tables (or a user table the backend can read).
	ErrNotDjango = errors.New("not a Django site's database with django-otp")
	// ErrUnavailable is something a Django site's database cannot hold or
	// do (see OpenDjango): refused, never half done.
	ErrUnavailable = errors.New("not available on a Django site's database")
)

// conflictError reads as its own message and is ErrConflict to errors.Is,
// so the message stays as written while callers can tell the kind.
type conflictError struct{ msg string }

func (e *conflictError) Error() string        { return e.msg }
func (e *conflictError) Is(target error) bool { return target == ErrConflict }

// Conflictf makes an ErrConflict with a message of its own.
func Conflictf(format string, args ...any) error {
	return &conflictError{fmt.Sprintf(format, args...)}
}

// NotFoundError names what was not found.
type NotFoundError struct {
	What string // "user", "device"
	Name string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q does not exist", e.What, e.Name) }
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// LookAlikeError is a user name that is not stored but reads like one that
// is ("ALICE", "Ａlice" for "alice"). Looking it up finds no user
// (ErrNotFound); adding it is refused (ErrExists), so that one person can
// never end up as two users with different devices.
type LookAlikeError struct {
	Name     string // as given
	Existing string // the stored user it looks like
}

func (e *LookAlikeError) Error() string {
	return fmt.Sprintf("user %q looks like the existing user %q; use that name", e.Name, e.Existing)
}
func (e *LookAlikeError) Unwrap() []error { return []error{ErrNotFound, ErrExists} }

// User is a person who signs in with a second factor.
type User struct {
	ID      int64
	Name    string
	Created time.Time
}

// UserSummary is one row of the user list.
type UserSummary struct {
	User
	LookAlike   bool      // shares its folded name with an older user (stores from before names were checked)
	Devices     int       // all devices
	Active      int       // confirmed, enabled TOTP/HOTP devices: 2FA is on when > 0
	BackupCodes int       // unused backup codes
	LockedOut   int       // devices under a hard lockout
	MaxFailures int       // the most consecutive failures of any device
	LastFailure time.Time // the latest failure of any device
	LastUsed    time.Time // the latest success of any device
}

// Enabled reports whether the user has two-factor authentication on.
func (u UserSummary) Enabled() bool { return u.Active > 0 }

// UserStatus answers `two-factor status NAME`.
type UserStatus struct {
	Name    string
	Exists  bool
	Enabled bool
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID       int64
	At       time.Time
	Actor    string // OS user who acted (SUDO_USER when run through sudo)
	Action   string // "user.add", "device.verify", "rekey", ...
	User     string
	DeviceID int64
	Device   string
	Outcome  string // "ok", or a verification outcome
	Detail   string // never a secret
}

// AuditFilter narrows an audit query. Zero values match everything.
type AuditFilter struct {
	User   string
	Action string // prefix match: "device." matches all device actions
	Since  time.Time
	Text   string // substring of any text column
	Limit  int    // newest first; 0 means 1000
}

// TokenRow is a TOTP device with its drift history, for the drift report.
type TokenRow struct {
	Device  *devices.Device // without its secret
	Samples []devices.DriftSample
}

// Store is what the program needs of a backend. Methods that change
// anything take the acting administrator, for the audit log.
type Store interface {
	// Path names the store for messages.
	Path() string
	Close() error
	// ChangeCounter is a number that changes when another process (or
	// another handle) commits a change to the store, so a console can
	// watch for changes with one cheap query. Only changes matter, not
	// the value.
	ChangeCounter(ctx context.Context) (int64, error)

	Settings(ctx context.Context) (devices.Settings, error)
	SetSetting(ctx context.Context, actor, key, value string) error

	AddUser(ctx context.Context, actor, name string) (User, error)
	// RemoveUser deletes a user and all their devices.
	RemoveUser(ctx context.Context, actor, name string) error
	Users(ctx context.Context) ([]UserSummary, error)
	// Statuses reports, in order, whether each named user exists and has
	// 2FA enabled.
	Statuses(ctx context.Context, names []string) ([]UserStatus, error)
	// DisableUsers removes every device of each named user, all or
	// nothing: if any user is unknown nothing changes. It returns how
	// many devices each user lost.
	DisableUsers(ctx context.Context, actor string, names []string) ([]int, error)

	// Devices lists a user's devices without their secrets.
	Devices(ctx context.Context, user string) ([]*devices.Device, error)
	// Update runs fn on one user's devices, secrets decrypted, under the
	// store's write lock, and persists what fn marks on the Unit together
	// with its audit entries in one transaction. If fn returns an error
	// nothing is written. This is how a code is accepted exactly once
	// across processes.
	Update(ctx context.Context, actor, user string, fn func(*Unit) error) error
	// UpdateOrCreate is Update for a user who may not exist yet: the user
	// is added in the same transaction, and only if fn succeeds.
	UpdateOrCreate(ctx context.Context, actor, user string, fn func(*Unit) error) error
	// UpdateAnyName is Update for a name that may belong to no user, for
	// operations (verify) that must cost and look the same either way: for
	// an unknown name fn gets a Unit with no devices and User.ID 0 whose
	// User.Name is the name made safe to log (AuditName), and only its
	// audit entries are written, in the same kind of write transaction.
	// It is the login's door: a TOTP or HOTP device may come with its
	// keyed HMAC state (devices.Device.Keyed) and without its seed, so fn
	// can verify codes but must not need seeds.
	UpdateAnyName(ctx context.Context, actor, user string, fn func(*Unit) error) error

	// DriftHistory returns a device's drift samples, oldest first.
	DriftHistory(ctx context.Context, deviceID int64) ([]devices.DriftSample, error)
	// TOTPTokens lists every assigned TOTP device with its drift history,
	// for the drift report.
	TOTPTokens(ctx context.Context, hardwareOnly bool) ([]TokenRow, error)

	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// VerifyAudit walks the audit chain and reports the first entry that
	// was deleted, edited, moved or added behind the program's back.
	VerifyAudit(ctx context.Context) (AuditVerification, error)
	// PruneAudit removes the entries older than before, keeping the rest
	// verifiable; it is audited itself.
	PruneAudit(ctx context.Context, actor string, before time.Time) (int, error)

	// Rekey re-encrypts every secret under a new master key in one
	// transaction and then replaces the key file.
	Rekey(ctx context.Context, actor string) error

	// Hardware token inventory.
	ImportTokens(ctx context.Context, actor string, items []ImportItem, opt ImportOptions) ([]ImportResult, error)
	Tokens(ctx context.Context, f TokenFilter) ([]*devices.Device, error)
	TokenSecrets(ctx context.Context, f TokenFilter) ([]*devices.Device, error)
	AssignToken(ctx context.Context, actor, serial, user string) error
	UnassignToken(ctx context.Context, actor, serial string) error
	RetireToken(ctx context.Context, actor, serial string) error

	// Applications allowed to call the verifier's HTTP API.
	APIClientStore

	// Devices refused without being tried (lockout, throttle) at now
	// under the throttle factor, listed for status and metrics; and the
	// runs of failures of names with codes no device checks (NamelessRun)
	// that refuse codes now, for metrics, which must not tell the two
	// kinds of name apart.
	BlockedDevices(ctx context.Context, factor int, now time.Time, names []string) ([]BlockedDevice, error)
	BlockedNamelessRuns(ctx context.Context, factor int, now time.Time) ([]BlockedDevice, error)
}
