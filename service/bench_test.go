package service

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/seedfile"
)

const benchTokens = 10_000

func benchSeed(i int) []byte { return []byte(fmt.Sprintf("bench-seed-%09d", i)) } // 20 bytes

// benchFiles builds one 10,000-token file per format.
func benchFiles(b *testing.B) map[string][]byte {
	b.Helper()
	var azure, oath, uris strings.Builder
	azure.WriteString("upn,serial number,secret key,time interval,manufacturer,model\n")
	toks := make([]seedfile.Token, benchTokens)
	for i := range benchTokens {
		s := benchSeed(i)
		fmt.Fprintf(&azure, ",TK%07d,%s,30,Token2,C202\n", i, otpcore.EncodeBase32(s))
		fmt.Fprintf(&oath, "TK%07d, %x, totp, 6, 30\n", i, s)
		fmt.Fprintf(&uris, "otpauth://totp/ACME:user%07d?secret=%s&issuer=ACME\n", i, otpcore.EncodeBase32(s))
		toks[i] = seedfile.Token{Serial: fmt.Sprintf("TK%07d", i), Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1,
			Digits: 6, Secret: s, Period: 30, Manufacturer: "Token2", Model: "C202"}
	}
	var plain, enc, csv bytes.Buffer
	if err := seedfile.WritePSKC(&plain, toks, seedfile.PSKCWriteOptions{Plaintext: true}); err != nil {
		b.Fatal(err)
	}
	if err := seedfile.WritePSKC(&enc, toks, seedfile.PSKCWriteOptions{Password: "benchmark password"}); err != nil {
		b.Fatal(err)
	}
	if err := seedfile.WriteCSV(&csv, toks); err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{
		"azure": []byte(azure.String()), "oathcsv": []byte(oath.String()), "otpauth": []byte(uris.String()),
		"pskc-plain": plain.Bytes(), "pskc-password": enc.Bytes(), "csv": csv.Bytes(),
	}
}

// BenchmarkImport10k imports 10,000 tokens from each format into a fresh
// store: parse, build devices, encrypt every seed, insert and audit, in
// one transaction. The otpauth list creates 10,000 users as well.
func BenchmarkImport10k(b *testing.B) {
	files := benchFiles(b)
	for _, name := range []string{"azure", "oathcsv", "csv", "pskc-plain", "pskc-password", "otpauth"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				st, err := db.Open(ctx, filepath.Join(dir, "s.db"), db.Options{KeyFile: filepath.Join(dir, "k"), Create: true})
				if err != nil {
					b.Fatal(err)
				}
				s := &Service{store: st, Actor: "bench", Now: time.Now}
				b.StartTimer()
				res, err := s.Import(ctx, bytes.NewReader(files[name]), ImportOptions{
					Parse:         seedfile.Options{Password: "benchmark password"},
					ImportOptions: db.ImportOptions{Assign: true, CreateUsers: true},
				})
				b.StopTimer()
				if err != nil || len(res) != benchTokens {
					b.Fatalf("import: %v (%d results)", err, len(res))
				}
				st.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkIdentify10k finds one token among 10,000 unassigned ones from
// two consecutive codes (decrypting every seed and searching ±10 steps
// around each token's drift).
func BenchmarkIdentify10k(b *testing.B) {
	files := benchFiles(b)
	dir := b.TempDir()
	st, err := db.Open(ctx, filepath.Join(dir, "s.db"), db.Options{KeyFile: filepath.Join(dir, "k"), Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Unix(1_800_000_000, 0)
	s := &Service{store: st, Actor: "bench", Now: func() time.Time { return now }}
	if _, err := s.Import(ctx, bytes.NewReader(files["azure"]), ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	const target = 7777
	c1, _ := otpcore.HOTP(otpcore.SHA1, benchSeed(target), uint64(now.Unix()/30+2), 6)
	c2, _ := otpcore.HOTP(otpcore.SHA1, benchSeed(target), uint64(now.Unix()/30+3), 6)
	for b.Loop() {
		found, err := s.Identify(ctx, []string{c1, c2}, false)
		if err != nil || len(found) != 1 || found[0].Token.Serial != fmt.Sprintf("TK%07d", target) {
			b.Fatalf("identify: %v %+v", err, found)
		}
	}
}

// BenchmarkImportLockHold10k measures how long a 10,000-token import holds
// the store's write lock (BEGIN IMMEDIATE to COMMIT), which is how long a
// concurrent verification has to wait. The store already has its master
// key, as any store in service does. Reported as lock-ms/op.
func BenchmarkImportLockHold10k(b *testing.B) {
	files := benchFiles(b)
	var held time.Duration
	for b.Loop() {
		b.StopTimer()
		st, s := benchKeyedStore(b, func(d time.Duration) { held = max(held, d) })
		held = 0
		b.StartTimer()
		res, err := s.Import(ctx, bytes.NewReader(files["azure"]), ImportOptions{})
		b.StopTimer()
		if err != nil || len(res) != benchTokens {
			b.Fatalf("import: %v (%d results)", err, len(res))
		}
		b.ReportMetric(float64(held)/float64(time.Millisecond), "lock-ms/op")
		st.Close()
		b.StartTimer()
	}
}

// benchKeyedStore opens a fresh store whose master key exists (one token
// imported), reporting every write's lock hold time to onWrite.
func benchKeyedStore(b testing.TB, onWrite func(time.Duration)) (*db.SQLite, *Service) {
	b.Helper()
	dir := b.TempDir()
	st, err := db.Open(ctx, filepath.Join(dir, "s.db"), db.Options{KeyFile: filepath.Join(dir, "k"), Create: true, OnWrite: onWrite})
	if err != nil {
		b.Fatal(err)
	}
	s := &Service{store: st, Actor: "bench", Now: time.Now}
	first := fmt.Sprintf(",KEYED0001,%s,30,Token2,C202\n", otpcore.EncodeBase32(benchSeed(-1)))
	if _, err := s.Import(ctx, strings.NewReader("upn,serial number,secret key,time interval,manufacturer,model\n"+first), ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	return st, s
}
