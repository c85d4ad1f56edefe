package backupcodes

// existingMsg says how many unused codes the user has (-1: no backup device).
type existingMsg struct {
	user   string
	unused int
	err    error
}

// generatedMsg carries the new codes.
type generatedMsg struct {
	user  string
	codes []string
	err   error
}
