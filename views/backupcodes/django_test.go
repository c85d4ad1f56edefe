package backupcodes_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/internal/djangofixture"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/backupcodes"
)

// On a Django site's database the screen makes django-otp static tokens
// and says truthfully how they are kept: as typed, not as hashes.
func TestDjangoSiteTokensAndWords(t *testing.T) {
	site := djangofixture.New(t, "", djangofixture.Schema113)
	site.User(t, "zoe")
	path := site.Path
	st, err := db.OpenDjango(context.Background(), path, db.Options{KeyFile: path + ".two-factor.key", Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := tui.NewCommon(context.Background(), service.New(st), themes.Choice{Name: themes.Dark, IsDark: true})
	c.Width, c.Height, c.WatchEvery = 80, 24, 0
	m := backupcodes.New(c, "zoe")
	a := tuitest.NewApp(c, m)
	if f := a.Frame(); strings.Contains(f, "hash") || !strings.Contains(f, "as typed") {
		t.Fatalf("before generating:\n%s", f)
	}
	a.Keys("enter")
	format := regexp.MustCompile(`^[a-z2-7]{8}$`)
	if len(m.Codes()) != 10 {
		t.Fatalf("%d codes", len(m.Codes()))
	}
	for _, code := range m.Codes() {
		if !format.MatchString(code) {
			t.Fatalf("code %q is not a django-otp static token", code)
		}
	}
	if f := a.Frame(); strings.Contains(f, "hash") || !strings.Contains(f, "as typed") {
		t.Fatalf("codes shown:\n%s", f)
	}
}
