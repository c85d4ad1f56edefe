package seedfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// fuzzKey is the pre-shared key of testdata/csv2pskc-psk.pskcxml, so the
// PSKC fuzzer reaches decryption and MAC checking.
var fuzzKey = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// fuzzPassword opens the password seed of FuzzParsePSKC, whose PBKDF2 runs
// fuzzIterations times: cheap enough to try on every input.
const (
	fuzzPassword   = "fuzz password"
	fuzzIterations = 1000
)

// maxFuzzInput is the largest input a fuzz target looks at. Every parser
// path is reached by small files; large ones only make each run, and
// above all the minimisation of each new interesting input (a minute per
// input by default), slow enough that a default "go test -fuzz" run
// spends its whole budget on one input.
const maxFuzzInput = 8 << 10

// checkParsed holds for every input: an error is a *Error; tokens are
// valid, their serials unique, and they survive both writers unchanged.
func checkParsed(t *testing.T, toks []Token, err error) {
	t.Helper()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not a *seedfile.Error", err, err)
		}
		return
	}
	serials := map[string]bool{}
	allSerials := true
	for i := range toks {
		if err := toks[i].Validate(); err != nil {
			t.Fatalf("token %d is invalid: %v", i+1, err)
		}
		if s := toks[i].Serial; s != "" {
			if serials[s] {
				t.Fatalf("serial %q twice", s)
			}
			serials[s] = true
		} else {
			allSerials = false
		}
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, toks); err != nil {
		t.Fatalf("WriteCSV of parsed tokens: %v", err)
	}
	back, err := ParseBytes(b.Bytes(), Options{Format: FormatCSV})
	if err != nil {
		t.Fatalf("re-reading WriteCSV output: %v\n%s", err, b.Bytes())
	}
	sameTokens(t, back, toks)
	if !allSerials {
		return
	}
	b.Reset()
	if err := WritePSKC(&b, toks, PSKCWriteOptions{Key: fuzzKey}); err != nil {
		t.Fatalf("WritePSKC of parsed tokens: %v", err)
	}
	back, err = ParseBytes(b.Bytes(), Options{Key: fuzzKey, RequireMAC: true})
	if err != nil {
		t.Fatalf("re-reading WritePSKC output: %v", err)
	}
	sameTokens(t, back, toks)
}

func FuzzParseCSV(f *testing.F) {
	var native bytes.Buffer
	if err := WriteCSV(&native, randomTokens(4, 9)); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		native.String(),
		"upn,serial number,secret key,time interval,manufacturer,model\nHelga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey\n",
		"\ufeffserial number;secret key;timeinterval\r\n245252413141;SN3OBMB5L7QXG5XF5WRGLFCH233655AF;30\r\n",
		"upn,serial number,secret key,time interval,manufacturer,model\n\"a,b\",2.4E+11,\"SN3O BMB5\",,\"x\"\"y\",\n,,,,,\n",
		"tok1, 3132333435363738393031323334353637383930, totp, 8, 60\n# c\ntok2,3132333435363738393031323334353637383930313233343536373839303132,hotp,6,5,sha256\n",
		"# version: 2\nalice, ldap1, realm1, tok1, 3132333435363738393031323334353637383930, totp, 6, 30\n",
		"serial,secret,type,algorithm,digits\nx,GEZDGNBV,TOTP,sha-1,6\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		for _, format := range []Format{FormatAuto, FormatAzure, FormatOATHCSV, FormatCSV} {
			toks, err := ParseBytes(data, Options{Format: format})
			checkParsed(t, toks, err)
		}
	})
}

func FuzzParsePSKC(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pskcxml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var plain, enc, pw bytes.Buffer
	if err := WritePSKC(&plain, randomTokens(3, 5), PSKCWriteOptions{Plaintext: true}); err != nil {
		f.Fatal(err)
	}
	if err := WritePSKC(&enc, randomTokens(2, 6), PSKCWriteOptions{Key: fuzzKey, MAC: otpcore.SHA1}); err != nil {
		f.Fatal(err)
	}
	if err := WritePSKC(&pw, randomTokens(1, 7), PSKCWriteOptions{Password: fuzzPassword, Iterations: fuzzIterations}); err != nil {
		f.Fatal(err)
	}
	f.Add(plain.Bytes())
	f.Add(enc.Bytes())
	f.Add(pw.Bytes())
	f.Add([]byte(`<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><DeviceInfo><SerialNo>1</SerialNo></DeviceInfo>` +
		`<Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><AlgorithmParameters><Suite hashalgo="sha256"/><ResponseFormat Length="8"/></AlgorithmParameters>` +
		`<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret><Time><PlainValue>5</PlainValue></Time><TimeDrift><PlainValue>-1</PlainValue></TimeDrift></Data></Key></KeyPackage></KeyContainer>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		// The password's IterationCount is capped: a mutated count must
		// not make a run slow.
		for _, opt := range []Options{
			{Format: FormatPSKC},
			{Format: FormatPSKC, Key: fuzzKey},
			{Format: FormatPSKC, Password: fuzzPassword, MaxIterations: fuzzIterations},
		} {
			toks, err := ParseBytes(data, opt)
			checkParsed(t, toks, err)
		}
		// The parallel reader, when it answers, answers as the sequential one.
		for _, workers := range []int{2, 3} {
			checkParallel(t, data, workers)
		}
	})
}

func FuzzParseURIList(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/ACME%20Co:john@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60\n",
		"# x\r\n\r\notpauth://hotp/alice?secret=GEZDGNBV&counter=7\notpauth://totp/a%3Ab?secret=gezdgnbv====&period=1\n",
		"otpauth-migration://offline?data=AAAA\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		for _, format := range []Format{FormatAuto, FormatURIList} {
			toks, err := ParseBytes(data, Options{Format: format})
			checkParsed(t, toks, err)
		}
	})
}
