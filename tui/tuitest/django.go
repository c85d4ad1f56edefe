package tuitest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/themes"
	"github.com/two-factor/two-factor/tui"
)

// DjangoCommon is a console context of size w×h on a fresh Django site's
// database (django-otp 1.1.3's schema, as Django's migrate made it, from
// db/testdata/django) after rows runs on it: the screens as an
// administrator of a Django site sees them.
func DjangoCommon(tb testing.TB, w, h int, rows string) *tui.Common {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	dump, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "db", "testdata", "django", "otp-1.1.3.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "db.sqlite3")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = raw.Exec(string(dump) + ";" + rows)
	raw.Close()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := db.OpenDjango(context.Background(), path, db.Options{KeyFile: path + ".two-factor.key", Create: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	c := tui.NewCommon(context.Background(), service.New(st), themes.Choice{Name: themes.Dark, IsDark: true})
	c.Location, c.Routes, c.Zone = "db.sqlite3", Routes, time.UTC
	c.Width, c.Height, c.WatchEvery = w, h, 0
	return c
}
