package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// commandCase is how the tree-walking tests run one command: an invocation
// that succeeds on cleanStore, one it refuses (exit 1; nil when the command
// has nothing to refuse), a usage error (exit 2), and the further argument
// lists TestEveryCommandKeepsHostileTextOffTheTerminal runs on hostileStore.
type commandCase struct {
	ok, reject, usage []string
	stdin             string // for ok (enroll reads a seed and a code)
	verdict           bool   // reject prints the verdict as the result (verify), not an error
	token             bool   // ok needs pcscd and a virtual token on the reader (see withToken)
	hostile           [][]string
}

// argLists is every argument list of the case.
func (c commandCase) argLists() [][]string {
	all := append([][]string{c.ok, c.usage}, c.hostile...)
	if c.reject != nil {
		all = append(all, c.reject)
	}
	return all
}

// commandCases lists every command of the tree. A command missing here
// fails the tests that walk the tree: add it.
var commandCases = map[string]commandCase{
	"two-factor": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor api-client": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor api-client add": {
		ok:      []string{"web01"},
		usage:   []string{},
		hostile: [][]string{{hostile}, {"web01"}},
	},
	"two-factor api-client list": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
	"two-factor api-client rm": {
		ok:      []string{"app"},
		reject:  []string{"nobody"},
		usage:   []string{},
		hostile: [][]string{{hostile}, {"app"}},
	},
	"two-factor assign": {
		ok:      []string{"TK-2", "bob"},
		reject:  []string{"TK-1", "bob"},
		usage:   []string{"TK-2"},
		hostile: [][]string{{hostileSerial, "alice"}, {"TK-1", hostileUser}},
	},
	"two-factor audit": {
		ok:      []string{},
		usage:   []string{"--since", "soon"},
		hostile: [][]string{{}, {"--grep", "h"}, {"--user", hostileUser}},
	},
	"two-factor audit prune": {
		ok:      []string{"--before", "2000-01-01"},
		usage:   []string{"--before", "yesterday"},
		hostile: [][]string{{"--before", "2099-01-01"}, {"--before", hostile}},
	},
	"two-factor audit verify": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
	"two-factor backup-codes": {
		ok:      []string{"alice"},
		reject:  []string{"nobody"},
		usage:   []string{},
		hostile: [][]string{{"alice"}, {hostileUser}},
	},
	"two-factor burn": {
		ok:      []string{"--batch", "--count", "1", "--timeout", "10s"},
		reject:  []string{"nobody"},
		usage:   []string{},
		token:   true,
		hostile: [][]string{{hostileUser}, {"alice", "--reader", hostile, "--timeout", "1s"}, {"--batch", "--count", "1", "--timeout", "1s"}},
	},
	"two-factor config": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor config get": {
		ok:      []string{"issuer"},
		usage:   []string{"issuer", "tolerance"},
		hostile: [][]string{{}, {"issuer"}, {hostile}},
	},
	"two-factor config set": {
		ok:      []string{"issuer", "ACME"},
		usage:   []string{"tolerance", "99"},
		hostile: [][]string{{"issuer", hostile}, {hostile, "1"}},
	},
	"two-factor device": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor device disable": {
		ok:      []string{"alice", "TK-1"},
		reject:  []string{"alice", "nope"},
		usage:   []string{"alice"},
		hostile: [][]string{{"alice", "TK-1"}, {hostileUser, hostileDevice}},
	},
	"two-factor device enable": {
		ok:      []string{"alice", "TK-1"},
		reject:  []string{"alice", "nope"},
		usage:   []string{"alice"},
		hostile: [][]string{{"alice", "TK-1"}, {hostileUser, hostileDevice}},
	},
	"two-factor device list": {
		ok:      []string{"alice"},
		reject:  []string{"nobody"},
		usage:   []string{},
		hostile: [][]string{{"alice"}, {hostileUser}},
	},
	"two-factor device rename": {
		ok:      []string{"alice", "TK-1", "spare"},
		reject:  []string{"alice", "nope", "spare"},
		usage:   []string{"alice", "TK-1"},
		hostile: [][]string{{hostileUser, hostileDevice, "plain"}, {"alice", "TK-1", hostile}},
	},
	"two-factor device rm": {
		ok:      []string{"--yes", "alice", "TK-1"},
		reject:  []string{"--yes", "alice", "nope"},
		usage:   []string{"alice", "TK-1"},
		hostile: [][]string{{"--yes", hostileUser, hostileDevice}, {"--yes", "alice", hostile}},
	},
	"two-factor device show": {
		ok:      []string{"alice", "TK-1"},
		reject:  []string{"nobody", "TK-1"},
		usage:   []string{"alice"},
		hostile: [][]string{{"alice", "TK-1"}, {hostileUser, hostileDevice}, {hostileUser, hostileSerial}},
	},
	"two-factor device unlock": {
		ok:      []string{"alice", "TK-1"},
		reject:  []string{"alice", "nope"},
		usage:   []string{"alice"},
		hostile: [][]string{{"alice", "TK-1"}, {hostileUser, hostileDevice}},
	},
	"two-factor disable": {
		ok:      []string{"--yes", "bob"},
		reject:  []string{"--yes", "nobody"},
		usage:   []string{"bob"},
		hostile: [][]string{{hostileUser}, {"alice", hostile}},
	},
	"two-factor drift": {
		ok:      []string{},
		usage:   []string{"--horizon", "soon"},
		hostile: [][]string{{}, {"--all"}},
	},
	"two-factor enroll": {
		ok:      []string{"bob", "--token", "--serial", "TK-9"},
		reject:  []string{"bob", "--no-qr"},
		usage:   []string{"bob", "--token"},
		stdin:   "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n@c0\n",
		hostile: [][]string{{hostileUser}, {"alice", "--token", "--serial", hostile}},
	},
	"two-factor export": {
		ok:      []string{"--plaintext", "--format", "csv", "-o", "@dir/out.csv"},
		usage:   []string{"--format", "xml"},
		hostile: [][]string{{"--plaintext", "--format", "csv", "-o", "@dir/out.csv"}, {"--plaintext", "-o", "@dir/out.xml"}, {"--format", hostile}},
	},
	"two-factor identify": {
		ok:      []string{"@c0", "@c1"},
		reject:  []string{"123456", "654321"},
		usage:   []string{"123456"},
		hostile: [][]string{{"123456", "654321"}, {"--all", "123456", "654321"}, {hostile, hostile}},
	},
	"two-factor import": {
		ok:      []string{"--no-assign", "@dir/spare.csv"},
		usage:   []string{"--format", "nope", "@dir/spare.csv"},
		hostile: [][]string{{"@dir/hostile.csv"}, {"--dry-run", "@dir/hostile.csv"}, {"@dir/missing" + hostile}},
	},
	"two-factor init": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
	"two-factor nfc": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor nfc info": {
		ok:      []string{"--timeout", "10s"},
		usage:   []string{"extra"},
		token:   true,
		hostile: [][]string{{"--reader", hostile, "--timeout", "1s"}},
	},
	"two-factor nfc readers": {
		ok:      []string{},
		usage:   []string{"extra"},
		token:   true,
		hostile: [][]string{{}},
	},
	"two-factor nfc sync-clock": {
		ok:      []string{"--timeout", "10s"},
		usage:   []string{"extra"},
		token:   true,
		hostile: [][]string{{"--reader", hostile, "--timeout", "1s"}},
	},
	"two-factor rekey": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
	"two-factor resync": {
		ok:      []string{"alice", "--device", "TK-1", "@c5", "@c6"},
		reject:  []string{"alice", "--device", "TK-1", "123456", "654321"},
		usage:   []string{"alice", "123456"},
		hostile: [][]string{{hostileUser, "123456", "654321"}, {"alice", "--device", "TK-1", "123456", "654321"}},
	},
	"two-factor retire": {
		ok:      []string{"--yes", "TK-2"},
		reject:  []string{"--yes", "NOPE"},
		usage:   []string{"TK-2"},
		hostile: [][]string{{hostileSerial}, {hostile}},
	},
	// pam-verify's success and refusal need a running verifier and pam_exec's
	// environment: e2e/pam_test.go runs them through a real PAM stack.
	"two-factor pam-verify": {
		usage:   []string{"extra"},
		hostile: [][]string{{"--socket", "@dir/" + hostile}},
	},
	"two-factor serve": {
		ok:      []string{"--check", "--socket", "@dir/v.sock"},
		usage:   []string{"extra"},
		hostile: [][]string{{"--check", "--socket", "@dir/" + hostile}, {"--check", "--group", hostile}, {"--check", "--radius", hostile, "--radius-clients", "@dir/" + hostile}},
	},
	"two-factor status": {
		ok:      []string{},
		reject:  []string{"nobody"},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}, {hostileUser, "alice", hostile}},
	},
	"two-factor tokens": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}, {"--all", "--retired"}},
	},
	"two-factor unassign": {
		ok:      []string{"TK-1"},
		reject:  []string{"TK-2"},
		usage:   []string{},
		hostile: [][]string{{hostileSerial}, {hostile}},
	},
	"two-factor user": {
		ok:      []string{},
		usage:   []string{"--no-such-flag"},
		hostile: [][]string{{}},
	},
	"two-factor user add": {
		ok:      []string{"carol"},
		reject:  []string{"bob"},
		usage:   []string{},
		hostile: [][]string{{"bob"}, {hostile}},
	},
	"two-factor user list": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
	"two-factor user rm": {
		ok:      []string{"--yes", "bob"},
		reject:  []string{"--yes", "nobody"},
		usage:   []string{"bob"},
		hostile: [][]string{{"--yes", hostileUser}, {"--yes", hostile}},
	},
	"two-factor verify": {
		ok:      []string{"alice", "@c1"},
		reject:  []string{"alice", "000000"},
		usage:   []string{"alice", "12a456"},
		verdict: true,
		hostile: [][]string{{hostileUser, "123456"}, {"alice", "123456"}, {"alice", hostile}, {hostile, "123456"}},
	},
	"two-factor version": {
		ok:      []string{},
		usage:   []string{"extra"},
		hostile: [][]string{{}},
	},
}

// fixtureSeed is the seed of every token the fixtures enroll.
var fixtureSeed = []byte("12345678901234567890")

// expand fills in an argument list: @dir is the harness's directory and
// @cN the fixture tokens' code N steps from now.
func (h *harness) expand(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "@dir", h.dir)
		if n, err := strconv.Atoi(strings.TrimPrefix(a, "@c")); err == nil && strings.HasPrefix(a, "@c") {
			a = totp(h.t, fixtureSeed, h.now.Add(time.Duration(n)*30*time.Second))
		}
		out[i] = a
	}
	return out
}

// cleanStore is the store the exit-code and JSON tests run every command
// on: alice holding token TK-1, TK-2 in the inventory, bob with nothing,
// and spare.csv, a seed file of two new tokens.
func cleanStore(t *testing.T) *harness {
	h := newHarness(t)
	h.tokenFixture("TK-1")
	h.tokenFixture("TK-2")
	h.run("unassign", "TK-2")
	h.run("user", "add", "bob")
	h.run("api-client", "add", "app")
	exported := filepath.Join(h.dir, "export.csv")
	h.run("export", "--plaintext", "--format", "csv", "-o", exported)
	b, err := os.ReadFile(exported)
	if err != nil || !strings.Contains(string(b), "TK-2") {
		t.Fatalf("export: %v\n%s", err, b)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "spare.csv"), []byte(strings.ReplaceAll(string(b), "TK-", "NEW-")), 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}
