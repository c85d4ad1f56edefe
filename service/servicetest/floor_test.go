package servicetest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	_ "github.com/two-factor/two-factor/service/servicetest"
)

// Importing the fixtures (and so everything they import) leaves the
// process's time zone alone: tests that need a fixed zone pass it
// explicitly (tui.Common.Zone), never by setting time.Local for every
// importer.
func TestImportingLeavesTimeLocalAlone(t *testing.T) {
	if time.Local == time.UTC {
		t.Fatal("time.Local was replaced by time.UTC during package initialisation")
	}
}

// The fixtures sit below the console: neither they nor the db and service
// tests that use them compile a terminal package.
func TestNoTerminalPackageBelowTheConsole(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go tool is needed to list dependencies")
		}
		t.Skip("no go tool on PATH to list dependencies")
	}
	const module = "github.com/two-factor/two-factor/"
	forbidden := []string{"charm.land/", "github.com/charmbracelet/", module + "tui", module + "views", module + "themes"}
	for _, args := range [][]string{
		{"list", "-deps", module + "service/servicetest"},
		{"list", "-deps", "-test", module + "db", module + "service"},
	} {
		out, err := exec.Command(goTool, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, pkg := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(pkg, f) {
					t.Errorf("go %s: depends on %s", strings.Join(args, " "), pkg)
				}
			}
		}
	}
}
