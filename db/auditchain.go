package db

// The audit log is a hash chain of HMACs. Triggers stop mistakes, but
// anyone holding the file can drop them; what they cannot do without the
// master key is recompute the MACs:
//
//   - each row's MAC covers its id, every column and the previous row's
//     MAC, so an edited, moved or deleted row breaks the chain at that row;
//   - the chain head (id and MAC of the newest row) is kept in meta under
//     its own MAC and moved in the same transaction, so cutting off the
//     newest rows is noticed too;
//   - prune records the last removed row as the anchor the chain now
//     starts from, also under a MAC.
//
// The MAC key is derived from the master key (sealer.auditKey). A rekey
// ends one key's epoch: the rekey entry is the last row MACed with the old
// key, and the retired audit key is kept sealed under the new master key
// so older rows stay verifiable. A leaked old master key therefore cannot
// rewrite history: every later row, and the head, are MACed under keys
// the leak does not reveal.
//
// Rows written when no key file is configured have no MAC yet; the next
// write that has the key chains them ("pending" until then). Rows of a
// store migrated from an older schema are chained the same way.

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/two-factor/two-factor/termsafe"
)

const (
	auditKeyLabel    = "two-factor audit chain v1"
	auditRowLabel    = "two-factor audit row v1"
	metaAuditHead    = "audit_head"
	metaAuditAnchor  = "audit_anchor"
	metaAuditRetired = "audit_retired_keys"
	retiredKeysAAD   = "two-factor retired audit keys v1"
	maxActorLen      = 256
)

func deriveAuditKey(master []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, master, nil, auditKeyLabel, 32)
}

// chainLink names one row of the chain by id and MAC: the head (newest
// chained row) or the anchor (last pruned row). The zero link is the start
// of an unpruned, empty log.
type chainLink struct {
	ID  int64
	MAC []byte
}

// linkMAC authenticates a link stored in meta, bound to its role.
func linkMAC(key []byte, role string, l chainLink) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("two-factor audit " + role + " v1"))
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(l.ID)))
	m.Write(l.MAC)
	return m.Sum(nil)
}

// The meta value starts with the id so the delete trigger can read it
// with CAST(value AS INTEGER).
func encodeLink(key []byte, role string, l chainLink) string {
	return fmt.Sprintf("%d %x %x", l.ID, l.MAC, linkMAC(key, role, l))
}

var errLinkAltered = errors.New("altered")

// readLink loads a link from meta. found is false when it was never set.
func readLink(ctx context.Context, q querier, key []byte, role, metaKey string) (l chainLink, found bool, err error) {
	v, err := metaGet(ctx, q, metaKey)
	if err != nil || v == "" {
		return chainLink{}, false, err
	}
	f := strings.Fields(v)
	if len(f) != 3 {
		return chainLink{}, true, errLinkAltered
	}
	id, err1 := strconv.ParseInt(f[0], 10, 64)
	mac, err2 := hex.DecodeString(f[1])
	sig, err3 := hex.DecodeString(f[2])
	l = chainLink{ID: id, MAC: mac}
	if err1 != nil || err2 != nil || err3 != nil || !hmac.Equal(sig, linkMAC(key, role, l)) {
		return chainLink{}, true, errLinkAltered
	}
	return l, true, nil
}

// rowMAC is the MAC of one row: its id, every column, and the MAC of the
// row before it. Strings are length-prefixed so no two rows encode alike.
func rowMAC(key, prev []byte, e AuditEntry, atMillis int64) []byte {
	m := hmac.New(sha256.New, key)
	num := func(n int64) { m.Write(binary.BigEndian.AppendUint64(nil, uint64(n))) }
	bytes := func(b []byte) { num(int64(len(b))); m.Write(b) }
	bytes([]byte(auditRowLabel))
	num(e.ID)
	num(atMillis)
	for _, s := range []string{e.Actor, e.Action, e.User, e.Device, e.Outcome, e.Detail} {
		bytes([]byte(s))
	}
	num(e.DeviceID)
	bytes(prev)
	return m.Sum(nil)
}

// auditSealer is the key the audit chain is MACed with. The first audited
// change creates the master key if the store has none yet, so even a store
// holding only users is covered. Without a configured key file the rows
// stay pending (nil sealer).
func (s *SQLite) auditSealer(ctx context.Context, tx querier) (*sealer, error) {
	if s.keyPath == "" {
		return nil, nil
	}
	return s.currentSealer(ctx, tx, true)
}

// appendAudit chains entries after the current head and inserts them with
// one statement per 100 rows, then moves the head: all in the caller's
// transaction. With a nil sealer the rows are written pending.
func (s *SQLite) appendAudit(ctx context.Context, tx querier, seal *sealer, entries []AuditEntry) error {
	head, err := s.chainPending(ctx, tx, seal)
	if err != nil {
		return err
	}
	next, err := nextAuditID(ctx, tx)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		e.ID = next + int64(i)
		e.Actor = cleanActor(e.Actor)
		at := now
		if !e.At.IsZero() {
			at = e.At.UnixMilli()
		}
		rows[i] = auditRow{e: e, at: at}
		if seal != nil {
			rows[i].mac = rowMAC(seal.auditKey, head.MAC, e, at)
			head = chainLink{ID: e.ID, MAC: rows[i].mac}
		}
	}
	if err := insertAuditRows(ctx, tx, rows); err != nil {
		return err
	}
	if seal == nil || len(rows) == 0 {
		return nil
	}
	return metaSet(ctx, tx, metaAuditHead, encodeLink(seal.auditKey, "head", head))
}

// cleanActor stores actor text (from SUDO_USER, the OS, a future remote
// caller) as it will be shown: escaped and bounded.
func cleanActor(a string) string {
	a = termsafe.Clean(a)
	if len(a) > maxActorLen {
		a = a[:maxActorLen] + "..."
	}
	return a
}

type auditRow struct {
	e   AuditEntry
	at  int64
	mac []byte // nil: pending
}

func insertAuditRows(ctx context.Context, tx querier, rows []auditRow) error {
	const perStatement = 100 // 10 columns each: well under SQLite's variable limit
	const tuple = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		q := "INSERT INTO audit (id, at, actor, action, user_name, device_id, device_name, outcome, detail, mac) VALUES " +
			strings.Repeat(tuple+",", n-1) + tuple
		args := make([]any, 0, 10*n)
		for _, r := range rows[:n] {
			e := r.e
			args = append(args, e.ID, r.at, e.Actor, e.Action, e.User, e.DeviceID, e.Device, e.Outcome, e.Detail, r.mac)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// nextAuditID is the id AUTOINCREMENT would give: never reused, even
// after a prune, so a chain position is never taken twice.
func nextAuditID(ctx context.Context, q querier) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0),
		coalesce((SELECT max(id) FROM audit), 0))`).Scan(&last)
	return last + 1, err
}

// chainPending MACs the rows written without a key (pending) after the
// head, and returns the new head. Without a key it returns the head as
// stored, unchecked (it is only used to chain, and a nil key chains
// nothing).
func (s *SQLite) chainPending(ctx context.Context, tx querier, seal *sealer) (chainLink, error) {
	if seal == nil {
		return chainLink{}, nil
	}
	head, _, err := readLink(ctx, tx, seal.auditKey, "head", metaAuditHead)
	if err != nil && !errors.Is(err, errLinkAltered) {
		return head, err
	}
	// An altered head is left for verify to report; chaining continues
	// from the newest chained row so writes (and logins) keep working.
	if errors.Is(err, errLinkAltered) {
		if head, err = newestChained(ctx, tx); err != nil {
			return head, err
		}
	}
	if head.ID == 0 {
		if anchor, _, err := readLink(ctx, tx, seal.auditKey, "anchor", metaAuditAnchor); err == nil {
			head = anchor
		}
	}
	pending, err := scanAudit(ctx, tx, "WHERE id > ? AND mac IS NULL ORDER BY id", head.ID)
	if err != nil || len(pending) == 0 {
		return head, err
	}
	for _, r := range pending {
		r.mac = rowMAC(seal.auditKey, head.MAC, r.e, r.at)
		if _, err := tx.ExecContext(ctx, "UPDATE audit SET mac = ? WHERE id = ?", r.mac, r.e.ID); err != nil {
			return head, err
		}
		head = chainLink{ID: r.e.ID, MAC: r.mac}
	}
	return head, metaSet(ctx, tx, metaAuditHead, encodeLink(seal.auditKey, "head", head))
}

func newestChained(ctx context.Context, q querier) (chainLink, error) {
	var l chainLink
	err := q.QueryRowContext(ctx, "SELECT id, mac FROM audit WHERE mac IS NOT NULL ORDER BY id DESC LIMIT 1").Scan(&l.ID, &l.MAC)
	if errors.Is(err, sql.ErrNoRows) {
		return chainLink{}, nil
	}
	return l, err
}

func scanAudit(ctx context.Context, q querier, where string, args ...any) ([]auditRow, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, at, actor, action, user_name, device_id, device_name, outcome, detail, mac FROM audit "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		e := &r.e
		if err := rows.Scan(&e.ID, &r.at, &e.Actor, &e.Action, &e.User, &e.DeviceID, &e.Device, &e.Outcome, &e.Detail, &r.mac); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(r.at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// retiredKey is an audit key of an earlier master key, and the last row
// it MACed (the rekey entry that retired it).
type retiredKey struct {
	Through int64  `json:"through"`
	Key     []byte `json:"key"`
}

func retiredKeys(ctx context.Context, q querier, seal *sealer) ([]retiredKey, error) {
	v, err := metaGet(ctx, q, metaAuditRetired)
	if err != nil || v == "" {
		return nil, err
	}
	blob, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("the retired audit keys are damaged: %w", err)
	}
	plain, err := seal.openAAD([]byte(retiredKeysAAD), blob)
	if err != nil {
		return nil, fmt.Errorf("the retired audit keys: %w", err)
	}
	defer clear(plain)
	var keys []retiredKey
	if err := json.Unmarshal(plain, &keys); err != nil {
		return nil, fmt.Errorf("the retired audit keys are damaged: %w", err)
	}
	return keys, nil
}

// rotateAuditKey hands the chain from old to next inside a rekey's
// transaction, after the rekey entry (MACed with old) was appended: old's
// audit key is retired (kept sealed under next), and the head and anchor
// are re-MACed under next.
func (s *SQLite) rotateAuditKey(ctx context.Context, tx querier, old, next *sealer) error {
	keys, err := retiredKeys(ctx, tx, old)
	if err != nil {
		return err
	}
	head, _, err := readLink(ctx, tx, old.auditKey, "head", metaAuditHead)
	if err != nil {
		return fmt.Errorf("audit chain head: %w (run two-factor audit verify)", err)
	}
	keys = append(keys, retiredKey{Through: head.ID, Key: old.auditKey})
	plain, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	blob, err := next.sealAAD([]byte(retiredKeysAAD), plain)
	clear(plain)
	if err != nil {
		return err
	}
	if err := metaSet(ctx, tx, metaAuditRetired, hex.EncodeToString(blob)); err != nil {
		return err
	}
	if err := metaSet(ctx, tx, metaAuditHead, encodeLink(next.auditKey, "head", head)); err != nil {
		return err
	}
	anchor, found, err := readLink(ctx, tx, old.auditKey, "anchor", metaAuditAnchor)
	if err != nil || !found {
		return err
	}
	return metaSet(ctx, tx, metaAuditAnchor, encodeLink(next.auditKey, "anchor", anchor))
}
