package users

import (
	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// firstPageMsg carries the first screenful of users and the total, so the
// list shows at once however large the store is.
type firstPageMsg struct {
	gen    int
	users  []db.UserSummary
	total  int
	policy devices.Policy
	err    error
}

// allUsersMsg carries the whole list, for filtering and sorting.
type allUsersMsg struct {
	gen    int
	users  []db.UserSummary
	policy devices.Policy
	err    error
}

// addedMsg reports a user added from the list.
type addedMsg struct {
	name string
	err  error
}
