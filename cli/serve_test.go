package cli

import (
	"context"
	"os"
	"path/filepath"
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
	go func() { done <- verifier.New(svc).Run(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Close()
	})
	return socket
}

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
