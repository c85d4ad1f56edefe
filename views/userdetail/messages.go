package userdetail

import (
	"github.com/two-factor/two-factor/service"
)

// loadedMsg carries a user's detail: devices, policy and drift histories.
type loadedMsg struct {
	user   string
	gen    int
	detail *service.UserDetail
	err    error
}
