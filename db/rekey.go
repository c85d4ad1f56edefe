package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// rekeyHook lets tests stop a rekey between its commit and the key file
// replacement, to prove the next open recovers.
var rekeyHook func(stage string) error

// Rekey rotates the master key. The order makes every crash recoverable:
// the new key is first written beside the old one as KEY.new; then one
// transaction re-encrypts every secret and records the new fingerprint;
// only after it commits is KEY.new renamed over KEY. A crash before the
// commit leaves the store on the old key (and KEY.new is discarded next
// time); a crash after it leaves KEY.new matching the store, which the next
// open adopts.
func (s *SQLite) Rekey(ctx context.Context, actor string) error {
	old, err := s.sealer(ctx, s.db, false)
	if err != nil {
		return err
	}
	newPath := s.keyPath + ".new"
	if err := os.Remove(newPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing a stale %s: %w", newPath, err)
	}
	key, err := newMasterKey()
	if err != nil {
		return err
	}
	next, err := newSealer(key)
	if err != nil {
		return err
	}
	if err := writeKeyFile(newPath, key); err != nil {
		return err
	}
	var count int
	err = s.write(ctx, func(tx *sql.Tx) error {
		if fp, err := metaGet(ctx, tx, "key_fingerprint"); err != nil {
			return err
		} else if fp != "" && fp != old.fingerprint {
			return fmt.Errorf("%w: the store was rekeyed by another process", ErrKeyMismatch)
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, secret FROM devices WHERE secret IS NOT NULL")
		if err != nil {
			return err
		}
		type row struct {
			id   int64
			blob []byte
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.blob); err != nil {
				rows.Close()
				return err
			}
			all = append(all, r)
		}
		rows.Close()
		for _, r := range all {
			plain, err := old.open(r.id, r.blob)
			if err != nil {
				return fmt.Errorf("device %d: %w", r.id, err)
			}
			blob, err := next.seal(r.id, plain)
			clear(plain)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE devices SET secret = ? WHERE id = ?", blob, r.id); err != nil {
				return err
			}
		}
		count = len(all)
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
			if err := rekeyHook("before-commit"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		os.Remove(newPath)
		return err
	}
	s.mu.Lock()
	s.seal = next
	s.mu.Unlock()
	if rekeyHook != nil {
		if err := rekeyHook("after-commit"); err != nil {
			return err
		}
	}
	if err := os.Rename(newPath, s.keyPath); err != nil {
		return fmt.Errorf("the store now uses the key in %s but it could not replace %s: %w (rename it by hand)", newPath, s.keyPath, err)
	}
	return syncDir(dirOf(s.keyPath))
}
