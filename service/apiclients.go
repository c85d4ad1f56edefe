package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/two-factor/two-factor/db"
)

// apiTokenPrefix marks a two-factor API token, so a leaked one is easy to
// recognise in a log or a repository scan.
const apiTokenPrefix = "tfa_"

// ErrBadToken is a bearer token that belongs to no API client.
var ErrBadToken = errors.New("unknown or revoked API token")

// hashToken is what the store keeps of a token. One SHA-256 is enough: a
// token carries 256 random bits, so there is nothing to brute-force.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// AddAPIClient creates an API client and returns its token, which exists
// nowhere else afterwards: the store keeps only its hash.
func (s *Service) AddAPIClient(ctx context.Context, name string) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw) //nolint:errcheck // crypto/rand never fails on Linux
	token := apiTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if err := s.store.AddAPIClient(ctx, s.Actor, name, hashToken(token)); err != nil {
		return "", err
	}
	return token, nil
}

// RemoveAPIClient revokes a client's token at once.
func (s *Service) RemoveAPIClient(ctx context.Context, name string) error {
	return s.store.RemoveAPIClient(ctx, s.Actor, name)
}

// APIClients lists the clients with their last use.
func (s *Service) APIClients(ctx context.Context) ([]db.APIClient, error) {
	return s.store.APIClients(ctx)
}

// AuthenticateAPIClient returns the client a bearer token belongs to, or
// ErrBadToken. Tokens are looked up on every request, so a removed client
// is refused from its next request on.
func (s *Service) AuthenticateAPIClient(ctx context.Context, token string) (db.APIClient, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 128 {
		return db.APIClient{}, ErrBadToken
	}
	c, err := s.store.APIClientByToken(ctx, hashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return db.APIClient{}, ErrBadToken
	}
	return c, err
}

// TouchAPIClient records that a client was just used (api-client list
// shows it).
func (s *Service) TouchAPIClient(ctx context.Context, name string) error {
	return s.store.TouchAPIClient(ctx, name, s.now().Truncate(time.Second))
}
