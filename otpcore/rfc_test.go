package otpcore_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// The published test vectors of RFC 4226 and RFC 6238 are the primary
// independent reference for generation: every value below is copied from
// the RFC text, never produced by this package.

// rfc4226Key is the secret of RFC 4226 Appendix D (ASCII "1234...890").
var rfc4226Key = []byte("12345678901234567890")

// rfc4226Vectors is RFC 4226 Appendix D: the full HMAC-SHA-1 value, the
// dynamically truncated 31-bit value in hex and decimal, and the six-digit
// HOTP value for counters 0..9.
var rfc4226Vectors = []struct {
	counter  uint64
	hmacHex  string
	truncHex string
	truncDec uint32
	hotp     string
}{
	{0, "cc93cf18508d94934c64b65d8ba7667fb7cde4b0", "4c93cf18", 1284755224, "755224"},
	{1, "75a48a19d4cbe100644e8ac1397eea747a2d33ab", "41397eea", 1094287082, "287082"},
	{2, "0bacb7fa082fef30782211938bc1c5e70416ff44", "82fef30", 137359152, "359152"},
	{3, "66c28227d03a2d5529262ff016a1e6ef76557ece", "66ef7655", 1726969429, "969429"},
	{4, "a904c900a64b35909874b33e61c5938a8e15ed1c", "61c5938a", 1640338314, "338314"},
	{5, "a37e783d7b7233c083d4f62926c7a25f238d0316", "33c083d4", 868254676, "254676"},
	{6, "bc9cd28561042c83f219324d3c607256c03272ae", "7256c032", 1918287922, "287922"},
	{7, "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa", "4e5b397", 82162583, "162583"},
	{8, "1b3c89f65e6c9e883012052823443f048b4332db", "2823443f", 673399871, "399871"},
	{9, "1637409809a679dc698207310c8c7fc07290d9e5", "2679dc69", 645520489, "520489"},
}

func mustGen(tb testing.TB, alg otpcore.Algorithm, key []byte, digits int) *otpcore.Generator {
	tb.Helper()
	g, err := otpcore.NewGenerator(alg, key, digits)
	if err != nil {
		tb.Fatalf("NewGenerator(%v, %d-byte key, %d): %v", alg, len(key), digits, err)
	}
	return g
}

func mustCode(tb testing.TB, s string, digits int) otpcore.Code {
	tb.Helper()
	c, err := otpcore.ParseCode(s, digits)
	if err != nil {
		tb.Fatalf("ParseCode(%q, %d): %v", s, digits, err)
	}
	return c
}

func TestRFC4226AppendixD(t *testing.T) {
	gens := map[int]*otpcore.Generator{}
	for d := otpcore.MinDigits; d <= otpcore.MaxDigits; d++ {
		gens[d] = mustGen(t, otpcore.SHA1, rfc4226Key, d)
	}
	for _, v := range rfc4226Vectors {
		t.Run(strconv.FormatUint(v.counter, 10), func(t *testing.T) {
			// Guard against a typo in the table itself: the truncation
			// columns must follow from the HMAC column (RFC 4226 §5.3).
			mac, err := hex.DecodeString(v.hmacHex)
			if err != nil || len(mac) != 20 {
				t.Fatalf("bad HMAC column %q", v.hmacHex)
			}
			off := mac[19] & 0x0f
			bin := binary.BigEndian.Uint32(mac[off:]) & 0x7fffffff
			if bin != v.truncDec || fmt.Sprintf("%x", bin) != v.truncHex || fmt.Sprintf("%06d", bin%1e6) != v.hotp {
				t.Fatalf("table row is inconsistent: %x/%d/%s", bin, bin, v.hotp)
			}

			if got := gens[6].Code(v.counter); got != v.hotp {
				t.Errorf("Code(%d) = %q, want %q", v.counter, got, v.hotp)
			}
			// Seven and eight digits keep more of the same truncated
			// value: DT mod 10^digits.
			for d, mod := range map[int]uint32{6: 1e6, 7: 1e7, 8: 1e8} {
				g := gens[d]
				if got, want := g.Value(v.counter), v.truncDec%mod; got != want {
					t.Errorf("digits %d: Value(%d) = %d, want %d", d, v.counter, got, want)
				}
				want := fmt.Sprintf("%0*d", d, v.truncDec%mod)
				if got := g.Code(v.counter); got != want {
					t.Errorf("digits %d: Code(%d) = %q, want %q", d, v.counter, got, want)
				}
				// AppendCode appends after what is already there.
				if got := string(g.AppendCode([]byte("otp:"), v.counter)); got != "otp:"+want {
					t.Errorf("digits %d: AppendCode = %q, want %q", d, got, "otp:"+want)
				}
			}
			if got, err := otpcore.HOTP(otpcore.SHA1, rfc4226Key, v.counter, 6); err != nil || got != v.hotp {
				t.Errorf("HOTP(...,%d,6) = %q, %v; want %q", v.counter, got, err, v.hotp)
			}
		})
	}
}

// RFC 6238 Appendix B: the seeds are ASCII digits repeated to the hash's
// output length (20, 32 and 64 bytes), 30-second steps from T0 = 0, eight
// digits.
var rfc6238Keys = map[otpcore.Algorithm][]byte{
	otpcore.SHA1:   []byte("12345678901234567890"),
	otpcore.SHA256: []byte("12345678901234567890123456789012"),
	otpcore.SHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
}

var rfc6238Vectors = []struct {
	unix    int64
	stepHex string // the "Value of T (hex)" column
	alg     otpcore.Algorithm
	totp    string
}{
	{59, "0000000000000001", otpcore.SHA1, "94287082"},
	{59, "0000000000000001", otpcore.SHA256, "46119246"},
	{59, "0000000000000001", otpcore.SHA512, "90693936"},
	{1111111109, "00000000023523EC", otpcore.SHA1, "07081804"},
	{1111111109, "00000000023523EC", otpcore.SHA256, "68084774"},
	{1111111109, "00000000023523EC", otpcore.SHA512, "25091201"},
	{1111111111, "00000000023523ED", otpcore.SHA1, "14050471"},
	{1111111111, "00000000023523ED", otpcore.SHA256, "67062674"},
	{1111111111, "00000000023523ED", otpcore.SHA512, "99943326"},
	{1234567890, "000000000273EF07", otpcore.SHA1, "89005924"},
	{1234567890, "000000000273EF07", otpcore.SHA256, "91819424"},
	{1234567890, "000000000273EF07", otpcore.SHA512, "93441116"},
	{2000000000, "0000000003F940AA", otpcore.SHA1, "69279037"},
	{2000000000, "0000000003F940AA", otpcore.SHA256, "90698825"},
	{2000000000, "0000000003F940AA", otpcore.SHA512, "38618901"},
	{20000000000, "0000000027BC86AA", otpcore.SHA1, "65353130"},
	{20000000000, "0000000027BC86AA", otpcore.SHA256, "77737706"},
	{20000000000, "0000000027BC86AA", otpcore.SHA512, "47863826"},
}

func TestRFC6238AppendixB(t *testing.T) {
	if len(rfc6238Vectors) != 18 {
		t.Fatalf("RFC 6238 Appendix B has 18 rows, table has %d", len(rfc6238Vectors))
	}
	for _, v := range rfc6238Vectors {
		t.Run(fmt.Sprintf("%d/%v", v.unix, v.alg), func(t *testing.T) {
			key := rfc6238Keys[v.alg]
			wantStep, err := strconv.ParseInt(v.stepHex, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			if got := otpcore.DefaultTOTP.StepAt(v.unix); got != wantStep {
				t.Fatalf("StepAt(%d) = %d, want %d (0x%s)", v.unix, got, wantStep, v.stepHex)
			}
			g8 := mustGen(t, v.alg, key, 8)
			if got := g8.Code(uint64(wantStep)); got != v.totp {
				t.Errorf("Code(step %d) = %q, want %q", wantStep, got, v.totp)
			}
			m, ok := g8.VerifyTOTP(mustCode(t, v.totp, 8), otpcore.DefaultTOTP, v.unix, otpcore.Window{Floor: otpcore.NoFloor})
			if !ok || m != (otpcore.Match{Step: wantStep}) {
				t.Errorf("VerifyTOTP(tolerance 0) = %+v, %v; want step %d offset 0", m, ok, wantStep)
			}
			// Six digits are the low six of the same value.
			g6 := mustGen(t, v.alg, key, 6)
			if got := g6.Code(uint64(wantStep)); got != v.totp[2:] {
				t.Errorf("6-digit Code(step %d) = %q, want %q", wantStep, got, v.totp[2:])
			}
			// The one-off helper agrees.
			if got, err := otpcore.HOTP(v.alg, key, uint64(wantStep), 8); err != nil || got != v.totp {
				t.Errorf("HOTP = %q, %v; want %q", got, err, v.totp)
			}
		})
	}
}

// The two SHA-1 rows at 1111111109 and 1111111111 are consecutive steps, so
// the RFC itself supplies a two-code sequence for resync.
func TestRFC6238ConsecutiveRowsResync(t *testing.T) {
	g := mustGen(t, otpcore.SHA1, rfc6238Keys[otpcore.SHA1], 8)
	codes := []otpcore.Code{mustCode(t, "07081804", 8), mustCode(t, "14050471", 8)}
	// Our clock reads 1111111109 + 500 steps: the token is 500 steps behind.
	unix := int64(1111111109 + 500*30)
	m, err := g.ResyncTOTP(codes, otpcore.DefaultTOTP, unix, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if want := (otpcore.Match{Step: 0x23523ED, Offset: -500, Drift: -500}); m != want {
		t.Errorf("ResyncTOTP = %+v, want %+v", m, want)
	}
}

func TestNewGeneratorRejects(t *testing.T) {
	key := rfc4226Key
	cases := []struct {
		name   string
		alg    otpcore.Algorithm
		key    []byte
		digits int
		want   string
	}{
		{"zero algorithm", 0, key, 6, "algorithm"},
		{"algorithm 4", 4, key, 6, "algorithm"},
		{"nil key", otpcore.SHA1, nil, 6, "empty"},
		{"empty key", otpcore.SHA1, []byte{}, 6, "empty"},
		{"key too long", otpcore.SHA1, make([]byte, otpcore.MaxKeyLen+1), 6, "129 bytes"},
		{"5 digits", otpcore.SHA1, key, 5, "digits"},
		{"9 digits", otpcore.SHA1, key, 9, "digits"},
		{"0 digits", otpcore.SHA1, key, 0, "digits"},
		{"negative digits", otpcore.SHA1, key, -6, "digits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := otpcore.NewGenerator(c.alg, c.key, c.digits)
			if err == nil || g != nil {
				t.Fatalf("NewGenerator = %v, %v; want an error", g, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if _, err := otpcore.HOTP(c.alg, c.key, 0, c.digits); err == nil {
				t.Error("HOTP accepted what NewGenerator refused")
			}
		})
	}
	// The bounds themselves are accepted.
	for _, k := range [][]byte{{0}, make([]byte, otpcore.MaxKeyLen)} {
		if _, err := otpcore.NewGenerator(otpcore.SHA512, k, 8); err != nil {
			t.Errorf("%d-byte key refused: %v", len(k), err)
		}
	}
}
