package seedfile

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// RFC 4226 / RFC 6238 test seeds.
var (
	seed20 = []byte("12345678901234567890")
	seed32 = []byte("12345678901234567890123456789012")
	seed64 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

// withoutOrigin returns a copy of toks with Origin cleared, for comparing
// what was read with what was written.
func withoutOrigin(toks []Token) []Token {
	out := make([]Token, len(toks))
	for i, t := range toks {
		t.Origin = ""
		out[i] = t
	}
	return out
}

func mustParse(t *testing.T, data string, opt Options) []Token {
	t.Helper()
	toks, err := ParseBytes([]byte(data), opt)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return toks
}

// parseErr parses data, insists on an error and returns its message.
func parseErr(t *testing.T, data string, opt Options) error {
	t.Helper()
	toks, err := ParseBytes([]byte(data), opt)
	if err == nil {
		t.Fatalf("parse succeeded with %d tokens, want an error", len(toks))
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *seedfile.Error", err, err)
	}
	return err
}

func sameTokens(t *testing.T, got, want []Token) {
	t.Helper()
	got, want = withoutOrigin(got), withoutOrigin(want)
	if !reflect.DeepEqual(got, want) {
		if len(got) != len(want) {
			t.Fatalf("got %d tokens, want %d", len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("token %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
			}
		}
	}
}

// randomTokens makes n valid tokens that exercise every field: both
// kinds, all hashes and digit counts, awkward text (XML and CSV
// metacharacters, non-ASCII), extreme integers.
func randomTokens(n int, seed uint64) []Token {
	r := rand.New(rand.NewPCG(seed, 7))
	texts := []string{"", "Token2", "C202", "a,b", `say "hi"`, "<&>'\"", "Zürich ☃", "user@example.com", "x y", "#hash", "=1+1", "-5", "'x", "@A1", "+1"}
	pick := func() string { return texts[r.IntN(len(texts))] }
	algs := []otpcore.Algorithm{otpcore.SHA1, otpcore.SHA256, otpcore.SHA512}
	toks := make([]Token, n)
	for i := range toks {
		secret := make([]byte, 1+r.IntN(64))
		for j := range secret {
			secret[j] = byte(r.Uint32())
		}
		t := Token{
			Serial:       fmt.Sprintf("SN%07d", i),
			Algorithm:    algs[r.IntN(len(algs))],
			Digits:       6 + r.IntN(3),
			Secret:       secret,
			Manufacturer: pick(),
			Model:        pick(),
			User:         pick(),
			Issuer:       pick(),
		}
		if r.IntN(2) == 0 {
			t.Kind = otpcore.KindTOTP
			t.Period = []int64{30, 60, 1, 1 << 40}[r.IntN(4)]
			t.T0 = []int64{0, 0, 1_000_000, 1_700_000_000}[r.IntN(4)]
			t.Drift = []int64{0, 0, 1, -3, -otpcore.MaxDrift, otpcore.MaxDrift}[r.IntN(6)]
		} else {
			t.Kind = otpcore.KindHOTP
			t.Counter = []uint64{0, 1, 42, otpcore.MaxCounter}[r.IntN(4)]
		}
		toks[i] = t
	}
	return toks
}

// rfcTokens is a small fixed set used across formats.
func rfcTokens() []Token {
	return []Token{
		{Serial: "T1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 8, Secret: seed20, Period: 30},
		{Serial: "T2", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256, Digits: 6, Secret: seed32, Period: 60, T0: 100, Drift: -2,
			Manufacturer: "Token2", Model: "C202", User: "helga@contoso.com", Issuer: "Contoso"},
		{Serial: "H1", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA512, Digits: 7, Secret: seed64, Counter: 99},
	}
}

func writeCSVString(t *testing.T, toks []Token) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCSV(&b, toks); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	return b.String()
}

func writePSKCString(t testing.TB, toks []Token, opt PSKCWriteOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := WritePSKC(&b, toks, opt); err != nil {
		t.Fatalf("WritePSKC: %v", err)
	}
	return b.String()
}

func contains(t *testing.T, err error, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
