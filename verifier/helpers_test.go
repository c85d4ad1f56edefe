package verifier_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service/servicetest"

	"github.com/two-factor/two-factor/verifier"
)

func itoa(n int) string { return strconv.Itoa(n) }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func isUnavailable(err error) bool { return errors.Is(err, verifier.ErrUnavailable) }

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func codeNow(t *testing.T, s *socketEnv) string {
	return servicetest.Code(t, s.alice, s.Clock.Now(), 0)
}

// auditActors is every actor of the verification audit entries.
func (s *socketEnv) auditActors(t *testing.T) string {
	entries, err := s.Store.Audit(context.Background(), db.AuditFilter{Action: "device.verify"})
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, e := range entries {
		actors = append(actors, e.Actor)
	}
	return strings.Join(actors, "; ")
}

func shortDirB(b *testing.B) string {
	dir, err := os.MkdirTemp("", "tfb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
