package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathCompletion(t *testing.T) {
	_, a, _ := setup(t, 80, 24)
	write(t, "tokens-2026.csv", "x")
	write(t, "tokens-2026.pskc", "x")
	os.Mkdir("seeds", 0o700)
	write(t, filepath.Join("seeds", "batch1.csv"), "x")
	a.Type("tok")
	a.Keys("tab")
	if !strings.Contains(a.Frame(), "File      tokens-2026.") {
		t.Fatalf("tab should complete the common prefix:\n%s", a.Frame())
	}
	a.Keys("tab")
	if !strings.Contains(a.Frame(), "tokens-2026.csv  tokens-2026.pskc") {
		t.Errorf("a second tab lists the candidates:\n%s", a.Frame())
	}
	a.Keys("ctrl+u")
	a.Type("se")
	a.Keys("tab", "tab")
	if !strings.Contains(a.Frame(), "File      seeds/batch1.csv") {
		t.Errorf("a lone directory gets its slash, then its file:\n%s", a.Frame())
	}
}
