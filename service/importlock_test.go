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
// many verifications ran, how many of them overlapped the import's write
// lock (asked before it was released, answered after it was taken), and
// how many failed with an error (a wrong or replayed code is an outcome,
// not an error).
func verifyDuringImport(t testing.TB, dir string) (r importRun) {
	t.Helper()
	path, key := filepath.Join(dir, "store.db"), filepath.Join(dir, "master.key")
	var lockFrom, lockTo time.Time
	importer, err := db.Open(ctx, path, db.Options{KeyFile: key, OnWrite: func(held time.Duration) {
		if held > lockTo.Sub(lockFrom) { // the import's own write is its longest
			lockTo = time.Now()
			lockFrom = lockTo.Add(-held)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	file := importFile("BIG", 20_000)
	type call struct{ began, ended time.Time }
	var (
		done  atomic.Bool
		mu    sync.Mutex
		calls []call
		wg    sync.WaitGroup
		ready sync.WaitGroup
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
				r.errs = append(r.errs, err)
				mu.Unlock()
				return
			}
			defer st.Close()
			s := &Service{store: st, Actor: "login", Now: time.Now}
			<-start
			for first := true; first || !done.Load(); first = false {
				// Logins arrive spread out, not all at once.
				time.Sleep(time.Duration(rand.Int64N(int64(20 * time.Millisecond))))
				code, _ := otpcore.HOTP(otpcore.SHA1, verifierSeed(i), uint64(time.Now().Unix()/30), 6)
				c := call{began: time.Now()}
				_, err := s.Verify(ctx, fmt.Sprintf("v%d", i), "", code)
				c.ended = time.Now()
				mu.Lock()
				calls = append(calls, c)
				if err != nil {
					r.errs = append(r.errs, err)
				}
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
	r.held = lockTo.Sub(lockFrom)
	for _, c := range calls {
		r.runs++
		if c.began.Before(lockTo) && c.ended.After(lockFrom) {
			r.duringLock++
		}
		r.slowest = max(r.slowest, c.ended.Sub(c.began))
	}
	r.failed = int64(len(r.errs))
	return r
}

// importRun is what verifyDuringImport saw.
type importRun struct {
	runs, duringLock, failed int64
	held, slowest            time.Duration
	errs                     []error
}

// A big import must not lock logins out: every verification that runs
// while 20,000 tokens are imported gets an answer, none "store is locked".
func TestVerifyDuringBigImportNeverFails(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 20,000 tokens")
	}
	dir := t.TempDir()
	storeWithVerifiers(t, dir, verifiers)
	r := verifyDuringImport(t, dir)
	t.Logf("%d verifications, %d of them while the import held the write lock (%v); %d failed",
		r.runs, r.duringLock, r.held, r.failed)
	if r.duringLock < verifiers/2 {
		t.Fatalf("only %d verifications overlapped the import's write lock: the test proves too little", r.duringLock)
	}
	if r.failed != 0 {
		t.Fatalf("%d of %d verifications failed during the import; first: %v", r.failed, r.runs, r.errs[0])
	}
}

// BenchmarkVerifyDuring20kImport runs the verifiers (again and again, each
// through its own handle) while 20,000 tokens are imported, and reports how
// many ran, how many overlapped the import's write lock, how many failed,
// the slowest verification and how long the import held the lock.
func BenchmarkVerifyDuring20kImport(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		storeWithVerifiers(b, dir, verifiers)
		b.StartTimer()
		r := verifyDuringImport(b, dir)
		b.StopTimer()
		b.ReportMetric(float64(r.failed), "failed-verifies/op")
		b.ReportMetric(float64(r.runs), "verifies/op")
		b.ReportMetric(float64(r.duringLock), "verifies-during-lock/op")
		b.ReportMetric(float64(r.held)/float64(time.Millisecond), "lock-ms/op")
		b.ReportMetric(float64(r.slowest)/float64(time.Millisecond), "slowest-verify-ms/op")
		b.StartTimer()
	}
}
