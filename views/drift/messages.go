package drift

import (
	"github.com/two-factor/two-factor/service"
)

// loadedMsg carries the report.
type loadedMsg struct {
	gen   int
	lines []service.DriftRow
	err   error
}
