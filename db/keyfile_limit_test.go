package db

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A key file is read only up to a small limit: a huge or endless file in
// its place is refused before it is read into memory.
func TestOversizedKeyFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	big := keyFileHeader + "\n" + strings.Repeat("A", 1<<20) + "\n"
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readKeyFile(path)
	if err == nil || !strings.Contains(err.Error(), "larger than the 4 KiB limit") {
		t.Fatalf("a 1 MiB key file: %v", err)
	}
}
