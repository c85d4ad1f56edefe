package backupcodes_test

import (
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/registry"
)

// The screens under test navigate by route, as in the console.
func init() { tuitest.Routes = registry.Routes() }
