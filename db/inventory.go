package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
)

// detachSQL returns a hardware token to the inventory: no owner, state
// cleared. The drift and replay floor stay: they belong to the token's
// clock, not to its owner.
const detachSQL = `UPDATE devices SET user_id = NULL, confirmed = 0, enabled = 1, failures = 0,
	last_failure_at = NULL, locked_out = 0, last_used_at = NULL`

// ImportItem is one hardware token to import. Device.User names whom the
// file assigns it to (may be empty); Origin is where in the file it came
// from, for messages.
type ImportItem struct {
	Origin string
	Device *devices.Device
}

// ImportOptions steer ImportTokens.
type ImportOptions struct {
	Replace     bool // replace tokens whose serial is already known (default: skip them)
	Assign      bool // assign tokens to the users the file names
	CreateUsers bool // create users the file names that do not exist yet
	DryRun      bool // do everything, then roll back
}

// ImportAction says what happened to one token.
type ImportAction string

const (
	ImportAdded    ImportAction = "added"
	ImportReplaced ImportAction = "replaced"
	ImportSkipped  ImportAction = "skipped" // serial already known
)

// ImportResult reports one token of an import.
type ImportResult struct {
	Origin string
	Serial string
	Action ImportAction
	User   string // assigned to
	Reason string // why skipped
}

// ImportTokens adds hardware tokens in one transaction: everything or, on
// any error, nothing.
//
// The store's write lock stops every other writer, verification included,
// so it is held only for the inserts: validating, encrypting each seed and
// writing the audit text happen first (prepareImport), under the ids the
// tokens are expected to get. The ciphertext is bound to its device id, so
// under the lock each token's id is checked against the one its seed was
// sealed under and re-sealed only if another writer took that id meanwhile.
// If the master key changed in between (a rekey), the preparation is
// thrown away and done again under the new key.
func (s *SQLite) ImportTokens(ctx context.Context, actor string, items []ImportItem, opt ImportOptions) ([]ImportResult, error) {
	for attempt := 1; ; attempt++ {
		plan, err := s.prepareImport(ctx, items, opt)
		if err != nil {
			return nil, err
		}
		results, err := s.commitImport(ctx, actor, plan, opt)
		if !errors.Is(err, errKeyChanged) {
			return results, err
		}
		if attempt == maxImportAttempts {
			return nil, fmt.Errorf("the store's master key changed %d times while the import was being prepared (a rekey is running?); nothing was imported: try again", attempt)
		}
	}
}

// maxImportAttempts bounds re-preparing an import after a rekey.
const maxImportAttempts = 3

// errKeyChanged says the key an import was prepared under is no longer the
// store's.
var errKeyChanged = errors.New("the master key changed during the import")

// preparedToken is an import item with its lock-free work done.
type preparedToken struct {
	ImportItem
	id     int64  // the id its secret is sealed under (0: not sealed)
	blob   []byte // the secret sealed under id
	state  []byte // its keyed HMAC state sealed under id (nil: none)
	detail string // audit detail
}

// storeImportedKeyedState writes the keyed state prepared for p outside
// the lock, or seals one now if p's id changed under the lock (a
// provisional id taken meanwhile), as its seed was.
func storeImportedKeyedState(ctx context.Context, tx querier, seal *sealer, p *preparedToken, d *devices.Device, seedBlob []byte) error {
	if p.blob == nil || p.id != d.ID {
		return storeKeyedState(ctx, tx, seal, d, seedBlob)
	}
	_, err := tx.ExecContext(ctx, "UPDATE devices SET keyed_state = ? WHERE id = ?", p.state, d.ID)
	return err
}

// importPlan is an import prepared outside the write lock.
type importPlan struct {
	seal   *sealer // the key the blobs are sealed under; nil if the store had none yet
	tokens []preparedToken
}

// prepareImport does an import's per-token work without the write lock:
// validation, audit text, and sealing each secret under the id it will
// most likely get (the id of the known token it replaces, or the next free
// one), as read from the store now.
func (s *SQLite) prepareImport(ctx context.Context, items []ImportItem, opt ImportOptions) (*importPlan, error) {
	plan := &importPlan{tokens: make([]preparedToken, len(items))}
	seal, err := s.latestSealer(ctx)
	switch {
	case errors.Is(err, ErrKeyMissing):
		// A store without a key yet has no secret, so no login to hold
		// up: the key is made, and the seeds sealed, under the lock.
	case err != nil:
		return nil, err
	default:
		plan.seal = seal
	}
	known, nextID, err := s.knownTokens(ctx)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		d := it.Device
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", it.Origin, err)
		}
		p := preparedToken{ImportItem: it, detail: fmt.Sprintf("%s serial %s from %s", d.KindLabel(), d.Serial, it.Origin)}
		if d.Serial == "" {
			p.detail = fmt.Sprintf("%s %q from %s", d.KindLabel(), d.Name, it.Origin)
		}
		existing := known[tokenKey(d, opt)]
		switch {
		case existing != 0 && opt.Replace:
			p.id = existing
		case existing == 0:
			p.id = nextID
			nextID++
		}
		if p.id != 0 && plan.seal != nil {
			if p.blob, err = plan.seal.seal(p.id, d.Secret); err != nil {
				return nil, err
			}
			as := *d // the state is bound to the id it will have
			as.ID = p.id
			if p.state, err = sealedKeyedState(plan.seal, &as, p.blob); err != nil {
				return nil, err
			}
		}
		plan.tokens[i] = p
	}
	return plan, nil
}

// tokenKey is how an import recognises a known token: by serial, or an
// authenticator seed by its owner and name.
func tokenKey(d *devices.Device, opt ImportOptions) string {
	if d.Serial != "" {
		return "serial\x00" + d.Serial
	}
	if !opt.Assign {
		return ""
	}
	return "owner\x00" + d.User + "\x00" + d.Name
}

// knownTokens maps tokenKey to device id for every device, and returns the
// next free id.
func (s *SQLite) knownTokens(ctx context.Context) (map[string]int64, int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT d.id, coalesce(d.serial, ''), coalesce(u.name, ''), d.name"+deviceFrom)
	if err != nil {
		return nil, 0, s.wrap(err)
	}
	defer rows.Close()
	known := map[string]int64{}
	var maxID int64
	for rows.Next() {
		var d devices.Device
		if err := rows.Scan(&d.ID, &d.Serial, &d.User, &d.Name); err != nil {
			return nil, 0, s.wrap(err)
		}
		maxID = max(maxID, d.ID)
		if d.Serial == "" && d.User == "" {
			continue
		}
		known[tokenKey(&d, ImportOptions{Assign: true})] = d.ID
	}
	return known, maxID + 1, s.wrap(rows.Err())
}

// commitImport writes a prepared import in one transaction.
func (s *SQLite) commitImport(ctx context.Context, actor string, plan *importPlan, opt ImportOptions) ([]ImportResult, error) {
	results := make([]ImportResult, 0, len(plan.tokens))
	err := s.writeUnlessDryRun(ctx, opt.DryRun, func(sqlTx *sql.Tx) error {
		tx := newStmtCache(sqlTx)
		defer tx.close()
		seal, err := s.importSealer(ctx, tx, opt.DryRun)
		if err != nil {
			return err
		}
		if plan.seal != nil && plan.seal.fingerprint != seal.fingerprint {
			return errKeyChanged
		}
		// sealed is p's secret sealed under id: the prepared one when
		// the guess was right, else sealed now.
		sealed := func(p *preparedToken, id int64) ([]byte, error) {
			if p.blob != nil && p.id == id {
				return p.blob, nil
			}
			return seal.seal(id, p.Device.Secret)
		}
		users := map[string]int64{}
		userID := func(it ImportItem) (int64, error) {
			name := it.Device.User
			if name == "" || !opt.Assign {
				return 0, nil
			}
			if id, ok := users[name]; ok {
				return id, nil
			}
			u, err := s.findOrAddUser(ctx, tx, actor, name, opt.CreateUsers, "created by import")
			if errors.Is(err, ErrNotFound) && !opt.CreateUsers {
				return 0, fmt.Errorf("%w (pass --create-users to add it, or --no-assign)", err)
			} else if err != nil {
				return 0, err
			}
			users[name] = u.ID
			return u.ID, nil
		}
		byName := map[int64]map[string]bool{}
		var audits []AuditEntry
		nextID, err := nextDeviceID(ctx, tx)
		if err != nil {
			return err
		}
		for i := range plan.tokens {
			p := &plan.tokens[i]
			d := p.Device
			where := func(err error) error { return fmt.Errorf("%s: %w", p.Origin, err) }
			uid, err := userID(p.ImportItem)
			if err != nil {
				return where(err)
			}
			if d.Serial == "" && (uid == 0 || d.Hardware) {
				return where(errors.New("no serial number and no user to give it to: a token needs a serial, an authenticator seed an owner"))
			}
			r := ImportResult{Origin: p.Origin, Serial: d.Serial}
			if uid != 0 {
				r.User = d.User
			}
			var (
				existing int64
				owner    sql.NullInt64
				floor    replayFloor
			)
			const cols = "SELECT id, user_id, last_step, counter FROM devices WHERE "
			if d.Serial != "" {
				err = tx.QueryRowContext(ctx, cols+"serial = ?", d.Serial).Scan(&existing, &owner, &floor.lastStep, &floor.counter)
			} else { // an authenticator seed is known by its owner and name
				err = tx.QueryRowContext(ctx, cols+"user_id = ? AND name = ?", uid, d.Name).Scan(&existing, &owner, &floor.lastStep, &floor.counter)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				existing = 0
			case err != nil:
				return err
			}
			if existing != 0 && !opt.Replace {
				r.Action, r.Reason, r.User = ImportSkipped, "serial already known (use --replace to overwrite)", ""
				if d.Serial == "" {
					r.Action, r.Reason, r.User = ImportSkipped, fmt.Sprintf("%s already has a device named %q (use --replace to overwrite)", d.User, d.Name), ""
				}
				results = append(results, r)
				continue
			}
			if uid == 0 && existing != 0 {
				uid = owner.Int64 // a replacement keeps its owner unless the file names one
			}
			// An admin-assigned factory token, or an authenticator seed
			// migrated from a system where it was in use, is active at once.
			d.Confirmed = uid != 0
			if uid != 0 {
				if byName[uid] == nil {
					byName[uid] = map[string]bool{}
				}
				if byName[uid][d.Name] {
					return where(fmt.Errorf("two tokens for %s are named %q", d.User, d.Name))
				}
				byName[uid][d.Name] = true
			}
			id := nextID
			if existing != 0 {
				id = existing
			}
			blob, err := sealed(p, id)
			if err != nil {
				return err
			}
			if existing != 0 {
				d.ID = existing
				floor.keep(d)
				if err := replaceToken(ctx, tx, blob, uid, d); err != nil {
					return where(err)
				}
				r.Action = ImportReplaced
			} else {
				if err := insertDeviceSealed(ctx, tx, blob, id, uid, d); err != nil {
					return where(err)
				}
				nextID++
				r.Action = ImportAdded
			}
			if err := storeImportedKeyedState(ctx, tx, seal, p, d, blob); err != nil {
				return where(err)
			}
			if d.Serial == "" {
				r.Serial = d.Name
			}
			audits = append(audits, AuditEntry{Actor: actor, Action: "token.import", User: r.User, DeviceID: d.ID, Device: d.Name, Outcome: string(r.Action), Detail: p.detail})
			results = append(results, r)
		}
		return s.auditBatch(ctx, tx, audits)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// errDryRun rolls back a dry run's transaction once everything in it
// has succeeded.
var errDryRun = errors.New("dry run")

// writeUnlessDryRun runs fn in a write transaction and commits it, unless
// dryRun: then everything a real run does (checks, writes, audit entries)
// is done and rolled back, so a dry run fails exactly where a real one
// would and changes nothing.
func (s *SQLite) writeUnlessDryRun(ctx context.Context, dryRun bool, fn func(*sql.Tx) error) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// importSealer is the store's current key inside an import's transaction,
// made now if the store has none yet. A dry run on a store without a key
// must not create one: it encrypts under a throwaway key and rolls back.
func (s *SQLite) importSealer(ctx context.Context, tx querier, dryRun bool) (*sealer, error) {
	seal, err := s.currentSealer(ctx, tx, !dryRun)
	if !dryRun || !errors.Is(err, ErrKeyMissing) {
		return seal, err
	}
	if fp, ferr := metaGet(ctx, tx, "key_fingerprint"); ferr != nil || fp != "" {
		return nil, err
	}
	key, err := newMasterKey()
	if err != nil {
		return nil, err
	}
	return newSealer(key)
}

// replayFloor is a known token's stored replay floor.
type replayFloor struct {
	lastStep sql.NullInt64 // TOTP: last accepted step; NULL: none yet
	counter  int64         // HOTP: next counter (a uint64 stored as int64)
}

// keep raises d's floor to the stored one: a replacement may move a
// token's floor forward but never back, or codes already accepted would
// be accepted again.
func (f replayFloor) keep(d *devices.Device) {
	if f.lastStep.Valid && (d.LastStep == otpcore.NoFloor || f.lastStep.Int64 > d.LastStep) {
		d.LastStep = f.lastStep.Int64
	}
	d.Counter = max(d.Counter, uint64(f.counter))
}

// replaceToken overwrites a known token's seed (already sealed under its
// id) and parameters and clears its state, as when a token is re-seeded or
// a seed file corrected. d's replay floor must already include the
// stored one (replayFloor.keep).
func replaceToken(ctx context.Context, tx querier, blob []byte, userID int64, d *devices.Device) error {
	uid := sql.NullInt64{Int64: userID, Valid: userID != 0}
	_, err := tx.ExecContext(ctx, `UPDATE devices SET user_id = ?, name = ?, kind = ?, model = ?, manufacturer = ?,
		seed_source = ?, algorithm = ?, digits = ?, step = ?, t0 = ?, tolerance = ?, confirmed = ?, enabled = 1,
		drift = ?, last_step = ?, counter = ?, failures = 0, last_failure_at = NULL, locked_out = 0,
		last_used_at = NULL, retired_at = NULL, secret = ? WHERE id = ?`,
		uid, d.Name, string(d.Kind), d.Model, d.Manufacturer, string(d.SeedSource), algorithmText(d), d.Digits,
		d.Step, d.T0, d.Tolerance, d.Confirmed, d.Drift, nullStep(d.LastStep), int64(d.Counter), blob, d.ID)
	if err != nil {
		return uniqueErr(err, d)
	}
	d.UserID = userID
	return nil
}

// TokenFilter selects hardware tokens.
type TokenFilter struct {
	Unassigned bool // only tokens in the inventory
	Retired    bool // include retired tokens
}

func tokenWhere(f TokenFilter) string {
	w := "WHERE d.hardware"
	if f.Unassigned {
		w += " AND d.user_id IS NULL"
	}
	if !f.Retired {
		w += " AND d.retired_at IS NULL"
	}
	return w
}

// Tokens lists hardware tokens without their secrets, by serial.
func (s *SQLite) Tokens(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	ds, err := queryDevices(ctx, s.db, tokenWhere(f)+" ORDER BY d.serial")
	return ds, s.wrap(err)
}

// TokenSecrets lists hardware tokens with their secrets decrypted, for
// identifying a token in hand and for export.
func (s *SQLite) TokenSecrets(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	for range settleAttempts - 1 {
		ds, err := s.tokenSecretsOnce(ctx, f)
		if !errors.Is(err, ErrKeyMismatch) {
			return ds, err
		}
		// A rekey committed and replaced the key file after our
		// snapshot began: read again from a newer snapshot.
	}
	return s.tokenSecretsOnce(ctx, f)
}

// tokenSecretsOnce reads in one read transaction, so the key fingerprint
// and the ciphertexts come from the same snapshot even if another process
// rekeys meanwhile.
func (s *SQLite) tokenSecretsOnce(ctx context.Context, f TokenFilter) ([]*devices.Device, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.wrap(err)
	}
	defer tx.Rollback()
	ds, err := queryDevices(ctx, tx, tokenWhere(f)+" ORDER BY d.serial")
	if err != nil || len(ds) == 0 {
		return ds, s.wrap(err)
	}
	seal, err := s.currentSealer(ctx, tx, false)
	if err != nil {
		return nil, err
	}
	// One query for all secrets rather than one per token.
	rows, err := tx.QueryContext(ctx, "SELECT d.id, d.secret FROM devices d "+tokenWhere(f))
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	byID := make(map[int64]*devices.Device, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
	}
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, s.wrap(err)
		}
		d := byID[id]
		if d == nil {
			continue
		}
		if d.Secret, err = seal.open(id, blob); err != nil {
			return nil, fmt.Errorf("token %s: %w", d.Serial, err)
		}
	}
	return ds, s.wrap(rows.Err())
}

// tokenBySerial finds a hardware token.
func tokenBySerial(ctx context.Context, tx *sql.Tx, serial string) (*devices.Device, error) {
	ds, err := queryDevices(ctx, tx, "WHERE d.hardware AND d.serial = ?", serial)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, &NotFoundError{What: "token", Name: serial}
	}
	return ds[0], nil
}

// AssignToken gives an inventory token to a user. A factory-seeded token
// assigned by an admin is active at once: there is no QR code to get wrong.
func (s *SQLite) AssignToken(ctx context.Context, actor, serial, user string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		switch devices.TokenStateOf(d) {
		case devices.TokenRetired:
			return Conflictf("token %s was retired on %s and cannot be assigned", serial, d.Retired.Format("2006-01-02"))
		case devices.TokenAssigned:
			return Conflictf("token %s is assigned to %s already; unassign it first", serial, d.User)
		}
		u, err := userByName(ctx, tx, user)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE devices SET user_id = ?, confirmed = 1, enabled = 1 WHERE id = ?", u.ID, d.ID); err != nil {
			return uniqueErr(err, d)
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "token.assign", User: u.Name, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial})
	})
}

// UnassignToken returns a token to the inventory.
func (s *SQLite) UnassignToken(ctx context.Context, actor, serial string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		if devices.TokenStateOf(d) != devices.TokenAssigned {
			return Conflictf("token %s is not assigned to anyone", serial)
		}
		handed, err := handOverEntries(ctx, tx, d.User, []*devices.Device{d}, ShapeOf, "unassigned")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, detachSQL+" WHERE id = ?", d.ID); err != nil {
			return err
		}
		return s.auditBatch(ctx, tx, append(byActor(handed, actor), AuditEntry{Actor: actor, Action: "token.unassign", User: d.User, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial}))
	})
}

// RetireToken takes a token out of service for good (lost, broken, battery
// flat): it leaves its owner and is never offered for assignment again.
func (s *SQLite) RetireToken(ctx context.Context, actor, serial string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		d, err := tokenBySerial(ctx, tx, serial)
		if err != nil {
			return err
		}
		if devices.TokenStateOf(d) == devices.TokenRetired {
			return Conflictf("token %s is retired already", serial)
		}
		var handed []AuditEntry
		if devices.TokenStateOf(d) == devices.TokenAssigned {
			if handed, err = handOverEntries(ctx, tx, d.User, []*devices.Device{d}, ShapeOf, "retired"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, detachSQL+", retired_at = ? WHERE id = ?", s.now().UnixMilli(), d.ID); err != nil {
			return err
		}
		return s.auditBatch(ctx, tx, append(byActor(handed, actor), AuditEntry{Actor: actor, Action: "token.retire", User: d.User, DeviceID: d.ID, Device: d.Name, Outcome: "ok", Detail: "serial " + serial}))
	})
}
