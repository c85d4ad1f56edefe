package service

import (
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// UserStatus is where a user's two-factor authentication stands, as the
// user list shows it. The values run from most to least urgent, so sorting
// by status puts the users who need an admin first.
type UserStatus uint8

const (
	UserLockedOut UserStatus = iota // a device is locked out: an admin must unlock it
	UserThrottled                   // a device is waiting after failures
	UserDisabled                    // no confirmed, enabled app or token: 2FA is off
	UserEnabled                     // 2FA on
	userStatusCount
)

// UserStatuses lists every status, for front ends' tables and their tests.
func UserStatuses() []UserStatus {
	return []UserStatus{UserLockedOut, UserThrottled, UserDisabled, UserEnabled}
}

// String is the status's name for logs and JSON.
func (s UserStatus) String() string {
	if s >= userStatusCount {
		return "unknown"
	}
	return [...]string{"locked-out", "throttled", "disabled", "enabled"}[s]
}

// UserStatusOf decides a user's status at now under policy from the
// summary of their devices. A lockout outranks a throttle (it needs an
// admin, a throttle passes by itself), and both outrank whether 2FA is on:
// a user who cannot sign in now is the news. It allocates nothing: the
// console runs it over every user of a 100,000-user store.
func UserStatusOf(u *db.UserSummary, p devices.Policy, now time.Time) UserStatus {
	switch {
	case u.LockedOut > 0:
		return UserLockedOut
	case u.MaxFailures > 0 && !u.LastFailure.IsZero() &&
		now.Before(u.LastFailure.Add(devices.ThrottleDelay(p.ThrottleFactor, u.MaxFailures))):
		return UserThrottled
	case u.Enabled():
		return UserEnabled
	}
	return UserDisabled
}
