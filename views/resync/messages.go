package resync

import (
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// foundMsg carries the search's result.
type foundMsg struct {
	gen  int
	plan *service.ResyncPlan
	err  error
}

// savedMsg reports the save.
type savedMsg struct {
	gen int
	d   *devices.Device
	err error
}
