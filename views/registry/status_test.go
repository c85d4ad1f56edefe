package registry_test

import (
	"strings"
	"testing"
)

// TestStatusLeavesWithItsScreen: "regenerated backup codes for alice" is
// alice's backup-codes screen's news; it must not be read on bob's resync
// screen (as it was, the status line being global).
func TestStatusLeavesWithItsScreen(t *testing.T) {
	a := console(t)
	a.Keys("enter", "b", "enter") // alice › Backup codes › generate
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "regenerated 10 backup codes for alice") {
		t.Fatalf("status after regenerating: %q", got)
	}
	a.Keys("enter", "esc", "down", "enter", "s") // done, back, bob, resync
	if top := a.Root.Top().Title(); top != "Resync" {
		t.Fatalf("on %q, not bob's resync:\n%s", top, a.Frame())
	}
	if strings.Contains(a.Frame(), "regenerated") {
		t.Errorf("alice's status is shown on bob's resync screen:\n%s", a.Frame())
	}
}
