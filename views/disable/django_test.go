package disable_test

import (
	"context"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/disable"
	"github.com/two-factor/two-factor/views/users"
)

// On a Django site, disabling removes the confirmed devices only
// (two_factor_disable keeps unconfirmed ones): the question lists exactly
// those, and the unconfirmed one is still there afterwards.
func TestDjangoDisableListsWhatItRemoves(t *testing.T) {
	c := tuitest.DjangoCommon(t, 80, 24, tuitest.DjangoZoe(t))
	a := tuitest.NewApp(c, users.New(c))
	a.Run(disable.Start(c, "zoe"))
	f := a.Frame()
	if !strings.Contains(f, `"default"`) || strings.Contains(f, `"spare"`) || !strings.Contains(f, "remove 1 device") {
		t.Fatalf("the question:\n%s", f)
	}
	a.Keys("y")
	ds, err := c.Svc.Devices(context.Background(), "zoe")
	if err != nil || len(ds) != 1 || ds[0].Name != "spare" {
		t.Fatalf("after disabling: %v %v", ds, err)
	}
}

// A Django site's users are the site's own: removing one is refused at
// once with the reason, never asked about first.
func TestDjangoRemoveUserRefusedBeforeAsking(t *testing.T) {
	c := tuitest.DjangoCommon(t, 80, 24, tuitest.DjangoZoe(t))
	a := tuitest.NewApp(c, users.New(c))
	a.Run(disable.StartRemoveUser(c, "zoe"))
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "Django") || a.Root.Depth() != 1 {
		t.Fatalf("status %q, depth %d\n%s", got, a.Root.Depth(), a.Frame())
	}
}
