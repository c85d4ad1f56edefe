package importer

import (
	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/seedfile"
)

// ranMsg carries the result of a dry run or of the import. It hands back
// the file's bytes, which the command owned while it ran, so the screen
// can keep them for the import (the very bytes that were planned) or wipe
// them.
type ranMsg struct {
	from     *Model // the screen that asked
	gen      int
	dry      bool
	path     string
	data     []byte
	detected seedfile.Format
	results  []db.ImportResult
	err      error
}
