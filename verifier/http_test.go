package verifier_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/verifier"
)

// tcpEnv is a verifier serving both the socket and loopback TCP (port 0).
type tcpEnv struct {
	*socketEnv
	base  string // http://127.0.0.1:PORT
	token string // API client "web01"
}

func serveTCP(t *testing.T, limit verifier.Limit) *tcpEnv {
	t.Helper()
	s := serveSocketWith(t, limit, true)
	token, err := s.Svc.AddAPIClient(context.Background(), "web01")
	if err != nil {
		t.Fatal(err)
	}
	return &tcpEnv{socketEnv: s, base: "http://" + s.tcpAddr, token: token}
}

// post sends body to path with the bearer token (none when token is "")
// and returns the status, Retry-After and body.
func (s *tcpEnv) post(t *testing.T, token, path, body string) (int, string, string) {
	t.Helper()
	method := http.MethodPost
	if body == "" {
		method = http.MethodGet
	}
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

func TestHTTPVerifiesWithABearerToken(t *testing.T) {
	s := serveTCP(t, verifier.Limit{})
	s.Clock.Advance(30 * time.Second)
	code := `{"user": "alice", "code": "` + codeNow(t, s.socketEnv) + `"}`
	if st, _, body := s.post(t, s.token, "/v1/verify", code); st != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("right code: %d %s", st, body)
	}
	if st, _, body := s.post(t, s.token, "/v1/verify", code); st != 200 || !strings.Contains(body, `"ok":false`) {
		t.Errorf("replay: %d %s", st, body)
	}
	// The replay was a failure: the device is throttled, and says for how long.
	st, _, body := s.post(t, s.token, "/v1/verify", `{"user": "alice", "code": "000000"}`)
	if st != 200 || !strings.Contains(body, `"outcome":"throttled"`) || strings.Contains(body, `"retry_after":0`) {
		t.Errorf("throttled user: %d %s", st, body)
	}
	s.Clock.Advance(time.Hour)
	wst, _, wrong := s.post(t, s.token, "/v1/verify", `{"user": "alice", "code": "000000"}`)
	ust, _, unknown := s.post(t, s.token, "/v1/verify", `{"user": "nobody", "code": "000000"}`)
	if wst != ust || wrong != unknown {
		t.Errorf("wrong code %d %s, unknown user %d %s: they differ", wst, wrong, ust, unknown)
	}
	entries := s.auditActors(t)
	if !strings.Contains(entries, "http client web01 127.0.0.1:") {
		t.Errorf("audit actors do not name the API client: %s", entries)
	}
	if st, _, body := s.post(t, s.token, "/v1/users/alice/status", ""); st != 200 || body != `{"user":"alice","exists":true,"enabled":true}`+"\n" {
		t.Errorf("status: %d %s", st, body)
	}
	if st, _, body := s.post(t, s.token, "/healthz", ""); st != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", st, body)
	}
}

func TestHTTPWithoutAValidTokenLearnsNothing(t *testing.T) {
	s := serveTCP(t, verifier.Limit{})
	for _, token := range []string{"", "tfa_forged", s.token + "x"} {
		for _, path := range []string{"/v1/verify", "/v1/users/alice/status", "/healthz", "/metrics", "/nope"} {
			body := ""
			if path == "/v1/verify" {
				body = `{"user": "alice", "code": "000000"}`
			}
			if st, _, b := s.post(t, token, path, body); st != 401 || b != "" {
				t.Errorf("token %q %s: %d %q, want a bare 401", token, path, st, b)
			}
		}
	}
	if err := s.Svc.RemoveAPIClient(context.Background(), "web01"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := s.post(t, s.token, "/healthz", ""); st != 401 {
		t.Errorf("revoked token: %d, want 401", st)
	}
}

func TestHTTPLimitsBodiesAndRates(t *testing.T) {
	s := serveTCP(t, verifier.Limit{Rate: 1, Burst: 3})
	big := `{"user": "alice", "code": "` + strings.Repeat("1", verifier.MaxBody) + `"}`
	if st, _, body := s.post(t, s.token, "/v1/verify", big); st != 413 {
		t.Errorf("a body over %d bytes: %d %s", verifier.MaxBody, st, body)
	}
	var st int
	var retry string
	for range 5 {
		if st, retry, _ = s.post(t, s.token, "/healthz", ""); st == 429 {
			break
		}
	}
	if st != 429 || retry == "" {
		t.Errorf("over the rate: %d, Retry-After %q", st, retry)
	}
	// The socket's caller has a bucket of its own.
	if _, err := s.client.Verify(context.Background(), "alice", "000000"); err != nil {
		t.Errorf("the socket caller was limited by the API client's rate: %v", err)
	}
	_, _, metrics := s.postUnlimited(t)
	for _, want := range []string{`two_factor_verifications_total{outcome="rejected"} 1`, "two_factor_rate_limited_total 1",
		"two_factor_verify_duration_seconds_count 1", "two_factor_store_errors_total 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
}

// postUnlimited reads /metrics over the socket, whose caller's bucket
// the test has not emptied.
func (s *tcpEnv) postUnlimited(t *testing.T) (int, string, string) {
	t.Helper()
	c := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", s.socket)
	}}}
	resp, err := c.Get("http://verifier/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, "", string(b)
}

// TestCurlAsksTheAPI is what README shows an administrator: curl with a
// bearer token, and curl on the socket.
func TestCurlAsksTheAPI(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		skipOrFail(t, "curl is not installed")
	}
	s := serveTCP(t, verifier.Limit{})
	s.Clock.Advance(30 * time.Second)
	out, err := exec.Command("curl", "-sS", "-H", "Authorization: Bearer "+s.token, "--data",
		`{"user": "alice", "code": "`+codeNow(t, s.socketEnv)+`"}`, s.base+"/v1/verify").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(`"ok":true`)) {
		t.Errorf("curl over TCP: %v %s", err, out)
	}
	out, err = exec.Command("curl", "-sS", "--unix-socket", s.socket, "http://verifier/v1/users/nobody/status").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(`"exists":false`)) {
		t.Errorf("curl on the socket: %v %s", err, out)
	}
}

// TestStoreErrorIsLoggedForTheAdministrator: a store that fails answers the
// caller 503 without the cause, and tells the administrator the cause, once
// a minute however many requests fail.
func TestStoreErrorIsLoggedForTheAdministrator(t *testing.T) {
	s := serveSocket(t)
	var mu sync.Mutex
	var lines []string
	s.srv.SetLog(func(format string, args ...any) {
		mu.Lock()
		lines = append(lines, fmt.Sprintf(format, args...))
		mu.Unlock()
	})
	s.Store.Close()
	for range 3 {
		_, err := s.client.Verify(context.Background(), "alice", "123456")
		if !isUnavailable(err) || strings.Contains(err.Error(), "closed") {
			t.Fatalf("a failing store: %v, want unavailable without the cause", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 || !strings.Contains(lines[0], "closed") {
		t.Errorf("log %q, want the cause once", lines)
	}
}

// TestHTTPLimitsRequestsWithoutAValidToken: bad or missing tokens share
// one bucket, taken before the store is asked, so guessing tokens cannot
// cost a store lookup per request; a good token gives its token back.
func TestHTTPLimitsRequestsWithoutAValidToken(t *testing.T) {
	s := serveTCP(t, verifier.Limit{Rate: 0.01, Burst: 3})
	for i := range 3 {
		if st, _, body := s.post(t, s.token, "/healthz", ""); st != 200 {
			t.Fatalf("good token %d: %d %s", i, st, body)
		}
	}
	for i, token := range []string{"tf_wrong", "", "tf_wrong"} {
		if st, _, _ := s.post(t, token, "/healthz", ""); st != 401 {
			t.Fatalf("bad token %d within the burst: %d, want 401 (good tokens drained the bucket?)", i, st)
		}
	}
	st, retry, body := s.post(t, "tf_wrong", "/healthz", "")
	if st != 429 || retry == "" || body != "" {
		t.Errorf("bad token over the limit: %d, Retry-After %q, body %q; want 429, a Retry-After, no body", st, retry, body)
	}
}
