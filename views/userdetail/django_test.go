package userdetail_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/userdetail"
)

// A Django site's devices cannot be switched off: the screen does not
// offer it, and the key says why at once instead of asking first; a
// device django-otp 1.1.3 never dated reads "created unknown", not
// "never".
func TestDjangoSiteOffersNoSwitch(t *testing.T) {
	c := tuitest.DjangoCommon(t, 80, 24, tuitest.DjangoZoe(t))
	a := tuitest.NewApp(c, userdetail.New(c, "zoe"))
	f := a.Frame()
	if strings.Contains(f, "e disable") || strings.Contains(f, "e enable") {
		t.Errorf("the help offers switching a Django device:\n%s", f)
	}
	if !strings.Contains(f, "created unknown") {
		t.Errorf("an undated device:\n%s", f)
	}
	a.Keys("e")
	if got := a.Root.StatusLine().Text; !strings.Contains(got, "not available on a Django site") || a.Root.Depth() != 1 {
		t.Fatalf("e on a Django device: status %q, depth %d\n%s", got, a.Root.Depth(), a.Frame())
	}
}
