package enroll

import "github.com/two-factor/two-factor/service"

// startedMsg carries an enrollment prepared in memory.
type startedMsg struct {
	gen int
	e   *service.Enrollment
	err error
}

// confirmedMsg carries the verdict on the first code.
type confirmedMsg struct {
	gen int
	r   service.VerifyResult
	err error
}
