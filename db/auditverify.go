package db

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditProblem is the first place the audit chain does not hold.
type AuditProblem struct {
	ID      int64  `json:"id"` // the row named; 0 for the chain's records in meta
	Problem string `json:"problem"`
}

// AuditVerification is the result of walking the audit chain.
type AuditVerification struct {
	Intact  bool          `json:"intact"`
	Checked int           `json:"checked"`           // chained rows whose MAC held
	Start   int64         `json:"starts_after"`      // the prune anchor (0: never pruned)
	Head    int64         `json:"head"`              // the newest chained row
	Pending int           `json:"pending"`           // rows written without a key, not chained yet
	Problem *AuditProblem `json:"problem,omitempty"` // the first one found
}

// VerifyAudit walks the audit chain from its anchor to its head and
// reports the first row that is missing, altered, moved or added.
//
// It reads in one read transaction: the key, the head and the rows come
// from one snapshot, so entries another process (the verifier logging
// logins, a rekey) commits meanwhile are not taken for tampering.
func (s *SQLite) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return AuditVerification{}, s.wrap(err)
	}
	defer tx.Rollback()
	seal, err := s.currentSealer(ctx, tx, false)
	if errors.Is(err, ErrKeyMissing) {
		// A store that never had a key has nothing chained yet: every row
		// is pending. One that had a key needs it back.
		if fp, ferr := metaGet(ctx, tx, "key_fingerprint"); ferr == nil && fp == "" {
			v := AuditVerification{Intact: true}
			return v, s.wrap(tx.QueryRowContext(ctx, "SELECT count(*) FROM audit").Scan(&v.Pending))
		}
	}
	if err != nil {
		return AuditVerification{}, err
	}
	v, err := verifyAudit(ctx, tx, seal)
	return v, s.wrap(err)
}

// chainWalk is the state of one verification pass.
type chainWalk struct {
	v       *AuditVerification
	keys    []retiredKey
	current []byte
	prev    chainLink
}

func (w *chainWalk) keyFor(id int64) []byte {
	for _, k := range w.keys {
		if id <= k.Through {
			return k.Key
		}
	}
	return w.current
}

func (w *chainWalk) fail(id int64, format string, args ...any) (AuditVerification, error) {
	w.v.Intact = false
	w.v.Problem = &AuditProblem{ID: id, Problem: fmt.Sprintf(format, args...)}
	return *w.v, nil
}

func verifyAudit(ctx context.Context, q querier, seal *sealer) (AuditVerification, error) {
	v := AuditVerification{Intact: true}
	w := &chainWalk{v: &v, current: seal.auditKey}
	var err error
	if w.keys, err = retiredKeys(ctx, q, seal); err != nil {
		return w.fail(0, "%v", err)
	}
	anchor, _, err := readLink(ctx, q, seal.auditKey, "anchor", metaAuditAnchor)
	if errors.Is(err, errLinkAltered) {
		return w.fail(0, "the prune anchor (where the log starts) was altered")
	} else if err != nil {
		return v, err
	}
	head, headFound, err := readLink(ctx, q, seal.auditKey, "head", metaAuditHead)
	if errors.Is(err, errLinkAltered) {
		return w.fail(0, "the chain head (the newest entry's record) was altered")
	} else if err != nil {
		return v, err
	}
	v.Start, v.Head = anchor.ID, head.ID
	rows, err := scanAudit(ctx, q, "WHERE id > ? ORDER BY id", anchor.ID)
	if err != nil {
		return v, err
	}
	w.prev = anchor
	for _, r := range rows {
		if r.mac == nil && r.e.ID > head.ID {
			v.Pending++
			continue
		}
		if v.Pending > 0 {
			return w.fail(r.e.ID, "entry %d is chained after entries that are not (inserted)", r.e.ID)
		}
		if r.mac == nil {
			return w.fail(r.e.ID, "entry %d has lost its MAC (edited)", r.e.ID)
		}
		if r.e.ID != w.prev.ID+1 {
			return w.fail(r.e.ID, "%s before entry %d %s missing (deleted)", idRange(w.prev.ID+1, r.e.ID-1), r.e.ID, plural(r.e.ID-w.prev.ID-1, "is", "are"))
		}
		if !hmac.Equal(r.mac, rowMAC(w.keyFor(r.e.ID), w.prev.MAC, r.e, r.at)) {
			return w.fail(r.e.ID, "entry %d does not match its MAC (edited, moved, or forged)", r.e.ID)
		}
		w.prev = chainLink{ID: r.e.ID, MAC: r.mac}
		v.Checked++
	}
	switch {
	case !headFound && w.prev.ID > anchor.ID:
		return w.fail(0, "the chain head (the newest entry's record) is missing")
	case w.prev.ID < head.ID:
		return w.fail(head.ID, "%s after entry %d %s missing (the newest entries were cut off)", idRange(w.prev.ID+1, head.ID), w.prev.ID, plural(head.ID-w.prev.ID, "is", "are"))
	case w.prev.ID > head.ID:
		return w.fail(head.ID+1, "entry %d is newer than the chain head %d (inserted)", head.ID+1, head.ID)
	case !hmac.Equal(w.prev.MAC, head.MAC):
		return w.fail(head.ID, "entry %d is not the one the chain head recorded (replaced)", head.ID)
	}
	return v, nil
}

func idRange(from, to int64) string {
	if from == to {
		return fmt.Sprintf("entry %d", from)
	}
	return fmt.Sprintf("entries %d-%d", from, to)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ErrAuditTampered means the audit chain does not verify.
var ErrAuditTampered = errors.New("the audit log fails verification")

// PruneAudit removes the audit entries written before the given time
// (every entry up to the newest one older than it, so the rest stays one
// unbroken chain) and records the last removed entry as the anchor the
// chain now starts from. It refuses a log that does not verify, so the
// evidence of tampering is never pruned away. One transaction, audited.
//
// What a run of failures needs survives it (see runsThroughPrune).
func (s *SQLite) PruneAudit(ctx context.Context, actor string, before time.Time) (int, error) {
	return s.pruneAudit(ctx, actor, before, forgetStaleRuns)
}

func (s *SQLite) pruneAudit(ctx context.Context, actor string, before time.Time, mode staleRuns) (int, error) {
	var removed int
	err := s.write(ctx, func(tx *sql.Tx) error {
		seal, err := s.currentSealer(ctx, tx, true)
		if err != nil {
			return err
		}
		if _, err := s.chainPending(ctx, tx, seal); err != nil {
			return err
		}
		v, err := verifyAudit(ctx, tx, seal)
		if err != nil {
			return err
		}
		if !v.Intact {
			return fmt.Errorf("%w at entry %d: %s; nothing pruned, so the evidence is kept", ErrAuditTampered, v.Problem.ID, v.Problem.Problem)
		}
		var last chainLink
		err = tx.QueryRowContext(ctx, "SELECT id, mac FROM audit WHERE id = (SELECT max(id) FROM audit WHERE at < ?)", before.UnixMilli()).Scan(&last.ID, &last.MAC)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		kept, cleared, err := s.runsThroughPrune(ctx, tx, last.ID, before, s.now(), mode)
		if err != nil {
			return err
		}
		detail := "nothing older than " + before.UTC().Format(time.RFC3339)
		if last.ID > 0 {
			// The anchor goes first: the delete trigger allows removing
			// rows up to it and no further.
			if err := metaSet(ctx, tx, metaAuditAnchor, encodeLink(seal.auditKey, "anchor", last)); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, "DELETE FROM audit WHERE id <= ?", last.ID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			removed = int(n)
			detail = fmt.Sprintf("%d entries before %s removed; the chain now starts after entry %d", n, before.UTC().Format(time.RFC3339), last.ID)
		}
		if len(kept) > 0 || cleared > 0 {
			detail += fmt.Sprintf("; %d run(s) of failures kept or forgotten, %d device(s) with a stale run of failures cleared", len(kept), cleared)
		}
		for i := range kept {
			kept[i].Actor = actor
		}
		return s.appendAudit(ctx, tx, seal, append(kept, AuditEntry{Actor: actor, Action: "audit.prune", Outcome: "ok", Detail: detail}))
	})
	return removed, err
}
