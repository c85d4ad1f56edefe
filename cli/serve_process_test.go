package cli

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/two-factor/two-factor/verifier"
)

// TestMain lets a test start this test binary as the real two-factor
// process (signals, exit status and all): with TWO_FACTOR_TEST_EXEC=1 it
// runs the command line instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("TWO_FACTOR_TEST_EXEC") == "1" {
		os.Exit(Execute(context.Background(), os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

// process is a two-factor serve started as its own process on h's store.
type process struct {
	cmd    *exec.Cmd
	socket string
	mu     sync.Mutex
	log    strings.Builder
	lines  chan string
}

func (h *harness) startServe(args ...string) *process {
	t := h.t
	dir, err := os.MkdirTemp("", "tfp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &process{socket: filepath.Join(dir, "verify.sock"), lines: make(chan string, 100)}
	p.cmd = exec.Command(os.Args[0], append(append([]string{"serve", "--socket", p.socket}, noSystemConfig(t, dir)...), args...)...)
	p.cmd.Env = []string{"TWO_FACTOR_TEST_EXEC=1", "TWO_FACTOR_DB=" + h.env("TWO_FACTOR_DB"), "TWO_FACTOR_KEY_FILE=" + h.env("TWO_FACTOR_KEY_FILE")}
	if v := h.env("NOTIFY_SOCKET"); v != "" {
		p.cmd.Env = append(p.cmd.Env, "NOTIFY_SOCKET="+v)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	p.waitFor(t, "verifier on")
	return p
}

// waitFor returns the first log line containing s.
func (p *process) waitFor(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("serve ended before logging %q:\n%s", s, p.logText())
			}
			if strings.Contains(line, s) {
				return line
			}
		case <-timeout:
			t.Fatalf("serve did not log %q:\n%s", s, p.logText())
		}
	}
}

func (p *process) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// realTimeStore is a store with alice enrolled at the real time, for a
// verifier process that reads the real clock.
func realTimeStore(t *testing.T) (*harness, []byte) {
	h := newHarness(t)
	h.now = time.Now()
	return h, h.enroll("alice")
}

// TestServeFinishesTheRequestInFlightOnSIGTERM holds the store's write
// lock so a verification is stuck in flight, sends SIGTERM, then lets the
// lock go: the request must still be answered (accepted), and the process
// exit 0 and remove its socket.
func TestServeFinishesTheRequestInFlightOnSIGTERM(t *testing.T) {
	h, seed := realTimeStore(t)
	p := h.startServe("--rate", "0")
	lock, err := sql.Open("sqlite", "file:"+h.env("TWO_FACTOR_DB")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	tx, err := lock.Begin()
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		v   verifier.VerifyResponse
		err error
	}
	got := make(chan answer, 1)
	go func() {
		v, err := verifier.Client{Socket: p.socket, Timeout: time.Minute}.Verify(context.Background(), "alice", totp(t, seed, time.Now().Add(30*time.Second)))
		got <- answer{v, err}
	}()
	time.Sleep(500 * time.Millisecond) // the request reaches the lock
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	select {
	case a := <-got:
		t.Fatalf("answered while the store was locked: %+v %v", a.v, a.err)
	default:
	}
	tx.Rollback()
	a := <-got
	if a.err != nil || !a.v.OK {
		t.Errorf("the request in flight at SIGTERM: %+v %v\n%s", a.v, a.err, p.logText())
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, p.logText())
	}
	if _, err := os.Lstat(p.socket); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

// TestServeReloadsOnSIGHUPAndSeesNewClientsAtOnce starts serve with a
// configuration file and an HTTP listener: an API client added while it
// runs works at once, and a tighter rate written to the file applies after
// SIGHUP.
func TestServeReloadsOnSIGHUPAndSeesNewClientsAtOnce(t *testing.T) {
	h, _ := realTimeStore(t)
	conf := filepath.Join(h.dir, "serve.conf")
	write := func(s string) {
		if err := os.WriteFile(conf, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# test\nhttp = 127.0.0.1:0\nrate = 0\n")
	p := h.startServe("--config", conf)
	addr := regexp.MustCompile(`HTTP API on (\S+)`).FindStringSubmatch(p.logText())
	if addr == nil {
		t.Fatalf("no HTTP address logged:\n%s", p.logText())
	}
	token := strings.TrimSpace(lastLine(h.run("api-client", "add", "late")))
	get := func() int {
		req, _ := http.NewRequest("GET", "http://"+addr[1]+"/healthz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 5 {
		if st := get(); st != 200 {
			t.Fatalf("request %d of a client added while serving: %d", i, st)
		}
	}
	write("http = 127.0.0.1:0\nrate = 0.001\nburst = 1\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(t, "reloaded")
	codes := fmt.Sprint(get(), get())
	if codes != "200 429" {
		t.Errorf("after SIGHUP with burst 1: %s, want 200 429", codes)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
