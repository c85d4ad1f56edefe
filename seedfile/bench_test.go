package seedfile

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

const benchN = 10_000

// benchTokens is a delivery-like batch: mostly 20-byte SHA-1 TOTP seeds,
// some SHA-256, some HOTP.
func benchTokens() []Token {
	toks := make([]Token, benchN)
	for i := range toks {
		secret := make([]byte, 20)
		for j := range secret {
			secret[j] = byte(i*31 + j*7)
		}
		t := Token{Serial: fmt.Sprintf("2452524%05d", i), Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: secret,
			Period: 30, Manufacturer: "Token2", Model: "C202", User: fmt.Sprintf("user%d@example.com", i)}
		switch i % 10 {
		case 1:
			t.Secret = append(t.Secret, secret[:12]...)
			t.Algorithm = otpcore.SHA256
		case 2:
			t.Kind, t.Period, t.Counter = otpcore.KindHOTP, 0, uint64(i)
		}
		toks[i] = t
	}
	return toks
}

func benchInput(b *testing.B, f Format) ([]byte, Options) {
	toks := benchTokens()
	var buf bytes.Buffer
	opt := Options{Format: f}
	switch f {
	case FormatAzure:
		buf.WriteString("upn,serial number,secret key,time interval,manufacturer,model\n")
		for _, t := range toks {
			fmt.Fprintf(&buf, "%s,%s,%s,30,%s,%s\n", t.User, t.Serial, otpcore.EncodeBase32(t.Secret), t.Manufacturer, t.Model)
		}
	case FormatOATHCSV:
		for _, t := range toks {
			if t.Kind == otpcore.KindTOTP {
				fmt.Fprintf(&buf, "%s, %s, totp, 6, 30\n", t.Serial, hex.EncodeToString(t.Secret))
			} else {
				fmt.Fprintf(&buf, "%s, %s, hotp, 6, %d\n", t.Serial, hex.EncodeToString(t.Secret), t.Counter)
			}
		}
	case FormatURIList:
		for _, t := range toks {
			u, err := otpcore.KeyURI{Kind: t.Kind, Issuer: "Token2", Account: t.User, Secret: t.Secret, Algorithm: t.Algorithm,
				Digits: t.Digits, Period: t.Period, Counter: t.Counter}.String()
			if err != nil {
				b.Fatal(err)
			}
			buf.WriteString(u + "\n")
		}
	case FormatCSV:
		if err := WriteCSV(&buf, toks); err != nil {
			b.Fatal(err)
		}
	}
	return buf.Bytes(), opt
}

func benchParse(b *testing.B, data []byte, opt Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		toks, err := ParseBytes(data, opt)
		if err != nil {
			b.Fatal(err)
		}
		if len(toks) != benchN {
			b.Fatalf("%d tokens", len(toks))
		}
	}
}

// BenchmarkParse10k parses 10,000 tokens in each format. The PSKC
// password case includes one PBKDF2 derivation at the default 600,000
// iterations: paid once per file, not per token.
func BenchmarkParse10k(b *testing.B) {
	for _, f := range []Format{FormatAzure, FormatOATHCSV, FormatCSV, FormatURIList} {
		b.Run(f.String(), func(b *testing.B) {
			data, opt := benchInput(b, f)
			benchParse(b, data, opt)
		})
	}
	key := bytes.Repeat([]byte{9}, 16)
	for _, c := range []struct {
		name  string
		write PSKCWriteOptions
		read  Options
	}{
		{"pskc-plain", PSKCWriteOptions{Plaintext: true}, Options{}},
		{"pskc-key", PSKCWriteOptions{Key: key}, Options{Key: key}},
		{"pskc-password", PSKCWriteOptions{Password: "benchmark"}, Options{Password: "benchmark"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := []byte(writePSKCString(b, benchTokens(), c.write))
			c.read.Format = FormatPSKC
			benchParse(b, data, c.read)
		})
	}
}

// BenchmarkWrite10k writes 10,000 tokens (export).
func BenchmarkWrite10k(b *testing.B) {
	toks := benchTokens()
	b.Run("csv", func(b *testing.B) {
		for b.Loop() {
			if err := WriteCSV(&bytes.Buffer{}, toks); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pskc-password", func(b *testing.B) {
		for b.Loop() {
			if err := WritePSKC(&bytes.Buffer{}, toks, PSKCWriteOptions{Password: "benchmark"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
