package tuitest

import (
	"context"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// DjangoCommon is a console context of size w×h on a fresh Django site's
// database (django-otp 1.1.3's schema, as Django's migrate made it) that
// seed fills as Django's ORM would: the screens as an administrator of a
// Django site sees them.
func DjangoCommon(tb testing.TB, w, h int, seed func(*djangofixture.Site)) *tui.Common {
	tb.Helper()
	site := djangofixture.New(tb, "", djangofixture.Schema113)
	seed(site)
	st, err := db.OpenDjango(context.Background(), site.Path, db.Options{KeyFile: site.Path + ".two-factor.key", Create: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	c := tui.NewCommon(context.Background(), service.New(st), themes.Choice{Name: themes.Dark, IsDark: true})
	c.Location, c.Routes, c.Zone = "db.sqlite3", Routes, time.UTC
	c.Width, c.Height, c.WatchEvery = w, h, 0
	return c
}

// DjangoZoe seeds a Django user zoe with a confirmed TOTP device named
// default (the RFC 6238 key) and an unconfirmed one named spare.
func DjangoZoe(tb testing.TB) func(*djangofixture.Site) {
	return func(s *djangofixture.Site) {
		zoe := s.User(tb, "zoe")
		s.TOTP(tb, zoe, "default", true, []byte("12345678901234567890"))
		s.TOTP(tb, zoe, "spare", false, []byte("12345678901234567890"))
	}
}
