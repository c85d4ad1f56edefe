package service

import "context"

// StoreVersion is a number that changes when another process (a second
// console, the CLI, a login through PAM) commits a change to the store.
// A console polls it, one cheap query, to know when to reload what it
// shows. Only changes matter, not the value.
func (s *Service) StoreVersion(ctx context.Context) (int64, error) {
	return s.store.ChangeCounter(ctx)
}
