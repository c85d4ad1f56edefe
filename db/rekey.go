package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// rekeyHook lets tests stop a rekey just before its commit (tx is the
// rekey's transaction) or between its commit and the key file
// replacement (tx is nil), to prove the next open recovers.
var rekeyHook func(stage string, tx *sql.Tx) error

// The key recovery protocol. Every process that touches the key files
// follows these rules, and this is the only place they are written down.
//
//  1. The store is the truth: meta key_fingerprint names the key that
//     every secret in the store is sealed under. A key file is used only if
//     its fingerprint is that one.
//  2. Only a rekey writes KEY.new, and only while it holds the store's write
//     lock, after settling (rule 3) so that KEY matches the store. Any
//     KEY.new it finds then is left by a rekey that never committed, so it
//     is removed. Key files appear complete or not at all (writeKeyFile
//     links a finished temporary file into place).
//  3. Anyone (rekey after its commit, and every opener) settles the same
//     way, see settleKeyFile: KEY matches the store: done. Else KEY.new
//     matches the store: a rekey committed and has not yet renamed it, or
//     crashed before it could; rename KEY.new over KEY. The rename is
//     idempotent across processes: if KEY.new has gone, whoever renamed it
//     first did the same job, so look at KEY again.
//  4. A rekey's commit is what switches keys; the rename afterwards is
//     bookkeeping anyone may finish. So the rekey does not report a failed
//     rename of its own as an error when KEY already holds the store's key.
//
// A handle that cached a sealer checks rule 1 at each use (currentSealer),
// so a long-running console or server never writes under a retired key.

// settleAttempts bounds the re-reads of rule 3. Each rename by another
// process can make one read stale, and a rekey needs the write lock to
// start the next round, so three reads always see a settled state unless
// rekeys run back to back.
const settleAttempts = 3

// settleKeyFile returns the key whose fingerprint is want, applying rule 3
// of the key recovery protocol. storePath is for messages.
func settleKeyFile(keyPath, want, storePath string) ([]byte, error) {
	var key []byte
	var err error
	for range settleAttempts {
		key, err = readKeyFile(keyPath)
		if err == nil && fingerprint(key) == want {
			return key, nil
		}
		if err != nil && !errors.Is(err, ErrKeyMissing) {
			return nil, err // present but unusable: the admin must look
		}
		next, nerr := readKeyFile(keyPath + ".new")
		if nerr != nil || fingerprint(next) != want {
			continue // KEY may have been replaced since we read it
		}
		rerr := os.Rename(keyPath+".new", keyPath)
		if rerr == nil {
			return next, syncDir(dirOf(keyPath))
		}
		if !errors.Is(rerr, fs.ErrNotExist) {
			return nil, fmt.Errorf("the store %s uses the key in %s.new but it could not replace %s: %w (rename it by hand)", storePath, keyPath, keyPath, rerr)
		}
	}
	if err == nil {
		return nil, fmt.Errorf("%w: %s has fingerprint %s, the store %s wants %s", ErrKeyMismatch, keyPath, fingerprint(key), storePath, want)
	}
	return nil, fmt.Errorf("%w: %s; the seeds in %s are encrypted under key %s: restore that file (a new key cannot decrypt them)", ErrKeyMissing, keyPath, storePath, want)
}

// Rekey rotates the master key. The order makes every crash recoverable:
// under the write lock the new key is first written beside the old one as
// KEY.new; the same transaction re-encrypts every secret and records the
// new fingerprint; only after it commits is KEY.new renamed over KEY (see
// the key recovery protocol above). A crash before the commit leaves the
// store on the old key (and KEY.new is discarded by the next rekey); a
// crash after it leaves KEY.new matching the store, which the next open
// adopts. Afterwards no old ciphertext is left in the store's files (see
// purgeOldPages).
func (s *SQLite) Rekey(ctx context.Context, actor string) error {
	newPath := s.keyPath + ".new"
	var next *sealer
	committing := false // fn is done: a failure now is the COMMIT's
	err := s.write(ctx, func(tx *sql.Tx) error {
		old, err := s.currentSealer(ctx, tx, false)
		if err != nil {
			return err
		}
		// Rule 2: KEY now matches the store, so a KEY.new is stale.
		if err := os.Remove(newPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing a stale %s: %w", newPath, err)
		}
		key, err := newMasterKey()
		if err != nil {
			return err
		}
		next, err = newSealer(key)
		if err == nil {
			err = writeKeyFile(newPath, key)
		}
		clear(key)
		if err != nil {
			return err
		}
		count, err := reseal(ctx, tx, old, next)
		if err != nil {
			return err
		}
		// The rekey entry is the last one MACed with the old key; then the
		// audit chain moves to the new key (db/auditchain.go).
		if err := s.appendAudit(ctx, tx, old, []AuditEntry{{Actor: actor, Action: "rekey", Outcome: "ok",
			Detail: fmt.Sprintf("%d secret(s) re-encrypted; key %s replaced by %s", count, old.fingerprint, next.fingerprint)}}); err != nil {
			return err
		}
		if err := s.rotateAuditKey(ctx, tx, old, next); err != nil {
			return err
		}
		if err := metaSet(ctx, tx, "key_fingerprint", next.fingerprint); err != nil {
			return err
		}
		if rekeyHook != nil {
			if err := rekeyHook("before-commit", tx); err != nil {
				return err
			}
		}
		committing = true
		return nil
	})
	if err != nil {
		// KEY.new goes only when the commit was never tried. A failed
		// COMMIT (an I/O error while syncing the WAL) can still leave the
		// transaction in the WAL, committed once SQLite recovers it, and
		// then KEY.new is the only copy of the key every seed is sealed
		// under. Kept, it is harmless: the next open settles on KEY if
		// the store still names it, and the next rekey removes it (rule 2).
		if next != nil && !committing {
			os.Remove(newPath)
		}
		return err
	}
	if rekeyHook != nil {
		if err := rekeyHook("after-commit", nil); err != nil {
			return err
		}
	}
	// Rule 4: settle towards whatever the store says now (another rekey
	// may already have followed this one).
	if _, err := s.latestSealer(ctx); err != nil {
		return err
	}
	return s.purgeOldPages(ctx)
}

// reseal re-encrypts every secret from old to next, returning how many
// devices: each seed, and with it in the same statement the device's keyed
// state (as secret as the seed).
func reseal(ctx context.Context, tx *sql.Tx, old, next *sealer) (int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, algorithm, secret, keyed_state FROM devices WHERE secret IS NOT NULL")
	if err != nil {
		return 0, err
	}
	type row struct {
		id          int64
		alg         string
		blob, state []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.alg, &r.blob, &r.state); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range all {
		blob, err := resealWith(r.id, r.blob, old.open, next.seal)
		if err != nil {
			return 0, fmt.Errorf("device %d: %w", r.id, err)
		}
		var state []byte
		if r.state != nil {
			alg, err := otpcore.ParseAlgorithm(r.alg)
			if err != nil {
				return 0, fmt.Errorf("device %d: %w", r.id, err)
			}
			// bound to the old sealing of the seed, and now to the new
			open := func(id int64, b []byte) ([]byte, error) { return old.openKeyed(id, alg, r.blob, b) }
			seal := func(id int64, p []byte) ([]byte, error) { return next.sealKeyed(id, alg, blob, p) }
			if state, err = resealWith(r.id, r.state, open, seal); err != nil {
				return 0, fmt.Errorf("device %d: keyed state: %w", r.id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE devices SET secret = ?, keyed_state = ? WHERE id = ?", blob, state, r.id); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}

// resealWith opens blob with open and seals the plaintext with seal,
// wiping the plaintext.
func resealWith(id int64, blob []byte, open, seal func(int64, []byte) ([]byte, error)) ([]byte, error) {
	plain, err := open(id, blob)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return seal(id, plain)
}

// purgeWait bounds how long a rekey waits for readers to let go of the
// old pages.
var purgeWait = 30 * time.Second

// purgeOldPages removes the old ciphertexts from the store's files. The
// store runs with secure_delete on, so SQLite zeroes the bytes a rewritten
// or deleted row leaves behind in the main file; but in WAL mode the main
// file still holds the pre-rekey pages until a checkpoint copies the new
// ones over them, and the WAL holds every page version written since the
// last checkpoint. A TRUNCATE checkpoint copies everything back and cuts
// the WAL to zero bytes. It must wait until no reader is on an older
// snapshot (a reader keeps the frames it can see alive), so it is retried
// for a bounded time; SQLite's busy timeout paces each try. VACUUM is not
// needed: with secure_delete the old bytes do not survive in free pages or
// cell gaps, and VACUUM would rewrite the whole file under an exclusive
// lock, stopping verification for as long. The shared-memory file holds
// only page numbers, never content.
func (s *SQLite) purgeOldPages(ctx context.Context) error {
	deadline := time.Now().Add(purgeWait)
	for {
		err := s.checkpoint(ctx)
		if err == nil {
			return nil
		}
		retry := errors.Is(err, errCheckpointBusy) || errors.Is(err, ErrLocked)
		if !retry || time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the new key is in place, but old ciphertexts may remain in %s-wal (%w): run `two-factor rekey` again when the store is quiet", s.path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var errCheckpointBusy = errors.New("another process is reading the store")

// checkpoint copies every page in the WAL into the store file and cuts the
// WAL to zero bytes, or fails with errCheckpointBusy while a reader still
// needs older pages.
func (s *SQLite) checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		return s.wrap(err)
	}
	if busy != 0 {
		return errCheckpointBusy
	}
	return nil
}
