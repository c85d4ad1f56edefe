package verifier_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
	"github.com/two-factor/two-factor/verifier"
)

// BenchmarkHTTPVerifyAccepted posts right codes to POST /v1/verify over
// loopback TCP with a bearer token, from parallel clients, through the
// real SQLite store: every request is an accepted code (a write: replay
// floor, drift sample, audit row). Each user verifies once, so run it
// with -benchtime=Nx, N at most benchUsers. group-commit is the store as
// `two-factor serve` opens it; one-transaction-each is the CLI's. It
// reports the median and 99th percentile of the requests' latencies.
func BenchmarkHTTPVerifyAccepted(b *testing.B) {
	b.Run("group-commit", func(b *testing.B) { benchHTTPVerify(b, servicetest.NewVerifierEnv) })
	b.Run("one-transaction-each", func(b *testing.B) { benchHTTPVerify(b, servicetest.NewEnv) })
}

func benchHTTPVerify(b *testing.B, newEnv func(testing.TB) *servicetest.Env) {
	const benchUsers = 4000
	if b.N > benchUsers {
		b.Skipf("run with -benchtime=%dx or fewer: each user's code is accepted once", benchUsers)
	}
	e := newEnv(b)
	var users []*devices.Device
	for i := range b.N {
		name := fmt.Sprintf("u%05d", i)
		e.AddUser(b, name)
		users = append(users, e.Enroll(b, name, service.EnrollOptions{}))
	}
	e.Clock.Advance(30 * time.Second)
	token, err := e.Svc.AddAPIClient(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	unixL, err := verifier.ListenUnix(shortDirB(b)+"/v.sock", -1)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go verifier.New(e.Svc, verifier.Limit{}).Run(ctx, unixL, l)
	url := "http://" + l.Addr().String() + "/v1/verify"
	bodies := make([]string, b.N)
	for i, d := range users {
		bodies[i] = fmt.Sprintf(`{"user": "u%05d", "code": "%s"}`, i, servicetest.Code(b, d, e.Clock.Now(), 0))
	}
	var next, accepted atomic.Int64
	latencies := make([]time.Duration, b.N)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			req, _ := http.NewRequest("POST", url, strings.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer "+token)
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			latencies[i] = time.Since(start)
			if strings.Contains(string(body), `"ok":true`) {
				accepted.Add(1)
			}
		}
	})
	b.StopTimer()
	if int(accepted.Load()) != b.N {
		b.Errorf("%d of %d right codes accepted", accepted.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	slices.Sort(latencies)
	b.ReportMetric(percentile(latencies, 50).Seconds()*1000, "p50-ms")
	b.ReportMetric(percentile(latencies, 99).Seconds()*1000, "p99-ms")
}

// percentile is the p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (len(sorted)*p + 99) / 100
	return sorted[max(rank, 1)-1]
}
