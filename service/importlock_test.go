package service

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/otpcore"
)

// verifiers is how many logins run against the store while a big import
// does, each through its own store handle (as separate processes would).
const verifiers = 300

// spread is the window over which the verifiers' logins arrive: about as
// long as the 20,000-token import takes on a small machine.
const spread = 2 * time.Second

func verifierSeed(i int) []byte { return []byte(fmt.Sprintf("verifier-seed-%06d", i)) } // 20 bytes

// importFile is an n-token Microsoft CSV with serials prefix0000000...
func importFile(prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString("upn,serial number,secret key,time interval,manufacturer,model\n")
	for i := range n {
		fmt.Fprintf(&b, ",%s%07d,%s,30,Token2,C202\n", prefix, i, otpcore.EncodeBase32(benchSeed(i)))
	}
	return []byte(b.String())
}

// storeWithVerifiers makes a store whose users v0..v(n-1) each have an
// authenticator app with a known seed.
func storeWithVerifiers(t testing.TB, dir string, n int) {
	t.Helper()
	st, err := db.Open(ctx, filepath.Join(dir, "store.db"), db.Options{KeyFile: filepath.Join(dir, "master.key"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var uris strings.Builder
	for i := range n {
		fmt.Fprintf(&uris, "otpauth://totp/ACME:v%d?secret=%s&issuer=ACME\n", i, otpcore.EncodeBase32(verifierSeed(i)))
	}
	s := &Service{store: st, Actor: "tester", Now: time.Now}
	if _, err := s.Import(ctx, strings.NewReader(uris.String()), ImportOptions{ImportOptions: db.ImportOptions{Assign: true, CreateUsers: true}}); err != nil {
		t.Fatal(err)
	}
}

// verifyDuringImport imports a 20,000-token file through one handle while
// the verifiers log in again and again through handles of their own, with
// the store's default busy wait, until the import is done. It returns how
// many verifications ran and how many failed with an error (a wrong or
// replayed code is an outcome, not an error).
func verifyDuringImport(t testing.TB, dir string, onWrite func(time.Duration)) (runs, failed int64, slowest time.Duration, errs []error) {
	t.Helper()
	path, key := filepath.Join(dir, "store.db"), filepath.Join(dir, "master.key")
	importer, err := db.Open(ctx, path, db.Options{KeyFile: key, OnWrite: onWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	file := importFile("BIG", 20_000)
	var (
		done    atomic.Bool
		nRuns   atomic.Int64
		nFailed atomic.Int64
		nDuring atomic.Int64
		slowNs  atomic.Int64
		mu      sync.Mutex
		wg      sync.WaitGroup
		ready   sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range verifiers {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			st, err := db.Open(ctx, path, db.Options{KeyFile: key})
			ready.Done()
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			defer st.Close()
			s := &Service{store: st, Actor: "login", Now: time.Now}
			<-start
			// Logins arrive spread over the import, not all at once.
			time.Sleep(time.Duration(rand.Int64N(int64(spread))))
			code, _ := otpcore.HOTP(otpcore.SHA1, verifierSeed(i), uint64(time.Now().Unix()/30), 6)
			began := time.Now()
			_, err = s.Verify(ctx, fmt.Sprintf("v%d", i), "", code)
			took := int64(time.Since(began))
			for old := slowNs.Load(); took > old && !slowNs.CompareAndSwap(old, took); old = slowNs.Load() {
			}
			if !done.Load() {
				nDuring.Add(1)
			}
			nRuns.Add(1)
			if err != nil {
				nFailed.Add(1)
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	ready.Wait()
	s := &Service{store: importer, Actor: "importer", Now: time.Now}
	close(start)
	res, err := s.Import(ctx, bytes.NewReader(file), ImportOptions{})
	done.Store(true)
	wg.Wait()
	if err != nil || len(res) != 20_000 {
		t.Fatalf("import: %v (%d results)", err, len(res))
	}
	t.Logf("%d of %d verifications ended while the import ran", nDuring.Load(), nRuns.Load())
	return nRuns.Load(), nFailed.Load(), time.Duration(slowNs.Load()), errs
}

// A big import must not lock logins out: every verification that runs
// while 20,000 tokens are imported gets an answer, none "store is locked".
func TestVerifyDuringBigImportNeverFails(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 20,000 tokens")
	}
	dir := t.TempDir()
	storeWithVerifiers(t, dir, verifiers)
	runs, failed, _, errs := verifyDuringImport(t, dir, nil)
	t.Logf("%d verifications during the import, %d failed", runs, failed)
	if runs < verifiers {
		t.Fatalf("only %d verifications ran", runs)
	}
	if failed != 0 || len(errs) != 0 {
		t.Fatalf("%d of %d verifications failed during the import; first: %v", failed, runs, errs[0])
	}
}

// BenchmarkVerifyDuring20kImport runs the verifiers (each once, through its
// own handle) while 20,000 tokens are imported, and reports how many
// failed, how many ran, the slowest verification and how long the import
// held the write lock.
func BenchmarkVerifyDuring20kImport(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		storeWithVerifiers(b, dir, verifiers)
		var held time.Duration
		b.StartTimer()
		runs, failed, slowest, _ := verifyDuringImport(b, dir, func(d time.Duration) { held = max(held, d) })
		b.StopTimer()
		b.ReportMetric(float64(failed), "failed-verifies/op")
		b.ReportMetric(float64(runs), "verifies/op")
		b.ReportMetric(float64(held)/float64(time.Millisecond), "lock-ms/op")
		b.ReportMetric(float64(slowest)/float64(time.Millisecond), "slowest-verify-ms/op")
		b.StartTimer()
	}
}
