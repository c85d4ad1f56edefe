package importer

import (
	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/seedfile"
)

// ran is the result of a dry run or of the import (its error comes in
// tui.Loaded). It hands back the file's bytes, which the command owned
// while it ran, so the screen can keep them for the import (the very
// bytes that were planned) or wipe them.
type ran struct {
	dry      bool
	path     string
	data     []byte
	detected seedfile.Format
	results  []db.ImportResult
}
