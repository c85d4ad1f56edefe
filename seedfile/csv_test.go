package seedfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

func TestAzureCSV(t *testing.T) {
	// The 26-character base32 example of Microsoft's documentation decodes
	// to 16 bytes; Token2's 32-character one to 20 bytes.
	msSecret, _ := otpcore.DecodeBase32("2234567abcdef2234567abcdef")
	t2Secret, _ := otpcore.DecodeBase32("SN3OBMB5L7QXG5XF5WRGLFCH233655AF")
	b32of32 := otpcore.EncodeBase32(seed32) // 52 characters
	ms := Token{Serial: "1234567", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: msSecret, Period: 60,
		Manufacturer: "Contoso", Model: "HardwareKey", User: "Helga@contoso.com"}
	t2 := Token{Serial: "245252413141", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: t2Secret, Period: 30,
		Manufacturer: "Token2", Model: "C202", User: "user@company.com"}
	with := func(t Token, f func(*Token)) Token { f(&t); return t }

	tests := []struct {
		name string
		in   string
		opt  Options
		want []Token
	}{
		{"microsoft example", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			"Helga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey\n", Options{}, []Token{ms}},
		{"token2 timeinterval spelling", "upn,serial number,secret key,timeinterval,manufacturer,model\n" +
			"user@company.com,245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{}, []Token{t2}},
		{"header case, BOM, CRLF", "\ufeffUPN,Serial Number,Secret Key,Time Interval,Manufacturer,Model\r\n" +
			"user@company.com,245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\r\n", Options{}, []Token{t2}},
		{"no upn column (Deepnet)", "serial number,secret key,time interval,manufacturer,model\n" +
			"245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{}, []Token{with(t2, func(t *Token) { t.User = "" })}},
		{"empty upn as Token2 ships it", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			",245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{}, []Token{with(t2, func(t *Token) { t.User = "" })}},
		{"semicolons from a European spreadsheet", "upn;serial number;secret key;time interval;manufacturer;model\n" +
			"user@company.com;245252413141;SN3OBMB5L7QXG5XF5WRGLFCH233655AF;30;Token2;C202\n", Options{}, []Token{t2}},
		{"blank and empty-cell rows, quotes, spaces", "upn,serial number,secret key,time interval,manufacturer,model\n\n" +
			` "user@company.com", "245252413141", SN3O BMB5 L7QX G5XF 5WRG LFCH 2336 55AF ,30, Token2 ,"C202"` + "\n,,,,,\n", Options{}, []Token{t2}},
		{"lower-case and padded secret", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			"user@company.com,245252413141,sn3obmb5l7qxg5xf5wrglfch233655af,30,Token2,C202\n", Options{}, []Token{t2}},
		{"long secret means SHA256", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			"a@b,77," + b32of32 + "====,30,Token2,C203\n", Options{},
			nil /* checked below */},
		{"empty interval means 30", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			"user@company.com,245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,,Token2,C202\n", Options{}, []Token{t2}},
		{"hash and digits options", "upn,serial number,secret key,time interval,manufacturer,model\n" +
			"user@company.com,245252413141,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n",
			Options{Algorithm: otpcore.SHA256, Digits: 8}, []Token{with(t2, func(t *Token) { t.Algorithm = otpcore.SHA256; t.Digits = 8 })}},
		{"hex secret when asked", "serial number,secret key\n9,3132333435363738393031323334353637383930\n",
			Options{SecretEncoding: EncodingHex}, []Token{{Serial: "9", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30}}},
		{"columns in another order", "model,secret key,serial number\nC202,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,245252413141\n", Options{},
			[]Token{{Serial: "245252413141", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: t2Secret, Period: 30, Model: "C202"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []Format{FormatAuto, FormatAzure} {
				opt := tc.opt
				opt.Format = f
				got := mustParse(t, tc.in, opt)
				if tc.want == nil {
					if len(got) != 1 || got[0].Algorithm != otpcore.SHA256 || string(got[0].Secret) != string(seed32) {
						t.Fatalf("got %+v, want one SHA256 token with the 32-byte seed", got)
					}
					continue
				}
				sameTokens(t, got, tc.want)
			}
		})
	}
}

func TestAzureCSVErrors(t *testing.T) {
	const head = "upn,serial number,secret key,time interval,manufacturer,model\n"
	tests := []struct {
		name string
		in   string
		opt  Options
		want []string
	}{
		{"spreadsheet serial", head + "a@b,2.45252E+11,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{}, []string{"line 2", "scientific notation"}},
		{"hex secret", head + "a@b,1,3132333435363738393031323334353637383930,30,Token2,C202\n", Options{}, []string{"line 2", "secret key", "not base32", "looks like hex"}},
		{"no header", "a@b,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{Format: FormatAzure}, []string{"line 1", "column 1", "header row missing"}},
		{"missing secret column", "upn,serial number\na,1\n", Options{Format: FormatAzure}, []string{"line 1", "secret key"}},
		{"duplicate column", "serial number,secret key,Secret Key\n", Options{}, []string{"line 1", "columns 2 and 3"}},
		{"zero interval", head + "a@b,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,0,Token2,C202\n", Options{}, []string{"line 2", "time interval"}},
		{"text interval", head + "a@b,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30s,Token2,C202\n", Options{}, []string{"line 2", "time interval"}},
		{"empty secret", head + "a@b,1,,30,Token2,C202\n", Options{}, []string{"line 2", "secret key", "empty"}},
		{"empty serial", head + "a@b,,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{}, []string{"line 2", "serial number is empty"}},
		{"extra field", head + "a@b,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202,x\n", Options{}, []string{"line 2", "7 fields"}},
		{"duplicate serial", head + "a,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,T,M\n\nb,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,T,M\n", Options{},
			[]string{"line 4", `serial "1"`, "line 2"}},
		{"bad digits option", head + "a@b,1,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,Token2,C202\n", Options{Digits: 9}, []string{"line 2", "digits"}},
		{"bare quote", head + "a@b,1,SN3O\"BMB5,30,Token2,C202\n", Options{}, []string{"line 2", "column"}},
		{"utf-16", "\xff\xfeu\x00p\x00n\x00", Options{}, []string{"UTF-16"}},
		{"only header", "", Options{Format: FormatAzure}, []string{"empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains(t, parseErr(t, tc.in, tc.opt), tc.want...)
		})
	}
}

func TestOATHCSV(t *testing.T) {
	hex20, hex32, hex64 := "3132333435363738393031323334353637383930", "3132333435363738393031323334353637383930313233343536373839303132",
		"31323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334"
	tests := []struct {
		name string
		in   string
		opt  Options
		want []Token
	}{
		{"totp", "tok1, " + hex20 + ", totp, 8, 60\n", Options{},
			[]Token{{Serial: "tok1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 8, Secret: seed20, Period: 60}}},
		{"totp default step", "tok1, " + hex20 + ", TOTP, 6\n", Options{},
			[]Token{{Serial: "tok1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30}}},
		{"type defaults to hotp", "tok2, " + hex20 + "\n", Options{},
			[]Token{{Serial: "tok2", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20}}},
		{"hotp counter", "tok3," + hex20 + ",hotp,6,17\n", Options{},
			[]Token{{Serial: "tok3", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Counter: 17}}},
		{"hash from seed length", "a," + hex32 + ",totp,6,30\nb," + hex64 + ",totp,6,30\n", Options{},
			[]Token{{Serial: "a", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256, Digits: 6, Secret: seed32, Period: 30},
				{Serial: "b", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA512, Digits: 6, Secret: seed64, Period: 30}}},
		{"hash column (LinOTP)", "a," + hex20 + ",totp,6,30,sha256\n", Options{},
			[]Token{{Serial: "a", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256, Digits: 6, Secret: seed20, Period: 30}}},
		{"hash option", "a," + hex32 + ",totp,6,30\n", Options{Algorithm: otpcore.SHA1},
			[]Token{{Serial: "a", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed32, Period: 30}}},
		{"comments and blank lines", "# exported 2024\n\n# serial, seed\ntok1, " + hex20 + ", totp, 6, 30\n", Options{},
			[]Token{{Serial: "tok1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30}}},
		{"version 2 with user, resolver, realm", "# version: 2\nalice, ldap1, realm1, tok1, " + hex20 + ", totp, 6, 30\n, , , tok2, " + hex20 + ", hotp, 8, 5\n", Options{},
			[]Token{{Serial: "tok1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30, User: "alice"},
				{Serial: "tok2", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 8, Secret: seed20, Counter: 5}}},
		{"0x prefix and upper case", "tok1, 0x" + strings.ToUpper(hex20) + ", totp, 6, 30\n", Options{},
			[]Token{{Serial: "tok1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []Format{FormatAuto, FormatOATHCSV} {
				opt := tc.opt
				opt.Format = f
				sameTokens(t, mustParse(t, tc.in, opt), tc.want)
			}
		})
	}
	got := mustParse(t, "# c\ntok1, "+hex20+", totp\n", Options{})
	if got[0].Origin != "line 2" {
		t.Errorf("Origin = %q, want line 2", got[0].Origin)
	}
}

func TestOATHCSVErrors(t *testing.T) {
	hex20 := "3132333435363738393031323334353637383930"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"ocra", "a," + hex20 + ",ocra,OCRA-1:HOTP-SHA1-6:QN08\n", []string{"line 1", "OCRA"}},
		{"unknown type", "a," + hex20 + ",motp,6,30\n", []string{"line 1", "type"}},
		{"bad hex", "a,31323334353637383930313233343536373839zz,totp\n", []string{"line 1", "seed", "not hex"}},
		{"odd hex", "a,313,totp\n", []string{"line 1", "odd"}},
		{"digits", "a," + hex20 + ",totp,10,30\n", []string{"line 1", "digits"}},
		{"digits text", "a," + hex20 + ",totp,six,30\n", []string{"line 1", "digits"}},
		{"step", "a," + hex20 + ",totp,6,-30\n", []string{"line 1", "time step"}},
		{"counter", "a," + hex20 + ",hotp,6,-1\n", []string{"line 1", "counter"}},
		{"hash", "a," + hex20 + ",totp,6,30,md5\n", []string{"line 1", "hash"}},
		{"sha224 by length", "a,31323334353637383930313233343536373839303132333435363738,totp,6,30\n", []string{"line 1", "SHA-224"}},
		{"too many fields", "a," + hex20 + ",totp,6,30,sha1,x\n", []string{"line 1", "7 fields"}},
		{"one field", "a\n", []string{"line 1", "serial and a seed"}},
		{"version 2 short row", "# version: 2\nalice,ldap,realm,tok\n", []string{"line 2", "user, resolver, realm, serial and seed"}},
		{"duplicate", "a," + hex20 + "\n# x\na," + hex20 + "\n", []string{"line 3", `serial "a"`, "line 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains(t, parseErr(t, tc.in, Options{Format: FormatOATHCSV}), tc.want...)
		})
	}
}

func TestNativeCSV(t *testing.T) {
	want := rfcTokens()
	text := writeCSVString(t, want)
	if !strings.HasPrefix(text, "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n") {
		t.Fatalf("header: %q", text)
	}
	for _, f := range []Format{FormatAuto, FormatCSV} {
		sameTokens(t, mustParse(t, text, Options{Format: f}), want)
	}
	// A hand-written file may leave columns out and spell things loosely.
	got := mustParse(t, "Serial,Secret,Type,Algorithm,Digits\nx,"+otpcore.EncodeBase32(seed20)+",TOTP,sha-1,6\n", Options{})
	sameTokens(t, got, []Token{{Serial: "x", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30}})
}

func TestNativeCSVErrors(t *testing.T) {
	const head = "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n"
	s := otpcore.EncodeBase32(seed20)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"hotp with period", head + "a," + s + ",hotp,SHA1,6,30,,,,,,,\n", []string{"line 2", "HOTP"}},
		{"totp with counter", head + "a," + s + ",totp,SHA1,6,30,0,5,0,,,,\n", []string{"line 2", "counter"}},
		{"zero period", head + "a," + s + ",totp,SHA1,6,0,0,,0,,,,\n", []string{"line 2", "period"}},
		{"bad algorithm", head + "a," + s + ",totp,MD5,6,30,0,,0,,,,\n", []string{"line 2", "algorithm"}},
		{"bad type", head + "a," + s + ",ocra,SHA1,6,30,0,,0,,,,\n", []string{"line 2", "type"}},
		{"bad drift", head + "a," + s + ",totp,SHA1,6,30,0,,x,,,,\n", []string{"line 2", "drift"}},
		{"bad secret", head + "a,AB1,totp,SHA1,6,30,0,,0,,,,\n", []string{"line 2", "secret", "not base32"}},
		{"unknown column", "serial,secret,type,algorithm,digits,colour\n", []string{"line 1", "column 6"}},
		{"missing column", "serial,secret,type,digits\n", []string{"line 1", "algorithm"}},
		{"duplicate", head + "a," + s + ",hotp,SHA1,6,,,0,,,,,\na," + s + ",hotp,SHA1,6,,,0,,,,,\n", []string{"line 3", "line 2", `"a"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains(t, parseErr(t, tc.in, Options{Format: FormatCSV}), tc.want...)
		})
	}
}

func TestWriteCSVRefusesBadTokens(t *testing.T) {
	good := rfcTokens()[0]
	for name, mod := range map[string]func(*Token){
		"no secret":        func(t *Token) { t.Secret = nil },
		"digits":           func(t *Token) { t.Digits = 5 },
		"kind":             func(t *Token) { t.Kind = "ocra" },
		"hash":             func(t *Token) { t.Algorithm = 0 },
		"period":           func(t *Token) { t.Period = 0 },
		"hotp with period": func(t *Token) { t.Kind = otpcore.KindHOTP },
		"control char":     func(t *Token) { t.User = "a\nb" },
		"padded text":      func(t *Token) { t.Model = " C202" },
		"bad utf8":         func(t *Token) { t.Issuer = "\xff" },
	} {
		t.Run(name, func(t *testing.T) {
			bad := good
			mod(&bad)
			var b strings.Builder
			err := WriteCSV(&b, []Token{good, bad})
			if err == nil {
				t.Fatal("WriteCSV accepted a bad token")
			}
			contains(t, err, "token 2")
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
		})
	}
	var b strings.Builder
	if err := WriteCSV(&b, []Token{good, good}); err == nil || !strings.Contains(err.Error(), "same serial as token 1") {
		t.Errorf("duplicate serials: err = %v", err)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"upn,serial number,secret key,time interval,manufacturer,model\n", FormatAzure},
		{"\ufeff Serial Number;Secret Key\n", FormatAzure},
		{"serial,secret,type,algorithm,digits\n", FormatCSV},
		{"# version: 2\nalice,r,realm,s,3132\n", FormatOATHCSV},
		{"#comment\n\nserial1, 3132333435, totp\n", FormatOATHCSV},
		{"\n  <?xml version=\"1.0\"?><KeyContainer/>", FormatPSKC},
		{"# my tokens\notpauth://totp/a?secret=GEZDGNBV\n", FormatURIList},
		{"OTPAUTH://TOTP/a?secret=GEZDGNBV\n", FormatURIList},
	}
	for _, tc := range tests {
		got, err := Detect([]byte(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("Detect(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "  \n\n", "# only\n", "hello world\n", "serial,secret,algorithm,response_length\n"} {
		if f, err := Detect([]byte(in)); err == nil {
			t.Errorf("Detect(%q) = %v, want an error", in, f)
		}
	}
	_, err := Detect([]byte("hello, world\n"))
	if err == nil || !strings.Contains(err.Error(), "name the format") {
		t.Errorf("unrecognised file: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatAzure, FormatOATHCSV, FormatPSKC, FormatURIList, FormatCSV} {
		g, err := ParseFormat(f.String())
		if err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
		if f.Describe() == "" {
			t.Errorf("%v has no description", f)
		}
	}
	if _, err := ParseFormat("yubico"); err == nil {
		t.Error("ParseFormat accepted an unknown name")
	}
}

func TestLimits(t *testing.T) {
	const head = "upn,serial number,secret key,time interval,manufacturer,model\n"
	row := "a,%d,SN3OBMB5L7QXG5XF5WRGLFCH233655AF,30,T,M\n"
	var b strings.Builder
	b.WriteString(head)
	for i := range 4 {
		b.WriteString(strings.Replace(row, "%d", string(rune('a'+i)), 1))
	}
	err := parseErr(t, b.String(), Options{MaxTokens: 3})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	contains(t, err, "line 5", "more than 3 tokens")
	_, err = Parse(strings.NewReader(b.String()), Options{MaxBytes: 100})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	contains(t, err, "more than 100 bytes")
	if got, err := Parse(strings.NewReader(b.String()), Options{MaxTokens: 4}); err != nil || len(got) != 4 {
		t.Errorf("4 tokens under a limit of 4: %d, %v", len(got), err)
	}
}
