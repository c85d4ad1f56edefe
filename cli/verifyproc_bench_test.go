package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/service/servicetest"
)

// BenchmarkVerifyProcess times `two-factor verify USER CODE` as a whole
// process (exec, open the store and the key, check, write the new counter
// and the audit row, exit) on a store of 10,000 users, each code a new,
// valid one (HOTP, so every run is an accepted login that writes).
// "sequential" is one process after another (ns/op is one verification);
// "4-at-once" runs four processes at a time for four users and reports
// verifications per second.
//
//	go test ./cli/ -run '^$' -bench VerifyProcess -benchtime 200x -count 3
//
// TWO_FACTOR_BENCH_BIN=/path/to/two-factor times that binary instead, to
// compare builds on the same fixture; TWO_FACTOR_BENCH_BASELINE=/path adds
// "vs-baseline", that binary and this build interleaved in one loop.
func BenchmarkVerifyProcess(b *testing.B) {
	dir := b.TempDir()
	bin := buildBinary(b, dir)
	if other := os.Getenv("TWO_FACTOR_BENCH_BIN"); other != "" {
		bin = other // time another build (an older commit) on the same fixture
	}
	store, err := servicetest.BuildBigStore(dir, servicetest.BigStoreSpec{Users: 10_000, Devices: 15_000})
	if err != nil {
		b.Fatal(err)
	}
	env := servicetest.OpenEnv(b, store)
	const workers = 4
	users := make([]*hotpUser, workers)
	for i := range users {
		name := fmt.Sprintf("login%d", i)
		env.AddUser(b, name)
		d := env.Enroll(b, name, service.EnrollOptions{Kind: devices.HOTP})
		stored, err := env.Store.Devices(context.Background(), name)
		if err != nil || len(stored) != 1 {
			b.Fatalf("%s's devices: %v", name, err)
		}
		users[i] = &hotpUser{name: name, dev: d, next: stored[0].Counter}
	}
	env.Store.Close() // the processes are the store's only users from here
	key := filepath.Join(dir, "master.key")
	// run verifies u's next code with binary and returns the process's CPU
	// time (user and system), which machine load does not inflate as it
	// does wall time.
	run := func(binary string, u *hotpUser) time.Duration {
		code, err := otpcore.HOTP(u.dev.Algorithm, u.dev.Secret, u.next, u.dev.Digits)
		if err != nil {
			b.Fatal(err)
		}
		u.next++
		cmd := exec.Command(binary, "--db", store, "--key-file", key, "verify", u.name, code)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("verify %s: %v: %s", u.name, err, out)
		}
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	verify := func(u *hotpUser) { run(bin, u) }
	verify(users[0]) // warm the page cache once, as on a server in use
	b.Run("sequential", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			cpu += run(bin, users[0])
		}
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	})
	if base := os.Getenv("TWO_FACTOR_BENCH_BASELINE"); base != "" {
		b.Run("vs-baseline", func(b *testing.B) {
			interleave(b, base, bin, func(binary string) time.Duration { return run(binary, users[0]) })
		})
	}
	b.Run("4-at-once", func(b *testing.B) {
		start := time.Now()
		var wg sync.WaitGroup
		for _, u := range users {
			wg.Go(func() {
				for range b.N {
					verify(u)
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(workers*b.N)/time.Since(start).Seconds(), "verifications/s")
	})
}

// interleave runs the baseline binary and ours in alternating blocks of
// ten verifications, so both meet the same machine load, and reports each
// one's wall and CPU time per verification. Blocks rather than single runs:
// each build leaves the WAL as the next of its own kind expects it.
func interleave(b *testing.B, base, ours string, run func(string) time.Duration) {
	const block = 10
	var wall, cpu [2]time.Duration
	n := 0
	for b.Loop() {
		order := [2]int{0, 1} // whose block goes first alternates
		if n%2 == 1 {
			order = [2]int{1, 0}
		}
		for _, i := range order {
			binary := [2]string{base, ours}[i]
			start := time.Now()
			for range block {
				cpu[i] += run(binary)
			}
			wall[i] += time.Since(start)
		}
		n++
	}
	runs := float64(n * block)
	for i, name := range [2]string{"baseline", "ours"} {
		b.ReportMetric(float64(wall[i].Microseconds())/1000/runs, name+"-ms/verify")
		b.ReportMetric(float64(cpu[i].Microseconds())/1000/runs, name+"-cpu-ms/verify")
	}
}

type hotpUser struct {
	name string
	dev  *devices.Device
	next uint64
}
