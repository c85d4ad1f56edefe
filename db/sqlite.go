package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options configure Open.
type Options struct {
	// KeyFile is the master key file. Required for anything that reads or
	// writes a secret; listing and status work without it.
	KeyFile string
	// Create makes a new store when path does not exist.
	Create bool
	// BusyTimeout is how long to wait for another process's write lock
	// before failing with ErrLocked. Default DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Now is the clock for timestamps; default time.Now.
	Now func() time.Time
	// OnWrite, when set, is told after every write transaction how long
	// it held the store's write lock (BEGIN IMMEDIATE to COMMIT or
	// ROLLBACK): other processes' writes, verification included, wait
	// that long. For benchmarks and monitoring.
	OnWrite func(held time.Duration)
	// KeepWAL is for a process that checks a code and exits: it leaves
	// the WAL for the next one instead of checkpointing it on close (see
	// closecheckpoint.go).
	KeepWAL bool
	// GroupCommit is for the long-running verifier: concurrent Updates
	// share transactions and their fsyncs (see groupcommit.go). Off for
	// the CLI, whose process makes one change and exits.
	GroupCommit bool
}

// DefaultBusyTimeout is how long a write (a verification included) waits
// for another process's write lock. It must outlast the longest write the
// product itself does, or a login fails while an admin works: that is the
// largest import the parser accepts (seedfile.DefaultMaxTokens, a million
// tokens), whose inserts hold the lock 12-20 µs a token on a small shared
// 2-core machine (BENCHMARKS.md: 125 ms for 10,000), so 12-20 s. A minute
// leaves three to five times that, and is still well inside sshd's 120 s
// LoginGraceTime.
const DefaultBusyTimeout = 60 * time.Second

// SQLite is the embedded store.
type SQLite struct {
	db      *sql.DB
	path    string
	keyPath string
	host    string // this machine's name, the default issuer (see Settings)
	now     func() time.Time
	onWrite func(time.Duration)

	mu   sync.Mutex
	seal *sealer // loaded on first use of a secret

	// prepared is the login path's statements, prepared once.
	prepared prepared
	group    *groupCommitter // nil without Options.GroupCommit

	watchMu sync.Mutex
	watch   *sql.Conn // ChangeCounter's own connection, opened on first use
	// djangoSite is, for a Django site's side file, the site's database
	// attached to every connection, so errors name it as well.
	djangoSite string
	// watchSQL are ChangeCounter's queries, summed; empty means PRAGMA
	// data_version of the store file alone (a Django side file adds the
	// site's database).
	watchSQL []string
}

var _ Store = (*SQLite)(nil)

// hostname is os.Hostname, asked once per Open rather than on every
// Settings (that is, every login); a variable so tests can count calls.
var hostname = os.Hostname

// Open opens (and migrates) the store at path.
func Open(ctx context.Context, path string, opt Options) (*SQLite, error) {
	return openStore(ctx, path, opt, fileMode{journal: "WAL", keepWAL: opt.KeepWAL})
}

// fileMode is how a store file is opened: the embedded store's own file
// in WAL mode, or a Django site's side file (see OpenDjango) in rollback-
// journal mode with the site's database attached to every connection.
type fileMode struct {
	journal string // "WAL" or "DELETE"
	keepWAL bool   // see Options.KeepWAL
	// connect, when set, wraps each new connection (ATTACH the Django
	// database).
	connect func(driver.Connector) driver.Connector
}

func openStore(ctx context.Context, path string, opt Options, mode fileMode) (*SQLite, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store path %q: '?' and '#' are not allowed in the file name", path)
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = DefaultBusyTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && opt.Create:
		if err := createStoreAs(ctx, path, opt.BusyTimeout, mode); err != nil {
			return nil, err
		}
		if st, err = os.Stat(path); err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s (create it with: two-factor init --db %s)", ErrStoreMissing, path, path)
	case err != nil:
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := checkStoreFile(path, st); err != nil {
		return nil, err
	}
	s, err := openSQLiteAs(path, opt.BusyTimeout, mode)
	if err != nil {
		return nil, err
	}
	s.keyPath, s.now, s.onWrite = opt.KeyFile, opt.Now, opt.OnWrite
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if opt.GroupCommit {
		s.group = startGroupCommit(s)
	}
	return s, nil
}

// openSQLite connects to the store file at path. secure_delete makes
// SQLite zero what a deleted or rewritten row leaves behind, so a removed
// device's seed, or a ciphertext under a retired key, does not linger in
// free space (see purgeOldPages).
//
// synchronous stays FULL: in WAL mode NORMAL does not sync at COMMIT, so a
// power loss could undo the last accepted logins, replay floor and HOTP
// counter included, and let a code that was already accepted be accepted
// again after the reboot. FULL costs one fsync of the WAL per commit.
func openSQLite(path string, busy time.Duration, keepWALOnClose bool) (*SQLite, error) {
	return openSQLiteAs(path, busy, fileMode{journal: "WAL", keepWAL: keepWALOnClose})
}

func openSQLiteAs(path string, busy time.Duration, mode fileMode) (*SQLite, error) {
	dsn := fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=journal_mode(%s)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate",
		path, busy.Milliseconds(), mode.journal)
	if mode.keepWAL {
		dsn += fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", keepWALCheckpointPages)
	}
	conn, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if mode.keepWAL {
		conn = keepWAL{conn}
	}
	if mode.connect != nil {
		conn = mode.connect(conn)
	}
	sdb := sql.OpenDB(conn)
	host, _ := hostname()
	return &SQLite{db: sdb, path: path, host: host, now: time.Now, prepared: prepared{db: sdb}}, nil
}

func (s *SQLite) Path() string { return s.path }

func (s *SQLite) Close() error {
	if s.group != nil {
		s.group.stop()
	}
	s.closeWatch()
	s.prepared.close()
	return s.db.Close()
}

func (s *SQLite) migrate(ctx context.Context) error {
	var app, version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return s.wrap(err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.wrap(err)
	}
	if app != applicationID {
		var tables int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
			return s.wrap(err)
		}
		if app != 0 || tables > 0 {
			return fmt.Errorf("%s: %w (it is some other SQLite database)", s.path, ErrNotAStore)
		}
	}
	if version > len(migrations) {
		return fmt.Errorf("%s: %w (schema version %d; this build knows up to %d): upgrade two-factor", s.path, ErrNewerSchema, version, len(migrations))
	}
	if version == len(migrations) {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// Another process may have migrated while we waited for the lock.
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return err
		}
		for i := version; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrating %s to schema %d: %w", s.path, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID))
		return err
	})
}

// lockHook lets tests see when this process holds the write lock (true
// after BEGIN IMMEDIATE, false after COMMIT or ROLLBACK), to prove which
// work happens under it.
var lockHook func(held bool)

// write runs fn in an immediate (write-locked) transaction.
func (s *SQLite) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err)
	}
	// Should fn panic, the transaction is rolled back on the way out, or
	// its write lock would be held until the process exits, stopping
	// every other writer (logins included) once a caller recovers.
	// After a commit this does nothing.
	defer tx.Rollback()
	if lockHook != nil {
		lockHook(true)
		defer lockHook(false)
	}
	if s.onWrite != nil {
		locked := time.Now()
		defer func() { s.onWrite(time.Since(locked)) }()
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.wrap(err)
	}
	return s.wrap(tx.Commit())
}

// wrap turns SQLite's errors into ones a sysadmin can act on.
func (s *SQLite) wrap(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return s.explain(se.Code(), err)
	}
	return err
}

// explain maps an SQLite result code (primary or extended) to a message
// naming the store and what to do.
func (s *SQLite) explain(code int, err error) error {
	switch site := s.djangoSite; {
	case site != "" && (code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED):
		// Either file's lock may be the one held, and on a site it is
		// most often Django's, saving a login.
		return fmt.Errorf("%w: the Django database %s or its side file %s (Django or another two-factor is writing; try again)", ErrLocked, site, s.path)
	case site != "" && code&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Errorf("the Django database %s or its side file %s (or their journals) is read-only for this user: run two-factor as the account that owns the site's database (ls -l %s*)", site, s.path, site)
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %s (another two-factor is writing to it; try again)", ErrLocked, s.path)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%s: %w (the file is not an SQLite database)", s.path, ErrNotAStore)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("store %s is corrupt: %v (restore it from a backup)", s.path, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("store %s (or its %s-wal / %s-shm) is read-only for this user: check the owner and mode with: ls -l %s*", s.path, s.path, s.path, s.path)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("store %s cannot be opened: %v", s.path, err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("store %s: the disk is full: free some space (df %s) and try again", s.path, filepath.Dir(s.path))
	case sqlite3.SQLITE_IOERR:
		// Running out of space often shows as an I/O error (growing the
		// WAL or the shared-memory file), so say both.
		return fmt.Errorf("I/O error on store %s (SQLite code %d): the disk may be full or failing; check free space (df %s) and the system log", s.path, code, filepath.Dir(s.path))
	}
	return err
}

// currentSealer returns the sealer for the key the store belongs to now.
// It reads the store's key fingerprint through q, so a caller inside a
// write transaction gets the key that transaction will commit under: a
// handle left open across another process's rekey notices the change here
// and loads the new key (see settleKeyFile) instead of sealing secrets
// under the retired one. The cached sealer saves reading the key file; the
// fingerprint check is one indexed row per call.
//
// With create, a store that has no key yet gets one: an existing key file
// is adopted, or a new one is written, and its fingerprint is recorded in
// q's transaction. A key file is never overwritten.
func (s *SQLite) currentSealer(ctx context.Context, q querier, create bool) (*sealer, error) {
	if s.keyPath == "" {
		return nil, fmt.Errorf("%w: no key file configured (--key-file or TWO_FACTOR_KEY_FILE)", ErrKeyMissing)
	}
	want, err := metaGet(ctx, q, "key_fingerprint")
	if err != nil {
		return nil, s.wrap(err)
	}
	if fingerprintReadHook != nil {
		fingerprintReadHook(s)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if want == "" {
		return s.firstKey(ctx, q, create)
	}
	if s.seal != nil && s.seal.fingerprint == want {
		return s.seal, nil
	}
	key, err := settleKeyFile(s.keyPath, want, s.path)
	if err != nil {
		return nil, err
	}
	seal, err := newSealer(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	s.seal = seal
	return seal, nil
}

// fingerprintReadHook lets tests act between currentSealer reading the
// store's key fingerprint and settling the key file on it.
var fingerprintReadHook func(*SQLite)

// latestSealer is currentSealer for callers outside a write transaction.
// Their fingerprint can be stale by the time they settle: rekeys run back
// to back can replace the key twice in between, and settling then finds
// neither KEY nor KEY.new with the fingerprint read. Reading it again
// sees the newer key, so one retry is enough (as in TokenSecrets).
func (s *SQLite) latestSealer(ctx context.Context) (*sealer, error) {
	seal, err := s.currentSealer(ctx, s.db, false)
	if errors.Is(err, ErrKeyMismatch) {
		seal, err = s.currentSealer(ctx, s.db, false)
	}
	return seal, err
}

// firstKey provides the key of a store that has none recorded yet. It is
// recorded (in q's transaction) only with create, that is when a secret is
// about to be written; the fingerprint check of the next call caches it.
func (s *SQLite) firstKey(ctx context.Context, q querier, create bool) (*sealer, error) {
	key, err := readKeyFile(s.keyPath)
	switch {
	case err == nil:
	case errors.Is(err, ErrKeyMissing) && create:
		if key, err = newMasterKey(); err != nil {
			return nil, err
		}
		if err := writeKeyFile(s.keyPath, key); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	seal, err := newSealer(key)
	clear(key)
	if err != nil || !create {
		return seal, err
	}
	return seal, metaSet(ctx, q, "key_fingerprint", seal.fingerprint)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func metaGet(ctx context.Context, q querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func metaSet(ctx context.Context, q querier, key, value string) error {
	_, err := q.ExecContext(ctx, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return err
}

// Times are stored as Unix milliseconds; NULL is the zero time.
func toMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64)
}
