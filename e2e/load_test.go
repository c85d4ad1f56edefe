package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the test holds the store's write lock

	"github.com/two-factor/two-factor/verifier"
)

// The load tests fire verifications at one store from every kind of
// client at once: goroutines over the HTTP API (bearer token, TCP) and
// over the unix socket, `two-factor verify` processes opening the store
// themselves, and `two-factor verify --socket` processes asking the
// verifier. To make them all arrive together, the test holds the store's
// write lock while it starts them, so every one of them is queued on the
// same lock when it is let go. Loopback only; bounded in count.

// frontEnd is one way of asking for a verification.
type frontEnd int

const (
	viaHTTP frontEnd = iota
	viaUnix
	viaCLI       // `two-factor verify`: its own store connection
	viaCLISocket // `two-factor verify --socket`
	frontEnds
)

func (f frontEnd) String() string {
	return [...]string{"http", "unix", "cli", "cli --socket"}[f]
}

// loadRig is a running verifier with an HTTP listener and an API client.
type loadRig struct {
	s     *setup
	v     *verifierProc
	addr  string // HTTP API, host:port
	token string
	http  *http.Client
}

var httpAddrRE = regexp.MustCompile(`HTTP API on (\S+)`)

func (s *setup) loadRig(t *testing.T) *loadRig {
	t.Helper()
	r := &loadRig{s: s, http: &http.Client{Timeout: time.Minute}}
	r.token = strings.TrimSpace(lastLine(s.cli(t, 0, "api-client", "add", "load")))
	r.v = s.serve(t, "--http", "127.0.0.1:0", "--rate", "0")
	for deadline := time.Now().Add(10 * time.Second); r.addr == ""; time.Sleep(10 * time.Millisecond) {
		if m := httpAddrRE.FindStringSubmatch(r.v.stderr.String()); m != nil {
			r.addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the verifier logged no HTTP address:\n%s", r.v.stderr.String())
		}
	}
	return r
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// request is one verification and what its client was told.
type request struct {
	user, code string
	via        frontEnd
	outcome    string // accepted, rejected, throttled, ...; "" until answered
	err        error
}

// ask sends one request through its front end and records the outcome.
func (r *loadRig) ask(req *request) {
	switch req.via {
	case viaHTTP:
		body, _ := json.Marshal(verifier.VerifyRequest{User: req.user, Code: req.code})
		hr, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/v1/verify", bytes.NewReader(body))
		hr.Header.Set("Authorization", "Bearer "+r.token)
		resp, err := r.http.Do(hr)
		if err != nil {
			req.err = err
			return
		}
		defer resp.Body.Close()
		var v verifier.VerifyResponse
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
			req.err = fmt.Errorf("HTTP %s: %v", resp.Status, err)
			return
		}
		req.outcome = string(v.Outcome)
	case viaUnix:
		v, err := verifier.Client{Socket: r.v.socket, Timeout: time.Minute}.Verify(context.Background(), req.user, req.code)
		req.outcome, req.err = string(v.Outcome), err
	case viaCLI, viaCLISocket:
		args := []string{"verify", "--json", req.user}
		if req.via == viaCLISocket {
			args = []string{"verify", "--json", "--socket", r.v.socket, req.user}
		}
		cmd := exec.Command(r.s.bin, args...)
		cmd.Env = r.s.env
		cmd.Stdin = strings.NewReader(req.code + "\n") // out of the process list
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var v struct{ Outcome string }
		if jerr := json.Unmarshal(out, &v); jerr != nil || v.Outcome == "" {
			req.err = fmt.Errorf("%v: %v %s %s", req.via, err, out, stderr.Bytes())
			return
		}
		req.outcome = v.Outcome
	}
}

// fireTogether holds the store's write lock, starts every request, lets
// them queue on the lock, then releases it and waits for every answer.
func (r *loadRig) fireTogether(t *testing.T, reqs []*request) {
	t.Helper()
	lock, err := sql.Open("sqlite", "file:"+filepath.Join(r.s.dir, "store.db")+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	tx, err := lock.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, req := range reqs {
		wg.Go(func() { r.ask(req) })
	}
	// Long enough for the processes to start and reach the lock; those
	// that are late only make the race less tight, never the test wrong.
	time.Sleep(1500 * time.Millisecond)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, req := range reqs {
		if req.err != nil {
			t.Errorf("%s %s: no answer: %v", req.via, req.user, req.err)
		}
	}
}

// auditRow is an audit entry as `audit --json` prints it.
type auditRow struct {
	ID       int64  `json:"id"`
	User     string `json:"user"`
	DeviceID int64  `json:"device_id"`
	Outcome  string `json:"outcome"`
	Detail   string `json:"detail"`
}

// verifyAudit is every device.verify entry, oldest first.
func (s *setup) verifyAudit(t *testing.T) []auditRow {
	t.Helper()
	var rows []auditRow
	if err := json.Unmarshal([]byte(s.cli(t, 0, "audit", "--action", "device.verify", "--limit", "1000000", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// deviceRow is a device as `device list --json` prints it.
type deviceRow struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Failures    int    `json:"failures"`
	Drift       int64  `json:"drift_steps"`
	BackupCodes *int   `json:"backup_codes_left"`
}

func (s *setup) deviceList(t *testing.T, user string) []deviceRow {
	t.Helper()
	var rows []deviceRow
	if err := json.Unmarshal([]byte(s.cli(t, 0, "device", "list", user, "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// lastStep is a device's replay floor, read from the store itself.
func (s *setup) lastStep(t *testing.T, id int64) int64 {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(s.dir, "store.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var step sql.NullInt64
	if err := conn.QueryRow("SELECT last_step FROM devices WHERE id = ?", id).Scan(&step); err != nil {
		t.Fatal(err)
	}
	return step.Int64
}

func countOutcomes(reqs []*request, user string) map[string]int {
	n := map[string]int{}
	for _, r := range reqs {
		if user == "" || r.user == user {
			n[r.outcome]++
		}
	}
	return n
}

// TestSameCodeAcceptedExactlyOnceUnderLoad fires one valid code for alice
// 56 times at the same instant: 24 goroutines over HTTP, 24 over the unix
// socket, 4 `verify` processes on the store and 4 `verify --socket`
// processes. Exactly one is accepted; every other is rejected as a replay,
// counted as a failure (no throttle here, so every one counts: a lost
// update would show as fewer) and audited once.
func TestSameCodeAcceptedExactlyOnceUnderLoad(t *testing.T) {
	s := build(t)
	step := nowStep()
	s.enrollToken(t, "alice", step)
	s.cli(t, 0, "config", "set", "throttle-factor", "0")
	r := s.loadRig(t)
	code := pamCode(t, step+1)
	var reqs []*request
	for via, n := range map[frontEnd]int{viaHTTP: 24, viaUnix: 24, viaCLI: 4, viaCLISocket: 4} {
		for range n {
			reqs = append(reqs, &request{user: "alice", code: code, via: via})
		}
	}
	r.fireTogether(t, reqs)
	got := countOutcomes(reqs, "")
	if got["accepted"] != 1 || got["rejected"] != len(reqs)-1 {
		t.Fatalf("outcomes of %d requests of one code: %v, want 1 accepted and %d rejected", len(reqs), got, len(reqs)-1)
	}
	audit := s.verifyAudit(t)
	if len(audit) != len(reqs) || audit[0].Outcome != "accepted" {
		t.Errorf("%d verification audit entries (first %q), want %d, the first accepted", len(audit), audit[0].Outcome, len(reqs))
	}
	devs := s.deviceList(t, "alice")
	if len(devs) != 1 || devs[0].Failures != len(reqs)-1 {
		t.Errorf("alice's device after the load: %+v, want %d failures", devs, len(reqs)-1)
	}
	if got := s.lastStep(t, devs[0].ID); got != step+1 {
		t.Errorf("replay floor %d, want %d", got, step+1)
	}
}

// loadSeeds are the users' token seeds in the mixed workload (base32).
var loadSeeds = map[string]string{
	"alice": pamSeed,
	"bob":   "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
	"carol": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
	"dave":  "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF",
}

// TestMixedLoadLosesNoUpdate fires, at the same instant and spread over
// the four front ends, for each of four users: their next code six times
// (one may be accepted), the code they enrolled with twice (a replay),
// four wrong codes; and for bob four of his backup codes three times each
// and two wrong backup codes. Then the store must agree with what the
// clients were told and with the audit log, read in commit order: one
// acceptance per code, every answer audited once, the replay floor at the
// accepted step, the drift of the last acceptance, the failures counted
// since it, and exactly the used backup codes gone.
func TestMixedLoadLosesNoUpdate(t *testing.T) {
	s := build(t)
	step := nowStep()
	for user, seed := range loadSeeds {
		s.enrollSeed(t, user, seed, step)
	}
	codes := regexp.MustCompile(`[a-z2-7]{5}-[a-z2-7]{5}`).FindAllString(s.cli(t, 0, "backup-codes", "bob"), -1)
	if len(codes) < 4 {
		t.Fatalf("backup codes: %v", codes)
	}
	backupBefore := *backupDevice(t, s.deviceList(t, "bob")).BackupCodes
	s.cli(t, 0, "config", "set", "throttle-factor", "0")
	r := s.loadRig(t)

	var reqs []*request
	add := func(user, code string, times int) {
		for range times {
			reqs = append(reqs, &request{user: user, code: code, via: frontEnd(len(reqs) % int(frontEnds))})
		}
	}
	for user, seed := range loadSeeds {
		add(user, seedCode(t, seed, step+1), 6)
		add(user, seedCode(t, seed, step), 2)
		for i := range 4 {
			add(user, seedCode(t, seed, step+20+int64(i)), 1)
		}
	}
	for _, c := range codes[:4] {
		add("bob", c, 3)
	}
	add("bob", "aaaaa-aaaaa", 1)
	add("bob", "bbbbb-bbbbb", 1)
	r.fireTogether(t, reqs)

	accepted := map[string]int{} // user+code -> acceptances
	for _, q := range reqs {
		if q.outcome == "accepted" {
			accepted[q.user+" "+q.code]++
		} else if q.outcome != "rejected" {
			t.Errorf("%s %s via %s: %q, want accepted or rejected (no throttle, no lockout)", q.user, q.code, q.via, q.outcome)
		}
	}
	for user, seed := range loadSeeds {
		if n := accepted[user+" "+seedCode(t, seed, step+1)]; n != 1 {
			t.Errorf("%s's next code accepted %d times, want 1", user, n)
		}
		if n := accepted[user+" "+seedCode(t, seed, step)]; n != 0 {
			t.Errorf("%s's enrollment code replayed and accepted %d times", user, n)
		}
	}
	for _, c := range codes[:4] {
		if n := accepted["bob "+c]; n != 1 {
			t.Errorf("a backup code accepted %d times, want 1", n)
		}
	}

	audit := s.verifyAudit(t)
	if len(audit) != len(reqs) {
		t.Errorf("%d verification audit entries for %d answered requests", len(audit), len(reqs))
	}
	for user := range loadSeeds {
		told := countOutcomes(reqs, user)
		logged := map[string]int{}
		for _, a := range audit {
			if a.User == user {
				logged[a.Outcome]++
			}
		}
		if fmt.Sprint(told) != fmt.Sprint(logged) {
			t.Errorf("%s: clients were told %v, the audit log says %v", user, told, logged)
		}
		for _, d := range s.deviceList(t, user) {
			checkDeviceAgainstAudit(t, s, user, d, audit, step+1)
		}
	}
	if left := *backupDevice(t, s.deviceList(t, "bob")).BackupCodes; left != backupBefore-4 {
		t.Errorf("bob has %d backup codes left, want %d", left, backupBefore-4)
	}
}

// checkDeviceAgainstAudit replays a device's audit entries in commit
// order: its failures are the rejections since its last acceptance, and a
// TOTP device's drift and replay floor are those of that acceptance.
func checkDeviceAgainstAudit(t *testing.T, s *setup, user string, d deviceRow, audit []auditRow, floor int64) {
	t.Helper()
	failures, lastDetail := 0, ""
	for _, a := range audit {
		if a.DeviceID != d.ID {
			continue
		}
		switch a.Outcome {
		case "accepted":
			failures, lastDetail = 0, a.Detail
		case "rejected":
			failures++
		}
	}
	if d.Failures != failures {
		t.Errorf("%s device %d (%s): %d failures stored, %d rejections audited since its last acceptance", user, d.ID, d.Kind, d.Failures, failures)
	}
	if d.Kind != "totp" {
		return
	}
	if want := fmt.Sprintf("drift %+d", d.Drift); !strings.HasSuffix(lastDetail, want) {
		t.Errorf("%s: drift %d stored, the last acceptance audited %q", user, d.Drift, lastDetail)
	}
	if got := s.lastStep(t, d.ID); got != floor {
		t.Errorf("%s: replay floor %d, want %d (the accepted step)", user, got, floor)
	}
}

func backupDevice(t *testing.T, devs []deviceRow) deviceRow {
	t.Helper()
	for _, d := range devs {
		if d.Kind == "backup" && d.BackupCodes != nil {
			return d
		}
	}
	t.Fatalf("no backup device in %+v", devs)
	return deviceRow{}
}
