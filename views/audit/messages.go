package audit

import (
	"github.com/two-factor/two-factor/db"
)

// loadedMsg carries one query's entries.
type loadedMsg struct {
	gen     int
	entries []db.AuditEntry
	err     error
}
