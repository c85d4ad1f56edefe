package storetest

import (
	"strings"
	"testing"
)

// Only subtests of the suite can be declared as differences, each with a
// reason: a stale or misspelt name fails the run instead of silently
// exempting nothing (or, after a rename, something else).
func TestDifferencesCheck(t *testing.T) {
	if err := (Differences{"StatusesInTheOrderAsked": "why"}).Check(); err != nil {
		t.Errorf("a known subtest: %v", err)
	}
	if err := (Differences(nil)).Check(); err != nil {
		t.Errorf("no differences: %v", err)
	}
	err := (Differences{"StatusesInTheOrderAskd": "why", "TokenStateRules": " "}).Check()
	if err == nil || !strings.Contains(err.Error(), `"StatusesInTheOrderAskd" is not a subtest`) || !strings.Contains(err.Error(), `"TokenStateRules" has no reason`) {
		t.Errorf("unknown name and empty reason: %v", err)
	}
}
