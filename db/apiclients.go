package db

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// APIClient is an application allowed to call the verifier's HTTP API.
type APIClient struct {
	Name     string
	Created  time.Time
	LastUsed time.Time // zero: never
}

// APIClientStore keeps API clients by the hash of their token.
type APIClientStore interface {
	// AddAPIClient stores a new client with the hash of its token.
	AddAPIClient(ctx context.Context, actor, name string, tokenHash []byte) error
	// RemoveAPIClient deletes a client: its token stops working at once.
	RemoveAPIClient(ctx context.Context, actor, name string) error
	APIClients(ctx context.Context) ([]APIClient, error)
	// APIClientByToken finds the client whose token hashes to tokenHash.
	APIClientByToken(ctx context.Context, tokenHash []byte) (APIClient, error)
	// TouchAPIClient records a use of the client at at.
	TouchAPIClient(ctx context.Context, name string, at time.Time) error
}

var _ APIClientStore = (*SQLite)(nil)

// apiClientName keeps client names to what a log line or a rate-limit key
// can carry as they are.
var apiClientName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ErrBadAPIClientName is a client name outside letters, digits, ".", "_"
// and "-" (at most 64, starting with a letter or digit).
var ErrBadAPIClientName = errors.New("an API client name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")

func (s *SQLite) AddAPIClient(ctx context.Context, actor, name string, tokenHash []byte) error {
	if !apiClientName.MatchString(name) {
		return ErrBadAPIClientName
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM api_clients WHERE name = ?", name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("API client %q: %w", name, ErrExists)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO api_clients(name, token_hash, created_at) VALUES (?, ?, ?)",
			name, tokenHash, s.now().UnixMilli()); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "api-client.add", Outcome: "ok", Detail: name})
	})
}

func (s *SQLite) RemoveAPIClient(ctx context.Context, actor, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM api_clients WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &NotFoundError{What: "API client", Name: name}
		}
		return s.audit(ctx, tx, AuditEntry{Actor: actor, Action: "api-client.rm", Outcome: "ok", Detail: name})
	})
}

func (s *SQLite) APIClients(ctx context.Context) ([]APIClient, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, created_at, last_used_at FROM api_clients ORDER BY name")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []APIClient
	for rows.Next() {
		var (
			c              APIClient
			created, since int64
		)
		if err := rows.Scan(&c.Name, &created, &since); err != nil {
			return nil, err
		}
		c.Created = time.UnixMilli(created).UTC()
		if since > 0 {
			c.LastUsed = time.UnixMilli(since).UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *SQLite) APIClientByToken(ctx context.Context, tokenHash []byte) (APIClient, error) {
	var (
		c       APIClient
		stored  []byte
		created int64
	)
	// Every API request asks this: prepared once.
	err := s.prepared.queryRow(ctx, "SELECT name, token_hash, created_at FROM api_clients WHERE token_hash = ?", tokenHash).
		Scan(&c.Name, &stored, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return APIClient{}, &NotFoundError{What: "API client", Name: "(token)"}
	}
	if err != nil {
		return APIClient{}, s.wrap(err)
	}
	// The index found it; compare again in constant time all the same.
	if subtle.ConstantTimeCompare(stored, tokenHash) != 1 {
		return APIClient{}, &NotFoundError{What: "API client", Name: "(token)"}
	}
	c.Created = time.UnixMilli(created).UTC()
	return c, nil
}

func (s *SQLite) TouchAPIClient(ctx context.Context, name string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, "UPDATE api_clients SET last_used_at = ? WHERE name = ?", at.UnixMilli(), name)
	return s.wrap(err)
}
