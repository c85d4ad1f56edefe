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
// compare builds on the same fixture.
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
	verify := func(u *hotpUser) {
		code, err := otpcore.HOTP(u.dev.Algorithm, u.dev.Secret, u.next, u.dev.Digits)
		if err != nil {
			b.Fatal(err)
		}
		u.next++
		out, err := exec.Command(bin, "--db", store, "--key-file", key, "verify", u.name, code).CombinedOutput()
		if err != nil {
			b.Fatalf("verify %s: %v: %s", u.name, err, out)
		}
	}
	verify(users[0]) // warm the page cache once, as on a server in use
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			verify(users[0])
		}
	})
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

type hotpUser struct {
	name string
	dev  *devices.Device
	next uint64
}
