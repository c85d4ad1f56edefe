package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// Django is a Django site's own SQLite database (django-otp's tables) used
// as the store, so that the console and every command administer the
// site's two-factor data in place while Django keeps verifying logins.
//
// What Django has no column for lives in a side file next to it,
// PATH.two-factor: a two-factor store of the usual schema (so the audit
// log with its HMAC chain, settings, API clients and drift history are the
// embedded store's own code, not copies) whose devices table holds one
// "extras" row per Django device that needs one, under the Django device's
// id: hardware-token metadata, and the last use where django-otp < 1.4 has
// no last_used_at. Django's own tables are never altered, and neither is
// their journal mode.
//
// Atomicity: every connection opens the side file as its main database and
// ATTACHes the Django file as schema "dj"; a change is one transaction on
// that connection, so the Django rows and the side rows (audit entry
// included) commit together. The side file is kept in rollback-journal
// (DELETE) mode so that SQLite's multi-file commit (a super-journal naming
// both journals) makes that commit atomic across the two files even on a
// crash, as long as the Django file is in rollback-journal mode too, which
// is Django's default. A site that switched its database to WAL keeps
// per-file atomicity only: a crash in the middle of a commit can then keep
// the Django change without its audit entry (never half a Django change).
//
// Django keeps device keys and static tokens in plain text (hex keys,
// django-otp's design); this backend reads and writes them so. Only the
// side file's secrets are sealed under the master key.
//
// Concurrency: Django verifies logins while we work, so a change is read
// first, decided by the caller's function, and written with conditional
// updates (UPDATE ... WHERE every column is as read, DELETE of a static
// token checking the rows it removed): a row that changed meanwhile makes
// the whole Update run again from a fresh read, so a code accepted by
// Django and by us at the same instant is accepted once. Reading outside
// the write lock keeps the time Django's logins wait on us to the write
// itself (Django's SQLite timeout is 5 s by default).
type Django struct {
	side   *SQLite // the side file, with the Django database attached as "dj"
	path   string
	schema djangoSchema
	now    func() time.Time
}

var _ Store = (*Django)(nil)

// SideFile names the side file of a Django database.
func SideFile(djangoPath string) string { return djangoPath + ".two-factor" }

// OpenDjango opens a Django site's database at djangoPath with its side
// file (created with opt.Create). The master key is opt.KeyFile.
// Options.KeepWAL and GroupCommit do not apply: the side file is in
// rollback-journal mode, and each Update is its own transaction.
func OpenDjango(ctx context.Context, djangoPath string, opt Options) (*Django, error) {
	if strings.ContainsAny(djangoPath, "?#") {
		return nil, fmt.Errorf("Django database path %q: '?' and '#' are not allowed in the file name", djangoPath)
	}
	abs, err := filepath.Abs(djangoPath)
	if err != nil {
		return nil, fmt.Errorf("Django database %s: %w", djangoPath, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("Django database %s: %w", djangoPath, err)
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = DefaultBusyTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	uri := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=rw"}).String()
	schema, err := probeDjango(ctx, djangoPath, uri, opt.BusyTimeout)
	if err != nil {
		return nil, err
	}
	sidePath := SideFile(djangoPath)
	if _, err := os.Stat(sidePath); errors.Is(err, fs.ErrNotExist) && !opt.Create {
		return nil, fmt.Errorf("%w: %s, the side file that keeps two-factor's audit log, settings and token metadata for the Django database %s (create it with: two-factor init --django %s)",
			ErrStoreMissing, sidePath, djangoPath, djangoPath)
	}
	opt.KeepWAL, opt.GroupCommit = false, false
	side, err := openStore(ctx, sidePath, opt, fileMode{journal: "DELETE", connect: func(c driver.Connector) driver.Connector {
		return attachDjango{Connector: c, uri: uri}
	}})
	if err != nil {
		return nil, err
	}
	side.watchSQL = []string{"PRAGMA main.data_version", "PRAGMA dj.data_version"}
	side.djangoSite = djangoPath
	return &Django{side: side, path: djangoPath, schema: schema, now: opt.Now}, nil
}

// attachDjango attaches the Django database to each new connection of the
// side file, and has SQLite zero what a deleted row (a consumed static
// token) leaves behind there too.
type attachDjango struct {
	driver.Connector
	uri string
}

func (a attachDjango) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := a.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := c.(driver.ExecerContext)
	if !ok {
		c.Close()
		return nil, errors.New("the SQLite driver cannot execute statements on a new connection")
	}
	for _, q := range []string{"ATTACH DATABASE ? AS dj", "PRAGMA dj.secure_delete = 1"} {
		var args []driver.NamedValue
		if strings.Contains(q, "?") {
			args = []driver.NamedValue{{Ordinal: 1, Value: a.uri}}
		}
		if _, err := ex.ExecContext(ctx, q, args); err != nil {
			c.Close()
			return nil, fmt.Errorf("attaching the Django database: %w", err)
		}
	}
	return c, nil
}

func (d *Django) Path() string { return d.path }
func (d *Django) Close() error { return d.side.Close() }
func (d *Django) wrap(err error) error {
	if err == nil {
		return nil
	}
	var se interface{ Code() int }
	if errors.As(err, &se) {
		return d.side.explain(se.Code(), err)
	}
	return err
}

// ChangeCounter moves when another connection commits to either file.
func (d *Django) ChangeCounter(ctx context.Context) (int64, error) {
	return d.side.ChangeCounter(ctx)
}

// Settings mirror the site's settings.py, which two-factor cannot read:
// an administrator keeps issuer, tolerances, throttle factor and drift
// following (OTP_TOTP_SYNC) equal to the site's in the side file. Django
// has no hard lockout, and its verification rules apply.
func (d *Django) Settings(ctx context.Context) (devices.Settings, error) {
	set, err := d.side.Settings(ctx)
	set.Rules, set.LockoutThreshold = devices.DjangoRules, 0
	return set, err
}

func (d *Django) SetSetting(ctx context.Context, actor, key, value string) error {
	if key == "lockout-threshold" && strings.TrimSpace(value) != "0" {
		return unavailable("a hard lockout (django-otp only throttles; lockout-threshold stays 0)")
	}
	return d.side.SetSetting(ctx, actor, key, value)
}

func unavailable(what string) error { return fmt.Errorf("%w: %s", ErrUnavailable, what) }

// The side file's own records: the embedded store's code on its tables.

func (d *Django) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	return d.side.Audit(ctx, f)
}

func (d *Django) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	return d.side.VerifyAudit(ctx)
}

func (d *Django) PruneAudit(ctx context.Context, actor string, before time.Time) (int, error) {
	return d.side.pruneAudit(ctx, actor, before, keepEveryRun)
}

// Rekey re-seals the side file's secrets and audit key under a new master
// key. Django's device keys and static tokens are not ours to seal: Django
// keeps them in plain hex and plain text by its design and must read them
// so.
func (d *Django) Rekey(ctx context.Context, actor string) error {
	return d.side.Rekey(ctx, actor)
}

func (d *Django) DriftHistory(ctx context.Context, deviceID int64) ([]devices.DriftSample, error) {
	return d.side.DriftHistory(ctx, deviceID)
}

func (d *Django) AddAPIClient(ctx context.Context, actor, name string, tokenHash []byte) error {
	return d.side.AddAPIClient(ctx, actor, name, tokenHash)
}

func (d *Django) RemoveAPIClient(ctx context.Context, actor, name string) error {
	return d.side.RemoveAPIClient(ctx, actor, name)
}

func (d *Django) APIClients(ctx context.Context) ([]APIClient, error) { return d.side.APIClients(ctx) }

func (d *Django) APIClientByToken(ctx context.Context, tokenHash []byte) (APIClient, error) {
	return d.side.APIClientByToken(ctx, tokenHash)
}

func (d *Django) TouchAPIClient(ctx context.Context, name string, at time.Time) error {
	return d.side.TouchAPIClient(ctx, name, at)
}

// probeDjango reads the Django database's schema on a connection of its
// own, before any side file is made next to it.
func probeDjango(ctx context.Context, path, uri string, busy time.Duration) (djangoSchema, error) {
	db, err := sql.Open("sqlite", fmt.Sprintf("%s&_pragma=busy_timeout(%d)", strings.Replace(uri, "mode=rw", "mode=ro", 1), busy.Milliseconds()))
	if err != nil {
		return djangoSchema{}, fmt.Errorf("Django database %s: %w", path, err)
	}
	defer db.Close()
	return detectDjangoSchema(ctx, db, path)
}
