package otpcore_test

import (
	"bytes"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// Every key error is one of these fixed texts with only numbers filled in,
// which is how the fuzzers check that no byte of the input ever reaches a
// message.
var keyProblem = regexp.MustCompile(`^(empty|malformed|odd number of digits|invalid character|control character|non-ASCII character|character after padding|length [0-9]+ is not a whole number of bytes|too long \([0-9]+ (characters; at most [0-9]+ bytes of key are allowed|bytes; at most [0-9]+)\))$`)

func checkKeyErr(t *testing.T, in string, err error, encoding string) {
	t.Helper()
	var ke *otpcore.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error is %T, want *KeyError", err)
	}
	if ke.Encoding != encoding || !keyProblem.MatchString(ke.Problem) {
		t.Fatalf("unexpected error %+v", *ke)
	}
	if ke.Pos < 0 || ke.Pos > len(in) {
		t.Fatalf("position %d outside the %d-byte input", ke.Pos, len(in))
	}
}

func FuzzDecodeBase32(f *testing.F) {
	for _, s := range []string{
		"", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezd gnbv gy3t qojq", "JBSW-Y3DP-EHPK-3PXP", "MY======", "MZXW6YQ=",
		"AAISEM2EKVTHPCEZVK54ZXPO74======", "A", "ABC", "ABCDEF", "JBSWY3DP=E", "01", "é", "\x00", "====", strings.Repeat("A", 205),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := otpcore.DecodeBase32(s)
		if err != nil {
			if key != nil {
				t.Fatal("key bytes returned with an error")
			}
			checkKeyErr(t, s, err, "base32")
			return
		}
		if len(key) == 0 || len(key) > otpcore.MaxKeyLen {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		// The standard library, given the same text cleaned by hand, must
		// agree.
		clean := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "", "=", "").Replace(s))
		if pad := len(clean) % 8; pad != 0 {
			clean += strings.Repeat("=", 8-pad)
		}
		want, err := base32.StdEncoding.DecodeString(clean)
		if err != nil || !bytes.Equal(key, want) {
			t.Fatalf("DecodeBase32 = %x; stdlib says %x, %v", key, want, err)
		}
		// Our encoding of it decodes to the same bytes.
		if again, err := otpcore.DecodeBase32(otpcore.EncodeBase32(key)); err != nil || !bytes.Equal(again, key) {
			t.Fatalf("re-decoding EncodeBase32 output: %x, %v", again, err)
		}
	})
}

func FuzzDecodeHex(f *testing.F) {
	for _, s := range []string{
		"", "0x", "3132333435363738393031323334353637383930", "0xABCDEF", " 0X ab:cd-ef ", "abc", "zz", "é", "0x0x", strings.Repeat("ab", 129),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := otpcore.DecodeHex(s)
		if err != nil {
			if key != nil {
				t.Fatal("key bytes returned with an error")
			}
			checkKeyErr(t, s, err, "hex")
			return
		}
		if len(key) == 0 || len(key) > otpcore.MaxKeyLen {
			t.Fatalf("accepted a %d-byte key", len(key))
		}
		clean := strings.TrimLeft(s, " \t")
		if len(clean) >= 2 && clean[0] == '0' && (clean[1] == 'x' || clean[1] == 'X') {
			clean = clean[2:]
		}
		clean = strings.NewReplacer(" ", "", "-", "", "\t", "", ":", "").Replace(clean)
		want, err := hex.DecodeString(clean)
		if err != nil || !bytes.Equal(key, want) {
			t.Fatalf("DecodeHex = %x; encoding/hex says %x, %v", key, want, err)
		}
	})
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		"otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
		"otpauth://totp/My%20Co%20Ltd%3Aalice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=My%20Co%20Ltd",
		"otpauth://totp/alice?secret=AAISEM2EKVTHPCEZVK54ZXPO74%3D%3D%3D%3D%3D%3D&algorithm=SHA1&digits=6&period=30",
		"otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&counter=42",
		"otpauth://totp/Zo%C3%AB%20%C3%9Cn%C3%AFcode:%E6%9D%B1%E4%BA%AC?secret=AE&issuer=Zo%C3%AB%20%C3%9Cn%C3%AFcode&algorithm=SHA512&digits=7&period=60",
		"otpauth://totp/Example:ldap%3Aalice?secret=JBSWY3DPEHPK3PXP&issuer=Example",
		"otpauth://totp/:x:y?secret=JBSWY3DPEHPK3PXP",
		"otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=",
		"OTPAUTH://HOTP/x?secret=jbswy3dpehpk3pxp&counter=18446744073709551615#frag",
		"otpauth://totp/alice?secret=JBSWY3DPEHPK3PX1",
		"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0&digits=9&algorithm=MD5",
		"otpauth://totp",
		"http://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := otpcore.ParseURI(s)
		if err != nil {
			var ue *otpcore.URIError
			if !errors.As(err, &ue) {
				t.Fatalf("error is %T, want *URIError", err)
			}
			// A refusal never quotes the secret parameter.
			if _, q, ok := strings.Cut(s, "secret="); ok {
				sec, _, _ := strings.Cut(q, "&")
				if len(sec) >= 6 && strings.Contains(err.Error(), sec) {
					t.Fatalf("error %q quotes the secret", err)
				}
			}
			return
		}
		// Whatever we accept, we can write back out, and what we write
		// reads back as the very same key.
		out, err := k.String()
		if err != nil {
			t.Fatalf("parsed %+v but String() refuses it: %v", k, err)
		}
		back, err := otpcore.ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(String()) = %v for %.300q", err, out)
		}
		if !reflect.DeepEqual(back, k) {
			t.Fatalf("round trip changed the key:\n first %.300q\nsecond %.300q\n   via %.300q", fmt.Sprintf("%+v", k), fmt.Sprintf("%+v", back), out)
		}
		// And one more time gives the same text.
		if out2, err := back.String(); err != nil || out2 != out {
			t.Fatalf("String() not stable: %.300q then %.300q, %v", out, out2, err)
		}
	})
}

var codeProblem = regexp.MustCompile(`^code (is empty|has [0-9]+ digits, expected [0-9]+|has more than [0-9]+ digits|contains a character that is not a digit at position [0-9]+)$`)

func FuzzParseCode(f *testing.F) {
	for _, c := range []struct {
		s string
		d int
	}{
		{"123456", 6}, {"123 456", 6}, {"\t1234 5678 ", 8}, {"", 6}, {"12a456", 6}, {"１２３４５６", 6}, {"1234567", 7}, {"123456", 9}, {"123456", -1},
	} {
		f.Add(c.s, c.d)
	}
	f.Fuzz(func(t *testing.T, s string, digits int) {
		c, err := otpcore.ParseCode(s, digits)
		stripped := strings.NewReplacer(" ", "", "\t", "").Replace(s)
		if err != nil {
			if digits < otpcore.MinDigits || digits > otpcore.MaxDigits {
				return // ValidateDigits' error, about the parameter
			}
			var ce *otpcore.CodeError
			if !errors.As(err, &ce) || !codeProblem.MatchString(err.Error()) {
				t.Fatalf("unexpected error %v (%T)", err, err)
			}
			// Refused input really is not `digits` ASCII digits.
			if len(stripped) == digits && strings.Trim(stripped, "0123456789") == "" {
				t.Fatalf("refused a valid code: %v", err)
			}
			return
		}
		if digits < otpcore.MinDigits || digits > otpcore.MaxDigits {
			t.Fatalf("accepted digits=%d", digits)
		}
		if c.Len() != digits || len(stripped) != digits || strings.Trim(stripped, "0123456789") != "" {
			t.Fatalf("accepted %q as a %d-digit code (Len %d)", s, digits, c.Len())
		}
		// Spaces carry no meaning: the bare digits give the same Code.
		if bare, err := otpcore.ParseCode(stripped, digits); err != nil || bare != c {
			t.Fatalf("bare digits %q differ: %v", stripped, err)
		}
	})
}
