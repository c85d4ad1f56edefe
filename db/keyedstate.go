package db

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/two-factor/two-factor/otpcore"
)

// ErrKeyedStateMismatch is a stored keyed state that does not compute
// what its device's seed computes.
var ErrKeyedStateMismatch = errors.New("keyed HMAC state does not match the device's seed")

// CheckKeyedStates decrypts every stored keyed state and the seed beside
// it and checks that the state is the one keyed from that seed, returning
// how many it checked. A store in which this fails would accept at login
// codes of another seed than the one an administrator sees or exports.
func (s *SQLite) CheckKeyedStates(ctx context.Context) (int, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, s.wrap(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT id, algorithm, secret, keyed_state FROM devices WHERE keyed_state IS NOT NULL")
	if err != nil {
		return 0, s.wrap(err)
	}
	defer rows.Close()
	var seal *sealer
	n := 0
	for rows.Next() {
		var (
			id          int64
			alg         string
			blob, state []byte
		)
		if err := rows.Scan(&id, &alg, &blob, &state); err != nil {
			return n, s.wrap(err)
		}
		if seal == nil {
			if seal, err = s.currentSealer(ctx, tx, false); err != nil {
				return n, err
			}
		}
		if err := checkKeyedState(seal, id, alg, blob, state); err != nil {
			return n, fmt.Errorf("device %d: %w", id, err)
		}
		n++
	}
	return n, s.wrap(rows.Err())
}

func checkKeyedState(seal *sealer, id int64, algName string, blob, sealedState []byte) error {
	alg, err := otpcore.ParseAlgorithm(algName)
	if err != nil {
		return err
	}
	seed, err := seal.open(id, blob)
	if err != nil {
		return err
	}
	defer clear(seed)
	state, err := seal.openKeyed(id, alg, blob, sealedState)
	if err != nil {
		return fmt.Errorf("keyed state: %w", err)
	}
	defer clear(state)
	want, err := otpcore.AppendKeyedState(nil, alg, seed)
	if err != nil {
		return err
	}
	defer clear(want)
	if !bytes.Equal(state, want) {
		return ErrKeyedStateMismatch
	}
	return nil
}
