package users

import (
	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
)

// page is what a load brings: the first screenful of users and the total
// (so the list shows at once however large the store is), or the whole
// list (all), for filtering and sorting.
type page struct {
	users  []db.UserSummary
	total  int
	policy devices.Policy
	all    bool
}

// addedMsg reports a user added from the list.
type addedMsg struct {
	name string
	err  error
}
