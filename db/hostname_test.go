package db

import (
	"os"
	"testing"
)

// The hostname (the default issuer) is asked once per Open, not on every
// Settings: Settings runs before every login.
func TestSettingsDoesNotAskTheHostnameEachTime(t *testing.T) {
	calls := 0
	hostname = func() (string, error) { calls++; return os.Hostname() }
	defer func() { hostname = os.Hostname }()
	s := newFixture(t).open(t)
	opened := calls
	want, _ := os.Hostname()
	for range 3 {
		set, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if set.Issuer != want {
			t.Fatalf("issuer %q, want %q", set.Issuer, want)
		}
	}
	if calls != opened {
		t.Fatalf("%d hostname calls for 3 Settings, want none", calls-opened)
	}
}
