package db

// applicationID marks the SQLite file as ours ("2FAC"), so that pointing
// --db at some other SQLite database is refused instead of migrated.
const applicationID = 0x32464143

// migrations are applied in order; the store's PRAGMA user_version is the
// number applied. Never edit a released migration: add a new one.
var migrations = []string{
	// 1: users, devices, backup codes, settings, key fingerprint, audit.
	`
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);
CREATE TABLE devices (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER REFERENCES users(id) ON DELETE CASCADE,
	name            TEXT    NOT NULL,
	kind            TEXT    NOT NULL CHECK (kind IN ('totp', 'hotp', 'backup')),
	hardware        INTEGER NOT NULL DEFAULT 0,
	serial          TEXT,
	model           TEXT    NOT NULL DEFAULT '',
	manufacturer    TEXT    NOT NULL DEFAULT '',
	seed_source     TEXT    NOT NULL DEFAULT '',
	algorithm       TEXT    NOT NULL DEFAULT 'SHA1',
	digits          INTEGER NOT NULL DEFAULT 6,
	step            INTEGER NOT NULL DEFAULT 30,
	t0              INTEGER NOT NULL DEFAULT 0,
	secret          BLOB,
	tolerance       INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	confirmed       INTEGER NOT NULL DEFAULT 0,
	enabled         INTEGER NOT NULL DEFAULT 1,
	drift           INTEGER NOT NULL DEFAULT 0,
	last_step       INTEGER,
	counter         INTEGER NOT NULL DEFAULT 0,
	failures        INTEGER NOT NULL DEFAULT 0,
	last_failure_at INTEGER,
	locked_out      INTEGER NOT NULL DEFAULT 0,
	last_used_at    INTEGER,
	UNIQUE (user_id, name)
);
CREATE INDEX devices_user ON devices(user_id);
CREATE UNIQUE INDEX devices_serial ON devices(serial) WHERE serial IS NOT NULL;
CREATE TABLE backup_codes (
	id        INTEGER PRIMARY KEY,
	device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	hash      BLOB    NOT NULL
);
CREATE INDEX backup_codes_device ON backup_codes(device_id);
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE audit (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          INTEGER NOT NULL,
	actor       TEXT    NOT NULL,
	action      TEXT    NOT NULL,
	user_name   TEXT    NOT NULL DEFAULT '',
	device_id   INTEGER NOT NULL DEFAULT 0,
	device_name TEXT    NOT NULL DEFAULT '',
	outcome     TEXT    NOT NULL DEFAULT '',
	detail      TEXT    NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
	// 2: drift history, for the drift report; audit lookups by user.
	`
CREATE TABLE drift_samples (
	device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	drift     INTEGER NOT NULL
);
CREATE INDEX drift_samples_device ON drift_samples(device_id, at);
CREATE INDEX audit_user ON audit(user_name, id);
`,
	// 3: hardware token inventory: tokens taken out of service stay on
	// record (so a re-import of their serial is noticed) but are never
	// assigned again.
	`
ALTER TABLE devices ADD COLUMN retired_at INTEGER;
`,
	// 4: look-alike user names. name_key is the name with case and
	// compatibility forms folded (devices.UserNameKey, registered with the
	// driver as two_factor_name_key because SQL cannot compute NFKC), and
	// its UNIQUE index makes refusing a look-alike atomic across
	// processes. Users who already shared a key before names were checked
	// are left as they are, so the store still opens: the oldest keeps the
	// key, the others keep a NULL one (NULLs never collide) and the user
	// list flags them for an administrator to sort out.
	`
ALTER TABLE users ADD COLUMN name_key TEXT;
UPDATE users SET name_key = k.key
	FROM (SELECT min(id) AS id, two_factor_name_key(name) AS key FROM users GROUP BY key) AS k
	WHERE users.id = k.id;
CREATE UNIQUE INDEX users_name_key ON users(name_key);
`,
	// 5 (audit chain): tamper-evident audit log. Each row carries an HMAC
	// chaining it to the row before (db/auditchain.go). Triggers are only a
	// guard against mistakes; the MACs are what an attacker cannot redo.
	// An update may only fill in the MAC of a row written without a key;
	// a delete may only remove rows up to the pruned-to anchor.
	`
ALTER TABLE audit ADD COLUMN mac BLOB;
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN OLD.mac IS NOT NULL OR NEW.mac IS NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
	OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action OR NEW.user_name IS NOT OLD.user_name
	OR NEW.device_id IS NOT OLD.device_id OR NEW.device_name IS NOT OLD.device_name
	OR NEW.outcome IS NOT OLD.outcome OR NEW.detail IS NOT OLD.detail
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.id > coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'audit_anchor'), 0)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (old entries go with: two-factor audit prune)'); END;
`,
	// 6 (api clients): applications calling the verifier's HTTP API. Only
	// the SHA-256 of each token is kept: the token is shown once.
	`
CREATE TABLE api_clients (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	token_hash   BLOB NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0
);
`,
	// 7 (keyed state): beside each TOTP/HOTP seed, its HMAC already keyed
	// (otpcore's keyed state), sealed like the seed under its own purpose
	// (db/crypto.go), so a login decrypts only that and hashes no key.
	// NULL until written (rows of older stores get theirs at their next
	// login). The trigger keeps a state from outliving its seed: a seed or
	// algorithm changed by a statement that does not also write the state
	// drops it.
	`
ALTER TABLE devices ADD COLUMN keyed_state BLOB;
CREATE TRIGGER devices_keyed_state_follows_seed AFTER UPDATE OF secret, algorithm ON devices
WHEN NEW.keyed_state IS NOT NULL AND NEW.keyed_state IS OLD.keyed_state
	AND (NEW.secret IS NOT OLD.secret OR NEW.algorithm IS NOT OLD.algorithm)
BEGIN UPDATE devices SET keyed_state = NULL WHERE id = NEW.id; END;
`,
	// 8 (keyed state bound to its seed): a keyed state's associated data
	// now includes the nonce of the sealed seed beside it (v2, see
	// keyedAADPrefix), so an old state put back beside a new seed never
	// opens. The v1 states, bound to no seed, are dropped; each device
	// gets a v2 state at its next login, as rows of older stores do.
	`
UPDATE devices SET keyed_state = NULL;
`,
	// 9 (nameless runs): the audit entries a verification with no device
	// to check the code writes when it counts a failure, indexed by name,
	// so a login reads the run of an unknown name with one seek
	// (db/nameless.go) however long the log or that name's history is.
	`
CREATE INDEX IF NOT EXISTS audit_nameless_failures ON audit(user_name, id)
	WHERE action = 'device.verify' AND device_id = 0 AND outcome = 'rejected';
`,
	// 10 (nameless runs per code shape): a name's runs are kept per
	// shape of code (6, 7 or 8 digits, backup code), named in the
	// entries' device_name, as a user's devices each keep their own; this
	// index seeks a name's run of one shape. It covers what migration 9's
	// did (the entries of before shapes have an empty device_name).
	`
CREATE INDEX IF NOT EXISTS audit_nameless_runs ON audit(user_name, device_name, id)
	WHERE action = 'device.verify' AND device_id = 0 AND outcome = 'rejected';
DROP INDEX IF EXISTS audit_nameless_failures;
`,
}

// SchemaVersion is the schema this build writes.
var SchemaVersion = len(migrations)
