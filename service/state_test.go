package service

import (
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

func TestUserStatusOf(t *testing.T) {
	now := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	p := devices.Policy{ThrottleFactor: 1}
	cases := []struct {
		name string
		u    db.UserSummary
		want UserStatus
	}{
		{"no devices", db.UserSummary{}, UserDisabled},
		{"backup codes only", db.UserSummary{Devices: 1, BackupCodes: 10}, UserDisabled},
		{"an active app", db.UserSummary{Active: 1}, UserEnabled},
		{"locked out", db.UserSummary{Active: 1, LockedOut: 1}, UserLockedOut},
		{"locked out with no active device", db.UserSummary{LockedOut: 1, MaxFailures: 9, LastFailure: now}, UserLockedOut},
		{"locked out and throttled", db.UserSummary{Active: 1, LockedOut: 1, MaxFailures: 3, LastFailure: now.Add(-time.Second)}, UserLockedOut},
		{"throttled", db.UserSummary{Active: 1, MaxFailures: 3, LastFailure: now.Add(-time.Second)}, UserThrottled},
		{"throttle over", db.UserSummary{Active: 1, MaxFailures: 3, LastFailure: now.Add(-time.Minute)}, UserEnabled},
		{"failures, no time recorded", db.UserSummary{Active: 1, MaxFailures: 3}, UserEnabled},
	}
	for _, tc := range cases {
		if got := UserStatusOf(&tc.u, p, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	u := db.UserSummary{Active: 1, MaxFailures: 3, LastFailure: now.Add(-time.Second)}
	if got := UserStatusOf(&u, devices.Policy{}, now); got != UserEnabled {
		t.Errorf("with throttling off a failure throttles nobody: %v", got)
	}
}

func TestUserStatusListIsComplete(t *testing.T) {
	if n := len(UserStatuses()); n != int(userStatusCount) {
		t.Errorf("UserStatuses lists %d of %d statuses", n, userStatusCount)
	}
}
