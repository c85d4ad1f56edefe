package userdetail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/userdetail"
)

// failingService is a console service whose store has gone away: the
// screen depends on tui.Service only, so a fake stands in where making a
// real store fail would be awkward. Methods it does not override panic.
type failingService struct{ tui.Service }

func (failingService) Location() string        { return "store.db" }
func (failingService) Clock() func() time.Time { return func() time.Time { return servicetest.Start } }
func (failingService) UserDetail(context.Context, string) (*service.UserDetail, error) {
	return nil, errors.New("disk I/O error")
}

func TestLoadErrorTellsWhatToDo(t *testing.T) {
	c := tui.NewCommon(context.Background(), failingService{}, themes.Choice{Name: themes.Dark, IsDark: true})
	c.Width, c.Height = 80, 24
	c.WatchEvery = 0 // the store watch is not what this screen test is about
	a := tuitest.NewApp(c, userdetail.New(c, "alice"))
	f := a.Frame()
	if !strings.Contains(f, "disk I/O error") || !strings.Contains(f, "try again") {
		t.Errorf("a failed load should say why and how to retry:\n%s", f)
	}
}
