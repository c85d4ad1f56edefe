package cli

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// TestVersion: --version and version print the build's module version,
// Go version and platform; version --json the same as an object.
func TestVersion(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out := h.run(args...)
		if !strings.HasPrefix(out, "two-factor ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("%q printed %q", args, out)
		}
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(h.run("version", "--json")), &b); err != nil || b["version"] == "" || b["go_version"] != runtime.Version() {
		t.Errorf("version --json: %v %v", b, err)
	}
}

// The build information is read only when version or --version needs it,
// not on every invocation (verify runs at each login).
func TestBuildInfoReadOnlyForVersion(t *testing.T) {
	calls := 0
	saved := currentBuildInfo
	currentBuildInfo = func() buildInfo { calls++; return readBuildInfo() }
	defer func() { currentBuildInfo = saved }()
	h := newHarness(t)
	h.run("user", "list")
	if calls != 0 {
		t.Fatalf("build information read %d time(s) without version", calls)
	}
	if out := h.run("--version"); !strings.HasPrefix(out, "two-factor ") || !strings.Contains(out, runtime.Version()) || calls != 1 {
		t.Fatalf("--version printed %q after %d read(s)", out, calls)
	}
}
