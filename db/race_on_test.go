//go:build race

package db

// raceEnabled: the race detector's instrumentation allocates, and its
// sync.Pool drops items on purpose, so allocation counts mean nothing
// under -race; the allocation tests skip there (the plain run checks them).
const raceEnabled = true
