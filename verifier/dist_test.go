package verifier_test

import (
	"os"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/verifier"
)

// TestExampleConfigParsesToTheDocumentedPaths keeps dist/serve.conf.example
// loadable and in step with the system-wide defaults and the unit file.
func TestExampleConfigParsesToTheDocumentedPaths(t *testing.T) {
	c, err := verifier.LoadConfig("../dist/serve.conf.example", false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Socket != verifier.DefaultSocket || c.DB != verifier.DefaultDB || c.KeyFile != verifier.DefaultKey || c.Group != "two-factor" {
		t.Errorf("example config: %+v", c)
	}
	unit, err := os.ReadFile("../dist/two-factor.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=two-factor", "Group=two-factor", "RuntimeDirectory=two-factor", "ProtectSystem=strict",
		"ReadWritePaths=/var/lib/two-factor /run/two-factor", "NoNewPrivileges=yes", "PrivateTmp=yes",
		"ProtectProc=invisible", "ProcSubset=pid", "CapabilityBoundingSet=\n", "Type=notify\n", "NotifyAccess=main\n", "UMask=0077", "--config " + verifier.DefaultConfig} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	if _, err := verifier.LoadConfig("../dist/two-factor.service", false); err == nil {
		t.Error("a file that is not key = value lines was accepted")
	}
}
