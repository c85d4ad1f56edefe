package registry_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestScreensDoNotImportEachOther: a screen names where to go with a
// route; only the registry imports screens. An import between two screens
// would bring back the cycles that kept the tokens screen from opening a
// token's owner. The root (tui) imports no screen either.
func TestScreensDoNotImportEachOther(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`,
		"github.com/two-factor/two-factor/tui", "github.com/two-factor/two-factor/views/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const views = "github.com/two-factor/two-factor/views/"
	screens := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := f[0]
		if pkg == views+"registry" {
			continue
		}
		screens++
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, views) {
				t.Errorf("%s imports %s: navigate with tui.Navigate and register the screen in views/registry", pkg, imp)
			}
		}
	}
	if screens < 10 {
		t.Fatalf("go list found only %d packages:\n%s", screens, out)
	}
}
