package db

import (
	"context"
	"fmt"
)

// ChangeCounter reads SQLite's PRAGMA data_version on a connection kept
// for it alone. The value changes when any OTHER connection commits, in
// this process or another, and costs no disk read when nothing changed;
// on a pooled connection it would also move with our own writes through
// that same connection and miss them through others unpredictably, hence
// the dedicated one.
func (s *SQLite) ChangeCounter(ctx context.Context) (int64, error) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.watch == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("watch %s: %w", s.path, s.wrap(err))
		}
		s.watch = c
	}
	queries := s.watchSQL
	if len(queries) == 0 {
		queries = []string{"PRAGMA data_version"}
	}
	// Each file's version only goes up, so the sum changes when either does.
	var sum int64
	for _, q := range queries {
		var v int64
		if err := s.watch.QueryRowContext(ctx, q).Scan(&v); err != nil {
			s.watch.Close() // open a fresh one next time
			s.watch = nil
			return 0, fmt.Errorf("watch %s: %w", s.path, s.wrap(err))
		}
		sum += v
	}
	return sum, nil
}

func (s *SQLite) closeWatch() {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.watch != nil {
		s.watch.Close()
		s.watch = nil
	}
}
