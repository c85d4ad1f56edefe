package otpcore_test

import (
	"bytes"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// RFC 4648 section 10 test vectors.
var rfc4648Base32 = []struct{ plain, encoded string }{
	{"f", "MY======"},
	{"fo", "MZXQ===="},
	{"foo", "MZXW6==="},
	{"foob", "MZXW6YQ="},
	{"fooba", "MZXW6YTB"},
	{"foobar", "MZXW6YTBOI======"},
}

func TestDecodeBase32Accepts(t *testing.T) {
	for _, v := range rfc4648Base32 {
		unpadded := strings.TrimRight(v.encoded, "=")
		for _, in := range []string{
			v.encoded,
			unpadded,
			strings.ToLower(v.encoded),
			strings.ToLower(unpadded),
			" " + v.encoded + " ",
			"\t" + unpadded + "\t",
		} {
			got, err := otpcore.DecodeBase32(in)
			if err != nil || string(got) != v.plain {
				t.Errorf("DecodeBase32(%q) = %q, %v; want %q", in, got, err, v.plain)
			}
		}
		if got := otpcore.EncodeBase32([]byte(v.plain)); got != unpadded {
			t.Errorf("EncodeBase32(%q) = %q, want %q", v.plain, got, unpadded)
		}
	}

	// The RFC 4226 / 6238 seed as apps show it; oathtool prints the same
	// base32 for that key.
	const rfc = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for _, in := range []string{
		rfc,
		"gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
		"gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
		"GeZd gNbV-gY3t\tQoJq GEZDGNBVGY3TQOJQ",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ   ",
	} {
		got, err := otpcore.DecodeBase32(in)
		if err != nil || !bytes.Equal(got, rfc4226Key) {
			t.Errorf("DecodeBase32(%q) = %q, %v", in, got, err)
		}
	}
	if got := otpcore.EncodeBase32(rfc4226Key); got != rfc {
		t.Errorf("EncodeBase32(RFC key) = %q", got)
	}

	// django-otp's 16-byte keys come out padded; with and without the
	// padding they are the same key.
	padded := "AAISEM2EKVTHPCEZVK54ZXPO74======"
	want, _ := base32.StdEncoding.DecodeString(padded)
	for _, in := range []string{padded, strings.TrimRight(padded, "="), strings.ToLower(padded)} {
		if got, err := otpcore.DecodeBase32(in); err != nil || !bytes.Equal(got, want) {
			t.Errorf("DecodeBase32(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
}

// Random keys of every length round-trip through our encoder and decoder
// and agree with the standard library's RFC 4648 codec.
func TestBase32AgainstStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(4648, 1))
	for n := 1; n <= otpcore.MaxKeyLen; n++ {
		key := randKey(rng, n)
		std := base32.StdEncoding.EncodeToString(key)
		enc := otpcore.EncodeBase32(key)
		if enc != strings.TrimRight(std, "=") {
			t.Fatalf("%d bytes: EncodeBase32 = %q, stdlib %q", n, enc, std)
		}
		for _, in := range []string{enc, std, strings.ToLower(std), otpcore.GroupBase32(enc), strings.ReplaceAll(otpcore.GroupBase32(enc), " ", "-")} {
			got, err := otpcore.DecodeBase32(in)
			if err != nil || !bytes.Equal(got, key) {
				t.Fatalf("%d bytes: DecodeBase32(%q) = %x, %v", n, in, got, err)
			}
		}
	}
}

func TestGroupBase32(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"A", "A"},
		{"ABCD", "ABCD"},
		{"ABCDE", "ABCD E"},
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"},
		{"MZXW6YTBOI", "MZXW 6YTB OI"},
	} {
		if got := otpcore.GroupBase32(c.in); got != c.want {
			t.Errorf("GroupBase32(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// checkKeyError asserts err is a *KeyError with the given encoding, problem
// text and position, and that its message gives away nothing of the key:
// neither the offending character nor any four consecutive characters of
// the input.
func checkKeyError(t *testing.T, in string, err error, encoding, problem string, pos int) {
	t.Helper()
	var ke *otpcore.KeyError
	if !errors.As(err, &ke) {
		t.Errorf("%q: error %v (%T), want *KeyError", in, err, err)
		return
	}
	if ke.Encoding != encoding || ke.Pos != pos || !strings.Contains(ke.Problem, problem) {
		t.Errorf("%q: got %+v, want %s / %q / position %d", in, *ke, encoding, problem, pos)
	}
	msg := err.Error()
	if pos > 0 {
		if !strings.Contains(msg, "position") {
			t.Errorf("%q: message %q does not give the position", in, msg)
		}
		if bad := in[pos-1]; strings.IndexByte(msg, bad) >= 0 && !strings.Contains(encoding+" key: "+ke.Problem+" at position 0123456789", string(bad)) {
			t.Errorf("%q: message %q contains the offending character %q", in, msg, bad)
		}
	}
	leaksKey(t, in, msg)
}

// leaksKey fails when msg contains four consecutive characters of secret
// that include a letter or punctuation (pure digit runs can coincide with
// positions and lengths).
func leaksKey(t *testing.T, secret, msg string) {
	t.Helper()
	for i := 0; i+4 <= len(secret); i++ {
		w := secret[i : i+4]
		if strings.Trim(w, "0123456789") == "" || strings.TrimSpace(w) != w {
			continue
		}
		if strings.Contains(msg, w) {
			t.Errorf("message %q contains %q from the key", msg, w)
		}
	}
}

func TestDecodeBase32Errors(t *testing.T) {
	long := strings.Repeat("A", 4*otpcore.MaxKeyLen+1)
	// 208 characters decode to 130 bytes: short enough to read, too long
	// a key.
	tooManyBytes := strings.Repeat("ABCDEFGH", 26)
	for _, c := range []struct {
		in, problem string
		pos         int
	}{
		{"", "empty", 0},
		{"   ", "empty", 0},
		{"- -\t", "empty", 0},
		{"========", "empty", 0},
		{"JBSWY3DPEHPK3PX1", "invalid character", 16},
		{"JBSWY3DPEHPK3PX8", "invalid character", 16},
		{"JBSW!3DPEHPK3PXP", "invalid character", 5},
		{"JBSWY3DPE,PK3PXP", "invalid character", 10},
		{"JBSWY3DPEHPK3PX0", "invalid character", 16},
		{"JBSWY3DPEHPK3PX\x00", "control character", 16},
		{"JBSWY3DPEHPK3PX\n", "control character", 16},
		{"JBSWY3DPéHPK3PXP", "non-ASCII character", 9},
		{"JBSWY3DP=EHPK3PXP", "character after padding", 10},
		{"MY==A===", "character after padding", 5},
		{"A", "not a whole number of bytes", 0},
		{"ABC", "not a whole number of bytes", 0},
		{"ABCDEF", "not a whole number of bytes", 0},
		{"JBSWY3DPE", "not a whole number of bytes", 0},
		{long, "too long", 0},
		{tooManyBytes, "too long", 0},
	} {
		got, err := otpcore.DecodeBase32(c.in)
		if err == nil {
			t.Errorf("DecodeBase32(%q) = %x, want an error", c.in, got)
			continue
		}
		if got != nil {
			t.Errorf("DecodeBase32(%q) returned key bytes with an error", c.in)
		}
		checkKeyError(t, c.in, err, "base32", c.problem, c.pos)
	}
	// The largest key allowed decodes.
	largest := otpcore.EncodeBase32(make([]byte, otpcore.MaxKeyLen))
	if k, err := otpcore.DecodeBase32(largest); err != nil || len(k) != otpcore.MaxKeyLen {
		t.Errorf("%d-byte key: %d bytes, %v", otpcore.MaxKeyLen, len(k), err)
	}
}

func TestDecodeHex(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // hex of the expected bytes
	}{
		{"3132333435363738393031323334353637383930", "3132333435363738393031323334353637383930"},
		{"0x3132", "3132"},
		{"0X3132", "3132"},
		{"  0x31 32", "3132"},
		{"abcdef", "abcdef"},
		{"ABCDEF", "abcdef"},
		{"aBcD eF", "abcdef"},
		{"ab:cd:ef", "abcdef"},
		{"ab-cd-ef", "abcdef"},
		{"00", "00"},
		{"0x00", "00"},
	} {
		want, _ := hex.DecodeString(c.want)
		got, err := otpcore.DecodeHex(c.in)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("DecodeHex(%q) = %x, %v; want %x", c.in, got, err, want)
		}
	}
	// Agreement with encoding/hex for random keys of every length.
	rng := rand.New(rand.NewPCG(16, 1))
	for n := 1; n <= otpcore.MaxKeyLen; n++ {
		key := randKey(rng, n)
		for _, in := range []string{hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)), "0x" + hex.EncodeToString(key)} {
			if got, err := otpcore.DecodeHex(in); err != nil || !bytes.Equal(got, key) {
				t.Fatalf("DecodeHex(%q) = %x, %v", in, got, err)
			}
		}
	}

	for _, c := range []struct {
		in, problem string
		pos         int
	}{
		{"", "empty", 0},
		{"0x", "empty", 0},
		{"  0x  ", "empty", 0},
		{"abc", "odd number of digits", 0},
		{"0xabc", "odd number of digits", 0},
		{"abcg", "invalid character", 4},
		{"0xabzd", "invalid character", 5},
		{"  0xabzd", "invalid character", 7},
		{"x0abcd", "invalid character", 1},
		{"0x0xab", "invalid character", 4},
		{"ab\x7fd", "control character", 3},
		{"abcdé0", "non-ASCII character", 5},
		{strings.Repeat("ab", 4*otpcore.MaxKeyLen+1), "too long", 0},
		{strings.Repeat("ab", otpcore.MaxKeyLen+1), "too long", 0},
	} {
		got, err := otpcore.DecodeHex(c.in)
		if err == nil {
			t.Errorf("DecodeHex(%q) = %x, want an error", c.in, got)
			continue
		}
		checkKeyError(t, c.in, err, "hex", c.problem, c.pos)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for _, c := range []struct {
		in   string
		want otpcore.Algorithm
	}{
		{"SHA1", otpcore.SHA1}, {"sha1", otpcore.SHA1}, {"SHA-1", otpcore.SHA1}, {"HMAC-SHA1", otpcore.SHA1}, {" hmac-sha-1 ", otpcore.SHA1},
		{"SHA256", otpcore.SHA256}, {"sha-256", otpcore.SHA256}, {"HMAC-SHA256", otpcore.SHA256},
		{"SHA512", otpcore.SHA512}, {"Sha512", otpcore.SHA512}, {"HMAC-SHA-512", otpcore.SHA512},
	} {
		got, err := otpcore.ParseAlgorithm(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseAlgorithm(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "MD5", "SHA", "SHA224", "SHA384", "SHA3-256", "sha-1-1x"} {
		if got, err := otpcore.ParseAlgorithm(in); err == nil {
			t.Errorf("ParseAlgorithm(%q) = %v, want an error", in, got)
		}
	}
	for a, s := range map[otpcore.Algorithm]string{otpcore.SHA1: "SHA1", otpcore.SHA256: "SHA256", otpcore.SHA512: "SHA512"} {
		if a.String() != s || !a.Valid() {
			t.Errorf("%d: String %q, Valid %v", a, a.String(), a.Valid())
		}
		if back, err := otpcore.ParseAlgorithm(a.String()); err != nil || back != a {
			t.Errorf("ParseAlgorithm(%v.String()) = %v, %v", a, back, err)
		}
	}
	for _, a := range []otpcore.Algorithm{0, 4, 255} {
		if a.Valid() {
			t.Errorf("Algorithm(%d) is valid", a)
		}
	}
}
