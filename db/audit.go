package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/termsafe"
)

// audit appends an entry inside the caller's transaction, so the log and
// the change it records commit or fail together.
func (s *SQLite) audit(ctx context.Context, tx querier, e AuditEntry) error {
	return s.auditBatch(ctx, tx, []AuditEntry{e})
}

// auditBatch appends many entries, chained in Go and inserted with few
// statements, for bulk imports.
func (s *SQLite) auditBatch(ctx context.Context, tx querier, entries []AuditEntry) error {
	seal, err := s.auditSealer(ctx, tx)
	if err != nil {
		return fmt.Errorf("the audit log needs the master key: %w", err)
	}
	return s.appendAudit(ctx, tx, seal, entries)
}

func (s *SQLite) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	if f.User != "" {
		where = append(where, "user_name = ?")
		args = append(args, f.User)
	}
	if f.Action != "" {
		where = append(where, "substr(action, 1, ?) = ?")
		args = append(args, len(f.Action), f.Action)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if f.Text != "" {
		where = append(where, "instr(actor || ' ' || action || ' ' || user_name || ' ' || device_name || ' ' || outcome || ' ' || detail, ?) > 0")
		args = append(args, f.Text)
	}
	q := "SELECT id, at, actor, action, user_name, device_id, device_name, outcome, detail FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.User, &e.DeviceID, &e.Device, &e.Outcome, &e.Detail); err != nil {
			return nil, s.wrap(err)
		}
		e.At = fromMillis(at)
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

// AuditName makes a user name that may not be valid (a login attempt for an
// unknown user can carry anything) safe to store and show: normalised,
// control and format characters escaped, and bounded. Valid names come
// back normalised and otherwise unchanged.
func AuditName(name string) string {
	n := devices.NormalizeUserName(boundName(name))
	if devices.ValidateName("user name", n) == nil {
		return n
	}
	return cleanName(n)
}

// auditNameAsGiven is AuditName without the normalising, for a store that
// finds users by their name exactly as given (a Django site's username):
// there " alice" is not alice, so an unknown name must not be stored (and
// keep its run of failures, see NamelessRun) as one that exists.
func auditNameAsGiven(name string) string {
	name = boundName(name)
	if devices.ValidateName("user name", name) == nil {
		return name
	}
	return cleanName(name)
}

// boundName bounds the work of normalising or escaping a name.
func boundName(name string) string {
	if limit := 4 * devices.MaxNameLen; len(name) > limit {
		return name[:limit]
	}
	return name
}

// cleanName escapes an invalid name's control and format characters and
// bounds it.
func cleanName(n string) string {
	const limit = devices.MaxNameLen
	n = termsafe.Clean(n)
	if len(n) <= limit {
		return n
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(n[cut]) {
		cut--
	}
	return n[:cut] + "…"
}
