package radiusd

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// BenchmarkAccessRequests measures Access-Requests answered per second on
// loopback, every one a right code, so each verification writes (counter,
// replay floor, audit row) to the real SQLite store. Each client goroutine
// logs in as its own user with an HOTP device, as many NASes' users would;
// requests are built and checked by layeh.com/radius's client.
//
//	go test ./radiusd -run '^$' -bench AccessRequests -benchtime 5s
func BenchmarkAccessRequests(b *testing.B) {
	env := servicetest.NewEnv(b)
	cs, err := ParseClients([]byte("127.0.0.1 "+secret+"\n"), "clients")
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Config{Clients: cs, Verifier: ServiceVerifier{Svc: env.Svc}, Now: env.Clock.Now, Logf: b.Logf})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(pc) //nolint:errcheck // ends with Shutdown below
	defer srv.Shutdown(context.Background())

	const users = 64
	type login struct {
		name    string
		d       *devices.Device
		counter uint64
	}
	logins := make([]*login, users)
	for i := range logins {
		name := "user" + strconv.Itoa(i)
		env.AddUser(b, name)
		d := env.Enroll(b, name, service.EnrollOptions{Kind: devices.HOTP})
		// Confirming used the first counter; the look-ahead window takes
		// the next one whether or not d shows it used.
		logins[i] = &login{name: name, d: d, counter: d.Counter + 1}
	}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
	)
	client := &radius.Client{Retry: 0, MaxPacketErrors: 1}
	addr := pc.LocalAddr().String()
	b.SetParallelism(4) // 8 NAS-like clients on 2 cores
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		l := logins[next.Add(1)-1]
		var mine []time.Duration
		defer func() {
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			code, err := otpcore.HOTP(l.d.Algorithm, l.d.Secret, l.counter, l.d.Digits)
			if err != nil {
				b.Error(err)
				return
			}
			l.counter++
			req := signedAccessRequest(b, byte(l.counter), l.name, code)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			sent := time.Now()
			resp, err := client.Exchange(ctx, req, addr)
			mine = append(mine, time.Since(sent))
			cancel()
			if err != nil || resp.Code != radius.CodeAccessAccept {
				b.Errorf("%s: %v %v", l.name, resp, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "requests/s")
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		b.ReportMetric(float64(latencies[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[n*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(latencies[n-1].Microseconds())/1000, "max-ms")
	}
	if st := srv.Stats(); st.Accepted != uint64(b.N) && !b.Failed() {
		b.Errorf("stats %+v after %d requests", st, b.N)
	}
}
