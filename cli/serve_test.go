package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/verifier"
)

// serveHarness runs a verifier in this process on h's store, on a socket
// in a short directory, and returns the socket.
func (h *harness) serveHarness() string {
	t := h.t
	dir, err := os.MkdirTemp("", "tfcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := db.Open(context.Background(), h.env("TWO_FACTOR_DB"), db.Options{KeyFile: h.env("TWO_FACTOR_KEY_FILE"), Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st)
	svc.Now = func() time.Time { return h.now }
	socket := filepath.Join(dir, "verify.sock")
	l, err := verifier.ListenUnix(socket, -1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- verifier.New(svc, verifier.Limit{}).Run(ctx, l, nil) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
	})
	return socket
}

// withoutDevice removes the device from a local verify's answer (text or
// JSON), for comparing a refusal with the verifier's.
var withoutDevice = regexp.MustCompile(` \(TK-1\)|\n  "device(_id)?": [^\n]*`)

// TestVerifyThroughTheSocketPrintsWhatALocalVerifyPrints checks that
// verify --socket gives the same text, JSON and exit codes as verify on
// the store, and fails closed (exit 2) when no verifier answers.
func TestVerifyThroughTheSocketPrintsWhatALocalVerifyPrints(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		local, remote := cleanStore(t), cleanStore(t)
		socket := remote.serveHarness()
		for _, args := range [][]string{
			{"alice", "@c1"},
			{"alice", "@c1"}, // replayed
			{"alice", "000000"},
			{"nobody", "000000"},
			{"alice", "12a456"},
			{"alice", "--device", "TK-1", "@c2"},
		} {
			full := append([]string{"verify"}, args...)
			if asJSON {
				full = append(full, "--json")
			}
			lout, _, lcode := local.exec("", local.expand(full)...)
			sargs := append(remote.expand(full), "--socket", socket)
			rout, rerr, rcode := remote.exec("", sargs...)
			if args[1] == "--device" {
				if rcode != ExitError || !strings.Contains(rout+rerr, "--device cannot be used with --socket") {
					t.Errorf("--device with --socket: exit %d %s%s", rcode, rout, rerr)
				}
				continue
			}
			if lcode != ExitOK {
				// The verifier names a device only in an acceptance; the
				// administrator's own verify names it in every answer.
				lout = withoutDevice.ReplaceAllString(lout, "")
			}
			if lout != rout || lcode != rcode {
				t.Errorf("%q: local exit %d %q, through the socket exit %d %q %s", full, lcode, lout, rcode, rout, rerr)
			}
		}
	}
	h := cleanStore(t)
	out, errs, code := h.exec("", "verify", "alice", "123456", "--socket", filepath.Join(h.dir, "none.sock"))
	if code != ExitError || !strings.Contains(errs, "verifier is not available") {
		t.Errorf("no verifier: exit %d %s%s", code, out, errs)
	}
}

// TestAPIClientTokenIsShownOnceAndAudited adds, lists and removes a
// client: the token is printed once, only its hash is stored, and both
// changes are in the audit log.
func TestAPIClientTokenIsShownOnceAndAudited(t *testing.T) {
	h := newHarness(t)
	out := h.run("api-client", "add", "web01", "--json")
	var added struct{ Name, Token string }
	if err := json.Unmarshal([]byte(out), &added); err != nil || !strings.HasPrefix(added.Token, "tfa_") || len(added.Token) < 40 {
		t.Fatalf("api-client add: %v %s", err, out)
	}
	if list := h.run("api-client", "list"); !strings.Contains(list, "web01") || !strings.Contains(list, "never") || strings.Contains(list, added.Token) {
		t.Errorf("api-client list:\n%s", list)
	}
	store, err := os.ReadFile(h.env("TWO_FACTOR_DB"))
	if err != nil || bytes.Contains(store, []byte(added.Token)) {
		t.Errorf("the token is in the store file in clear (%v)", err)
	}
	if _, _, code := h.exec("", "api-client", "add", "web01"); code != ExitRejected {
		t.Errorf("adding web01 twice: exit %d", code)
	}
	if _, _, code := h.exec("", "api-client", "add", "bad name"); code != ExitError {
		t.Errorf("a name with a blank: exit %d", code)
	}
	h.run("api-client", "rm", "web01")
	if list := h.run("api-client", "list"); strings.Contains(list, "web01") {
		t.Errorf("web01 still listed:\n%s", list)
	}
	audit := h.run("audit", "--grep", "api-client")
	if !strings.Contains(audit, "api-client.add") || !strings.Contains(audit, "api-client.rm") {
		t.Errorf("audit log:\n%s", audit)
	}
}

// serve opens the store with group commit (its concurrent verifications
// share transactions); a CLI verify, which makes one change and exits,
// does not.
func TestOnlyServeGroupCommits(t *testing.T) {
	dir := t.TempDir()
	env := Env{Getenv: func(string) string { return "" }, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	var seen []db.Options
	for _, args := range [][]string{append([]string{"serve", "--check"}, noSystemConfig(t, dir)...), {"verify", "alice", "123456"}} {
		a := &app{env: env}
		root := a.rootCommand()
		root.SetArgs(append(args, "--db", filepath.Join(dir, "store.db"), "--key-file", filepath.Join(dir, "master.key")))
		root.Execute()
		seen = append(seen, a.storeOptions("k", false))
	}
	if !seen[0].GroupCommit || seen[1].GroupCommit {
		t.Errorf("group commit: serve %v, verify %v; want serve only", seen[0].GroupCommit, seen[1].GroupCommit)
	}
}

// noSystemConfig is --config naming an empty file in dir, so that a test
// of serve never reads the host's /etc/two-factor/serve.conf: on a server
// where two-factor is installed (as README's service section leaves it)
// that file's HTTP port and RADIUS clients made these tests fail.
func noSystemConfig(t testing.TB, dir string) []string {
	t.Helper()
	path := filepath.Join(dir, "serve.conf")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--config", path}
}
