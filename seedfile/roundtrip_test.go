package seedfile

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

func TestCSVRoundTrip(t *testing.T) {
	for _, toks := range [][]Token{rfcTokens(), randomTokens(500, 1), {}} {
		text := writeCSVString(t, toks)
		got, err := Parse(strings.NewReader(text), Options{})
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, text)
		}
		sameTokens(t, got, toks)
	}
}

func TestPSKCRoundTrip(t *testing.T) {
	toks := randomTokens(200, 2)
	key16, key24, key32 := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 24), bytes.Repeat([]byte{3}, 32)
	tests := []struct {
		name  string
		write PSKCWriteOptions
		read  Options
	}{
		{"plaintext", PSKCWriteOptions{Plaintext: true}, Options{}},
		{"password", PSKCWriteOptions{Password: "correct horse", Iterations: 1000}, Options{Password: "correct horse"}},
		{"password aes-256", PSKCWriteOptions{Password: "pw", Cipher: AES256CBC, Iterations: 1000}, Options{Password: "pw"}},
		{"password aes-192", PSKCWriteOptions{Password: "pw", Cipher: AES192CBC, Iterations: 10}, Options{Password: "pw"}},
		{"password privacyIDEA-compatible", PSKCWriteOptions{Password: "pw", PRF: otpcore.SHA1, MAC: otpcore.SHA1, Iterations: 1000}, Options{Password: "pw", RequireMAC: true}},
		{"password sha512", PSKCWriteOptions{Password: "pw", PRF: otpcore.SHA512, MAC: otpcore.SHA512, Iterations: 1000}, Options{Password: "pw"}},
		{"unicode password", PSKCWriteOptions{Password: "pässwörd ☃", Iterations: 1000}, Options{Password: "pässwörd ☃"}},
		{"key 16", PSKCWriteOptions{Key: key16, KeyName: "transport <key>"}, Options{Key: key16, RequireMAC: true}},
		{"key 24", PSKCWriteOptions{Key: key24}, Options{Key: key24}},
		{"key 32", PSKCWriteOptions{Key: key32, Cipher: AES256CBC}, Options{Key: key32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := writePSKCString(t, toks, tc.write)
			got, err := Parse(strings.NewReader(text), tc.read)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			sameTokens(t, got, toks)
			if tc.write.Plaintext {
				return
			}
			if strings.Contains(text, "PlainValue>"+base64.StdEncoding.EncodeToString(toks[0].Secret)) {
				t.Fatal("an encrypted file holds a secret in the clear")
			}
			if n := strings.Count(text, "<pskc:ValueMAC>"); n != len(toks) {
				t.Errorf("%d ValueMACs for %d tokens", n, len(toks))
			}
			// Every encrypted value has its own IV.
			ivs := map[string]bool{}
			for _, m := range regexp.MustCompile(`<xenc:CipherValue>([^<]+)<`).FindAllStringSubmatch(text, -1) {
				ct, err := base64.StdEncoding.DecodeString(m[1])
				if err != nil {
					t.Fatal(err)
				}
				if ivs[string(ct[:16])] {
					t.Fatal("an IV is used twice")
				}
				ivs[string(ct[:16])] = true
			}
		})
	}
}

func TestWritePSKCDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("600,000 PBKDF2 iterations")
	}
	toks := rfcTokens()
	text := writePSKCString(t, toks, PSKCWriteOptions{Password: "s3cret"})
	for _, want := range []string{
		"<IterationCount>600000</IterationCount>", "<KeyLength>16</KeyLength>", "xmlenc#aes128-cbc",
		`<PRF Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>`,
		`<pskc:MACMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256">`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("default output lacks %s", want)
		}
	}
	got, err := Parse(strings.NewReader(text), Options{Password: "s3cret", RequireMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	sameTokens(t, got, toks)
}

func TestWritePSKCDeterministicWithRand(t *testing.T) {
	write := func() string {
		r := rand.NewChaCha8([32]byte{1, 2, 3})
		return writePSKCString(t, rfcTokens(), PSKCWriteOptions{Password: "pw", Iterations: 100, Rand: r})
	}
	if a, b := write(), write(); a != b {
		t.Error("the same Rand gave different files")
	}
	if a, b := writePSKCString(t, rfcTokens(), PSKCWriteOptions{Password: "pw", Iterations: 100}),
		writePSKCString(t, rfcTokens(), PSKCWriteOptions{Password: "pw", Iterations: 100}); a == b {
		t.Error("two files from crypto/rand are identical")
	}
}

func TestWritePSKCRefuses(t *testing.T) {
	good := rfcTokens()
	noSerial := rfcTokens()
	noSerial[1].Serial = ""
	dup := rfcTokens()
	dup[2].Serial = dup[0].Serial
	bad := rfcTokens()
	bad[1].Digits = 10
	tests := []struct {
		name string
		toks []Token
		opt  PSKCWriteOptions
		want string
	}{
		{"no mode", good, PSKCWriteOptions{}, "exactly one of"},
		{"two modes", good, PSKCWriteOptions{Password: "x", Plaintext: true}, "exactly one of"},
		{"key and password", good, PSKCWriteOptions{Password: "x", Key: make([]byte, 16)}, "exactly one of"},
		{"odd key", good, PSKCWriteOptions{Key: make([]byte, 20)}, "20 bytes"},
		{"key and cipher disagree", good, PSKCWriteOptions{Key: make([]byte, 16), Cipher: AES256CBC}, "needs 32"},
		{"iterations", good, PSKCWriteOptions{Password: "x", Iterations: -1}, "iterations"},
		{"prf", good, PSKCWriteOptions{Password: "x", Iterations: 1, PRF: otpcore.Algorithm(9)}, "PBKDF2"},
		{"no serial", noSerial, PSKCWriteOptions{Plaintext: true}, "token 2: serial is empty"},
		{"duplicate serial", dup, PSKCWriteOptions{Plaintext: true}, "same serial as token 1"},
		{"invalid token", bad, PSKCWriteOptions{Plaintext: true}, `token 2 (serial "T2"): digits`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := WritePSKC(&b, tc.toks, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
		})
	}
}

// TestAnyParsedFileRewrites: whatever a reader accepts, both writers
// write and the reader reads back unchanged.
func TestAnyParsedFileRewrites(t *testing.T) {
	inputs := []string{
		"upn,serial number,secret key,time interval,manufacturer,model\nHelga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey\n",
		"# version: 2\nalice, ldap1, realm1, tok1, 3132333435363738393031323334353637383930, totp, 6, 30\n",
		"otpauth://totp/ACME:john?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&period=45\notpauth://hotp/x?secret=GEZDGNBV&counter=3\n",
	}
	for _, in := range inputs {
		toks := mustParse(t, in, Options{})
		sameTokens(t, mustParse(t, writeCSVString(t, toks), Options{}), toks)
		for i := range toks {
			if toks[i].Serial == "" {
				toks[i].Serial = toks[i].Origin
			}
		}
		sameTokens(t, mustParse(t, writePSKCString(t, toks, PSKCWriteOptions{Plaintext: true}), Options{}), toks)
	}
}
