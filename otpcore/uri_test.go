package otpcore_test

import (
	"encoding/base32"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

func b32(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base32.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad base32 in test: %v", err)
	}
	return b
}

// roundTrip builds k's URI, parses it back and requires the very same
// KeyURI.
func roundTrip(t *testing.T, k otpcore.KeyURI) string {
	t.Helper()
	s, err := k.String()
	if err != nil {
		t.Fatalf("String(%+v): %v", k, err)
	}
	back, err := otpcore.ParseURI(s)
	if err != nil {
		t.Fatalf("ParseURI(%q): %v", s, err)
	}
	if !reflect.DeepEqual(back, k) {
		t.Errorf("round trip of %q:\n got %+v\nwant %+v", s, back, k)
	}
	// Form rules every URI must follow.
	if strings.ContainsAny(s, " +") {
		t.Errorf("%q contains a raw space or '+'", s)
	}
	_, query, _ := strings.Cut(s, "?")
	if !strings.HasPrefix(query, "secret=") {
		t.Errorf("%q: secret is not the first parameter", s)
	}
	return s
}

func TestKeyURIRoundTrip(t *testing.T) {
	secret := b32(t, "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ")
	cases := []struct {
		name string
		k    otpcore.KeyURI
		want string // exact URI when given, written by hand from the Key Uri Format
	}{
		{"google example", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "ACME Co", Account: "john.doe@email.com", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30},
			"otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"},
		{"hotp without issuer", otpcore.KeyURI{Kind: otpcore.KindHOTP, Account: "alice", Secret: rfc4226Key, Algorithm: otpcore.SHA256, Digits: 8, Counter: 42},
			"otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&counter=42"},
		{"non-ASCII", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "Zoë Ünïcode", Account: "東京", Secret: []byte{1}, Algorithm: otpcore.SHA512, Digits: 7, Period: 60},
			"otpauth://totp/Zo%C3%AB%20%C3%9Cn%C3%AFcode:%E6%9D%B1%E4%BA%AC?secret=AE&issuer=Zo%C3%AB%20%C3%9Cn%C3%AFcode&algorithm=SHA512&digits=7&period=60"},
		{"colon in account", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "Example", Account: "ldap:alice", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30},
			"otpauth://totp/Example:ldap%3Aalice?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=Example&algorithm=SHA1&digits=6&period=30"},
		{"spaces", otpcore.KeyURI{Kind: otpcore.KindHOTP, Issuer: "My Co Ltd", Account: "Alice Smith", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6},
			"otpauth://hotp/My%20Co%20Ltd:Alice%20Smith?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=My%20Co%20Ltd&algorithm=SHA1&digits=6&counter=0"},
		{"non-ASCII account, no issuer", otpcore.KeyURI{Kind: otpcore.KindTOTP, Account: "Zoë Ünïcode", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30}, ""},
		{"reserved characters", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "A&B=C+D%E/F?G#H", Account: "x&secret=AAAA?#/%+;,", Secret: secret, Algorithm: otpcore.SHA256, Digits: 6, Period: 30}, ""},
		{"at, dots, tilde", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "a.b-c_d~e", Account: "first.last+tag@example.co.uk", Secret: secret, Algorithm: otpcore.SHA1, Digits: 8, Period: 30}, ""},
		{"largest counter", otpcore.KeyURI{Kind: otpcore.KindHOTP, Issuer: "東京", Account: "x", Secret: make([]byte, otpcore.MaxKeyLen), Algorithm: otpcore.SHA512, Digits: 8, Counter: math.MaxUint64}, ""},
		{"odd period", otpcore.KeyURI{Kind: otpcore.KindTOTP, Account: "a", Secret: []byte("k"), Algorithm: otpcore.SHA1, Digits: 6, Period: 1}, ""},
		{"control characters", otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "tab\there", Account: "nl\nx\x00", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := roundTrip(t, c.k)
			if c.want != "" && s != c.want {
				t.Errorf("String() =\n %s\nwant\n %s", s, c.want)
			}
			if c.k.Issuer != "" && !strings.Contains(s, "&issuer=") {
				t.Errorf("%q has no issuer parameter", s)
			}
		})
	}
}

func TestParseURIExamples(t *testing.T) {
	hello := []byte("Hello!\xde\xad\xbe\xef") // JBSWY3DPEHPK3PXP
	gezd := rfc4226Key                        // GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	totp := func(issuer, account string, secret []byte) otpcore.KeyURI {
		return otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: issuer, Account: account, Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30}
	}
	cases := []struct {
		name, uri string
		want      otpcore.KeyURI
	}{
		// Google's Key Uri Format examples.
		{"google: issuer in both places", "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
			totp("Example", "alice@google.com", hello)},
		{"google: all parameters", "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
			totp("ACME Co", "john.doe@email.com", b32(t, "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"))},
		{"google: account only", "otpauth://totp/alice@google.com?secret=JBSWY3DPEHPK3PXP",
			totp("", "alice@google.com", hello)},
		{"google: %20 after the colon", "otpauth://totp/Example:%20alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
			totp("Example", "alice@google.com", hello)},
		{"google: hotp", "otpauth://hotp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&counter=7",
			otpcore.KeyURI{Kind: otpcore.KindHOTP, Issuer: "Example", Account: "alice@google.com", Secret: hello, Algorithm: otpcore.SHA1, Digits: 6, Counter: 7}},

		// django-otp's config_url (notes/django-otp.md 1.2, 1.3).
		{"django: no issuer", "otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30",
			totp("", "alice", gezd)},
		{"django: %3A separator", "otpauth://totp/My%20Co%20Ltd%3Aalice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=My%20Co%20Ltd",
			totp("My Co Ltd", "alice", gezd)},
		{"django: %40 in the user name", "otpauth://totp/My%20Co%20Ltd%3Aalice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&issuer=My%20Co%20Ltd",
			totp("My Co Ltd", "alice@example.com", gezd)},
		{"django: padded 16-byte secret", "otpauth://totp/alice?secret=AAISEM2EKVTHPCEZVK54ZXPO74%3D%3D%3D%3D%3D%3D&algorithm=SHA1&digits=6&period=30",
			totp("", "alice", b32(t, "AAISEM2EKVTHPCEZVK54ZXPO74======"))},
		{"django: hotp", "otpauth://hotp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&counter=5&issuer=My%20Co",
			otpcore.KeyURI{Kind: otpcore.KindHOTP, Issuer: "My Co", Account: "alice", Secret: gezd, Algorithm: otpcore.SHA1, Digits: 6, Counter: 5}},
		{"django: image parameter ignored", "otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30&image=https%3A//example.com/logo.png",
			totp("", "alice", gezd)},

		// Variations seen in the wild.
		{"upper-case scheme and type", "OTPAUTH://TOTP/Example:alice?secret=JBSWY3DPEHPK3PXP",
			totp("Example", "alice", hello)},
		{"lower-case secret", "otpauth://totp/alice?secret=jbswy3dpehpk3pxp", totp("", "alice", hello)},
		{"issuer parameter wins over the label", "otpauth://totp/Old:alice?secret=JBSWY3DPEHPK3PXP&issuer=New",
			totp("New", "alice", hello)},
		{"label issuer only", "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP", totp("Example", "alice", hello)},
		{"'+' in the issuer parameter is a space", "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co", totp("ACME Co", "alice", hello)},
		{"'+' in the label is a plus", "otpauth://totp/alice+tag@example.com?secret=JBSWY3DPEHPK3PXP", totp("", "alice+tag@example.com", hello)},
		{"second colon belongs to the account", "otpauth://totp/Example:ldap:alice?secret=JBSWY3DPEHPK3PXP", totp("Example", "ldap:alice", hello)},
		{"non-ASCII raw", "otpauth://totp/東京:Zoë?secret=JBSWY3DPEHPK3PXP&issuer=東京", totp("東京", "Zoë", hello)},
		{"non-ASCII escaped", "otpauth://totp/%E6%9D%B1%E4%BA%AC:Zo%C3%AB?secret=JBSWY3DPEHPK3PXP", totp("東京", "Zoë", hello)},
		{"everything", "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&algorithm=sha512&digits=8&period=60",
			otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "X", Account: "y", Secret: hello, Algorithm: otpcore.SHA512, Digits: 8, Period: 60}},
		{"sha256, 7 digits", "otpauth://totp/y?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=7", otpcore.KeyURI{Kind: otpcore.KindTOTP, Account: "y", Secret: hello, Algorithm: otpcore.SHA256, Digits: 7, Period: 30}},
		{"counter ignored for totp", "otpauth://totp/y?secret=JBSWY3DPEHPK3PXP&counter=9", totp("", "y", hello)},
		{"period ignored for hotp", "otpauth://hotp/y?secret=JBSWY3DPEHPK3PXP&period=60",
			otpcore.KeyURI{Kind: otpcore.KindHOTP, Account: "y", Secret: hello, Algorithm: otpcore.SHA1, Digits: 6}},
		{"fragment ignored", "otpauth://totp/y?secret=JBSWY3DPEHPK3PXP#x", totp("", "y", hello)},
		{"empty issuer parameter keeps the label's", "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=", totp("Example", "alice", hello)},
		{"empty label issuer, colon in account, issuer parameter", "otpauth://totp/:ldap:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example", totp("Example", "ldap:alice", hello)},
		{"longest names", "otpauth://totp/" + strings.Repeat("%E6%9D%B1", 85) + "I:" + strings.Repeat("%C3%AB", 128) + "?secret=JBSWY3DPEHPK3PXP",
			totp(strings.Repeat("東", 85)+"I", strings.Repeat("ë", 128), hello)},
		{"surrounding whitespace", "  otpauth://totp/y?secret=JBSWY3DPEHPK3PXP\n", totp("", "y", hello)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := otpcore.ParseURI(c.uri)
			if err != nil {
				t.Fatalf("ParseURI: %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			// What we parse, we can write back out and read again.
			roundTrip(t, got)
		})
	}
}

func TestParseURIErrors(t *testing.T) {
	const sec = "JBSWY3DPEHPK3PXP"
	cases := []struct {
		name, uri, want string
	}{
		{"wrong scheme", "https://totp/alice?secret=" + sec, "otpauth://"},
		{"no slashes", "otpauth:totp/alice?secret=" + sec, "otpauth://"},
		{"empty", "", "otpauth://"},
		{"no label", "otpauth://totp", "label"},
		{"unknown type", "otpauth://motp/alice?secret=" + sec, "totp or hotp"},
		{"empty type", "otpauth:///alice?secret=" + sec, "totp or hotp"},
		{"missing secret", "otpauth://totp/alice?issuer=Example", "secret"},
		{"empty secret", "otpauth://totp/alice?secret=&issuer=Example", "secret"},
		{"bad secret character", "otpauth://totp/alice?secret=JBSWY3DPEHPK3PX1", "position 16"},
		{"bad secret length", "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXPA", "whole number"},
		{"secret too long", "otpauth://totp/alice?secret=" + strings.Repeat("JBSWY3DP", 26), "too long"},
		{"empty account", "otpauth://totp/?secret=" + sec, "account"},
		{"empty account after issuer", "otpauth://totp/Example:?secret=" + sec, "account"},
		{"blank account", "otpauth://totp/Example:%20%20?secret=" + sec, "account"},
		{"digits 5", "otpauth://totp/alice?secret=" + sec + "&digits=5", "digits"},
		{"digits 9", "otpauth://totp/alice?secret=" + sec + "&digits=9", "digits"},
		{"digits x", "otpauth://totp/alice?secret=" + sec + "&digits=six", "digits"},
		{"period 0", "otpauth://totp/alice?secret=" + sec + "&period=0", "period"},
		{"period -1", "otpauth://totp/alice?secret=" + sec + "&period=-1", "period"},
		{"period 1.5", "otpauth://totp/alice?secret=" + sec + "&period=1.5", "period"},
		{"unknown algorithm", "otpauth://totp/alice?secret=" + sec + "&algorithm=MD5", "algorithm"},
		{"negative counter", "otpauth://hotp/alice?secret=" + sec + "&counter=-1", "counter"},
		{"counter overflow", "otpauth://hotp/alice?secret=" + sec + "&counter=18446744073709551616", "counter"},
		{"colon in issuer parameter", "otpauth://totp/alice?secret=" + sec + "&issuer=a:b", "issuer"},
		{"bad escape in label", "otpauth://totp/ali%zzce?secret=" + sec, "escape"},
		{"bad escape in query", "otpauth://totp/alice?secret=" + sec + "&issuer=%zz", "query"},
		{"too long", "otpauth://totp/alice?secret=" + sec + "&x=" + strings.Repeat("a", 5000), "longer"},
		// Without an issuer a ':' in the account cannot be written so that
		// apps (or we) read it back as part of the account.
		{"colon in account, no issuer", "otpauth://totp/:ldap:alice?secret=" + sec, "issuer"},
		{"colon in account, empty issuer", "otpauth://totp/:ldap%3Aalice?secret=" + sec + "&issuer=", "issuer"},
		{"account too long", "otpauth://totp/" + strings.Repeat("%C3%AB", 129) + "?secret=" + sec, "at most 256 bytes"},
		{"issuer too long", "otpauth://totp/alice?secret=" + sec + "&issuer=" + strings.Repeat("x", 257), "at most 256 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := otpcore.ParseURI(c.uri)
			if err == nil {
				t.Fatalf("accepted as %+v", k)
			}
			var ue *otpcore.URIError
			if !errors.As(err, &ue) {
				t.Errorf("error %v is %T, want *URIError", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			// The secret must not leak, in any case or spacing.
			if _, q, ok := strings.Cut(c.uri, "secret="); ok {
				s, _, _ := strings.Cut(q, "&")
				leaksKey(t, s, err.Error())
				leaksKey(t, strings.ToLower(s), err.Error())
			}
		})
	}
}

func TestKeyURIStringRefuses(t *testing.T) {
	secret := []byte("SECRETSECRETSECRET!!")
	enc := otpcore.EncodeBase32(secret)
	good := otpcore.KeyURI{Kind: otpcore.KindTOTP, Issuer: "I", Account: "a", Secret: secret, Algorithm: otpcore.SHA1, Digits: 6, Period: 30}
	if _, err := good.String(); err != nil {
		t.Fatalf("the base case is refused: %v", err)
	}
	cases := []struct {
		name string
		edit func(*otpcore.KeyURI)
		want string
	}{
		{"no kind", func(k *otpcore.KeyURI) { k.Kind = "" }, "totp or hotp"},
		{"bad kind", func(k *otpcore.KeyURI) { k.Kind = "motp" }, "totp or hotp"},
		{"no account", func(k *otpcore.KeyURI) { k.Account = "" }, "account"},
		{"colon in issuer", func(k *otpcore.KeyURI) { k.Issuer = "a:b" }, "issuer"},
		{"no secret", func(k *otpcore.KeyURI) { k.Secret = nil }, "secret"},
		{"secret too long", func(k *otpcore.KeyURI) { k.Secret = make([]byte, otpcore.MaxKeyLen+1) }, "secret"},
		{"no algorithm", func(k *otpcore.KeyURI) { k.Algorithm = 0 }, "algorithm"},
		{"digits 0", func(k *otpcore.KeyURI) { k.Digits = 0 }, "digits"},
		{"digits 10", func(k *otpcore.KeyURI) { k.Digits = 10 }, "digits"},
		{"period 0", func(k *otpcore.KeyURI) { k.Period = 0 }, "period"},
		{"period -30", func(k *otpcore.KeyURI) { k.Period = -30 }, "period"},
		{"colon in account without issuer", func(k *otpcore.KeyURI) { k.Issuer, k.Account = "", "ldap:alice" }, "issuer"},
		{"account too long", func(k *otpcore.KeyURI) { k.Account = strings.Repeat("a", 257) }, "256"},
		{"issuer too long", func(k *otpcore.KeyURI) { k.Issuer = strings.Repeat("i", 257) }, "256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := good
			c.edit(&k)
			s, err := k.String()
			if err == nil {
				t.Fatalf("built %q", s)
			}
			if s != "" {
				t.Errorf("returned %q with the error", s)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			leaksKey(t, enc, err.Error())
			leaksKey(t, string(secret), err.Error())
		})
	}
	// A HOTP key needs no period.
	h := good
	h.Kind, h.Period, h.Counter = otpcore.KindHOTP, 0, 3
	roundTrip(t, h)
}
