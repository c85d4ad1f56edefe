package db

import (
	"context"
	"testing"
)

// TestChangeCounterSeesOtherHandles: a commit through another handle on
// the same file (another process, in practice) moves the counter; reading
// it again with nothing committed does not.
func TestChangeCounterSeesOtherHandles(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	watcher, other := f.open(t), f.open(t)
	v0, err := watcher.ChangeCounter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := watcher.ChangeCounter(ctx); v != v0 {
		t.Fatalf("counter moved from %d to %d with nothing committed", v0, v)
	}
	if _, err := other.AddUser(ctx, "admin", "alice"); err != nil {
		t.Fatal(err)
	}
	v1, err := watcher.ChangeCounter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == v0 {
		t.Fatal("a commit through another handle did not move the counter")
	}
	if v, _ := watcher.ChangeCounter(ctx); v != v1 {
		t.Fatalf("counter moved from %d to %d with nothing committed", v1, v)
	}
}
