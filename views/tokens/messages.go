package tokens

import (
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// loadedMsg carries every hardware token, retired ones included, without
// secrets; the views (stock, all, retired) are filters over it.
type loadedMsg struct {
	from *Model // the screen that asked
	gen  int
	toks []*devices.Device
	err  error
}

// namesMsg carries the user names offered when assigning, sorted.
type namesMsg struct {
	from  *Model
	names []string
	err   error
}

// assignFailedMsg reports an assignment the store refused; the prompt
// stays open so the name can be corrected. Success is a tui.ChangedMsg.
type assignFailedMsg struct {
	from   *Model
	serial string
	err    error
}

// identifiedMsg carries the tokens that showed the typed codes.
type identifiedMsg struct {
	from  *Model
	gen   int
	codes int
	found []service.Identified
	err   error
}
