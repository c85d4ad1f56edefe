package cli

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/nfc/nfctest"
)

// TestEveryCommandKeepsTheExitCodeContract walks the whole tree: each
// command succeeds with 0, refuses with 1 (not found, conflict, rejected,
// no match) and reports a usage error with 2, as README documents; and
// with --json it prints one JSON document on stdout with snake_case keys,
// a failure as {"error": {"message", "code", "kind"}}, the exit code
// unchanged.
func TestEveryCommandKeepsTheExitCodeContract(t *testing.T) {
	pristine := cleanStore(t)
	for _, cmd := range commandTree((&app{}).rootCommand()) {
		path := cmd.CommandPath()
		cc, ok := commandCases[path]
		if !ok {
			t.Errorf("%q is not in commandCases", path)
			continue
		}
		// The console needs a terminal; a group only prints its help.
		withJSON := cmd.HasParent() && cmd.Runnable()
		if withJSON && cmd.Flags().Lookup("json") == nil {
			t.Errorf("%s has no --json", path)
			withJSON = false
		}
		for _, run := range []struct {
			what  string
			args  []string
			stdin string
			code  int
		}{
			{"success", cc.ok, cc.stdin, ExitOK},
			{"refusal", cc.reject, "", ExitRejected},
			{"usage error", cc.usage, "", ExitError},
		} {
			if run.args == nil {
				continue
			}
			if cc.token && run.code == ExitOK && !pristine.withToken() {
				t.Logf("%s (success) not run: %v", path, nfctest.Available())
				continue
			}
			for _, asJSON := range []bool{false, true} {
				if asJSON && !withJSON {
					continue
				}
				h := pristine.copyTo(t)
				args := append(strings.Fields(path)[1:], run.args...)
				if asJSON {
					args = append(args, "--json")
				}
				args = h.expand(args)
				stdin := strings.ReplaceAll(run.stdin, "@c0", h.expand([]string{"@c0"})[0])
				out, errs, code := h.exec(stdin, args...)
				if code != run.code {
					t.Errorf("%s (%s) %q: exit %d, want %d\n%s%s", path, run.what, args, code, run.code, out, errs)
					continue
				}
				if !asJSON {
					continue
				}
				checkJSONOutput(t, path+" "+run.what, out, run.code, cc.verdict && run.code == ExitRejected)
			}
		}
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// checkJSONOutput checks that out is one JSON document with snake_case
// keys only, and for a failure the error object carrying the exit code.
func checkJSONOutput(t *testing.T, what, out string, code int, verdict bool) {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&v); err != nil || dec.More() {
		t.Errorf("%s --json: not one JSON document (%v):\n%s", what, err, out)
		return
	}
	var badKeys []string
	walkKeys(v, func(k string) {
		if !snakeCase.MatchString(k) && !slices.Contains(badKeys, k) {
			badKeys = append(badKeys, k)
		}
	})
	if len(badKeys) > 0 {
		t.Errorf("%s --json: keys not in snake_case: %q\n%s", what, badKeys, out)
	}
	if code == ExitOK || verdict {
		return
	}
	var e errorJSON
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Error.Code != code || e.Error.Message == "" || e.Error.Kind == "" {
		t.Errorf("%s --json: want {\"error\": {message, code %d, kind}}, got\n%s", what, code, out)
	}
}

func walkKeys(v any, visit func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			visit(k)
			walkKeys(x, visit)
		}
	case []any:
		for _, x := range v {
			walkKeys(x, visit)
		}
	}
}
