package registry_test

import (
	"strings"
	"testing"

	"github.com/two-factor/two-factor/tui/tuitest"
	"github.com/two-factor/two-factor/views/registry"
	"github.com/two-factor/two-factor/views/users"
)

// TestTokenQuestionsSayWhen2FAGoesOff: taking back or retiring a token
// says that the owner's two-factor authentication goes off exactly when
// it is their only active device (the service's rule), and not otherwise.
func TestTokenQuestionsSayWhen2FAGoesOff(t *testing.T) {
	e := tuitest.NewEnv(t)
	e.Seed(t)
	e.AddUser(t, "frank")
	e.Token(t, "frank", "SN0100", "c200", 0) // frank's only device
	c := e.Common(120, 40)
	c.Routes = registry.Routes()
	for _, tc := range []struct {
		serial, key string
		off         bool
	}{{"SN0100", "u", true}, {"SN0100", "x", true}, {"SN0042", "u", false}, {"SN0042", "x", false}} {
		a := tuitest.NewApp(c, users.New(c))
		a.Keys("i", "A", "/")
		a.Type(tc.serial)
		a.Keys("enter", tc.key)
		flat := strings.Join(strings.Fields(strings.ReplaceAll(a.Frame(), "│", "")), " ")
		if !a.Root.Prompting() {
			t.Fatalf("%s on %s did not ask:\n%s", tc.key, tc.serial, a.Frame())
		}
		if says := strings.Contains(flat, "two-factor authentication will be off"); says != tc.off {
			t.Errorf("%s on %s: says 2FA goes off %v, want %v:\n%s", tc.key, tc.serial, says, tc.off, a.Frame())
		}
		a.Keys("n")
	}
}
