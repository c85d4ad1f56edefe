package userdetail

import (
	"github.com/two-factor/two-factor/devices"
)

// loadedMsg carries a user's devices and their drift histories.
type loadedMsg struct {
	user    string
	gen     int
	devices []*devices.Device
	drift   map[int64][]devices.DriftSample
	policy  devices.Policy
	err     error
}
