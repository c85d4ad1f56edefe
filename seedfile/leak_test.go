package seedfile

import (
	"strings"
	"testing"
)

// The secrets below are malformed in ways that make parsing fail. No
// error may contain them or any five-character piece of them: a mistyped
// seed is still a seed, and error messages end up in logs and tickets.
const (
	b32Secret = "KRUGS4ZANFZSAYLOEB1XGZLDOJSXIIDTMVSWI" // '1' is not base32
	hexSecret = "7be1c0ffee5eedfacade0ddba11c0deg"      // 'g' is not hex
	b64Secret = "S2VlcFRoaXNTZWNyZXQh*QUJD"             // '*' is not base64
)

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := strings.ToLower(err.Error())
	for _, s := range secrets {
		s = strings.ToLower(s)
		for i := 0; i+5 <= len(s); i++ {
			if strings.Contains(msg, s[i:i+5]) {
				t.Fatalf("error %q contains %q, part of the secret", err, s[i:i+5])
			}
		}
	}
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	const az = "upn,serial number,secret key,time interval,manufacturer,model\n"
	const nc = "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n"
	good := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	longB32 := strings.Repeat("KRUGS4ZANFZSAYLO", 40) // far above the key length limit
	cases := []struct {
		name   string
		in     string
		opt    Options
		secret string
	}{
		{"azure bad base32", az + "a@b,1," + b32Secret + ",30,Token2,C202\n", Options{}, b32Secret},
		{"azure hex-looking", az + "a@b,1," + hexSecret + ",30,Token2,C202\n", Options{}, hexSecret},
		{"azure hex option", az + "a@b,1," + hexSecret + ",30,Token2,C202\n", Options{SecretEncoding: EncodingHex}, hexSecret},
		{"azure too long", az + "a@b,1," + longB32 + ",30,Token2,C202\n", Options{}, longB32},
		{"azure secret in interval column", az + "a@b,1," + good + "," + b32Secret + ",Token2,C202\n", Options{}, b32Secret},
		{"azure no header", "a@b,1," + b32Secret + ",30,Token2,C202\n", Options{Format: FormatAzure}, b32Secret},
		{"azure secret as header", b32Secret + "\n", Options{Format: FormatAzure}, b32Secret},
		{"azure quote error", az + "a@b,1,\"" + b32Secret + "\"x,30\n", Options{}, b32Secret},
		{"oath bad hex", "s1," + hexSecret + ",totp,6,30\n", Options{}, hexSecret},
		{"oath secret in type", "s1,3132," + b32Secret + ",6,30\n", Options{Format: FormatOATHCSV}, b32Secret},
		{"oath secret in digits", "s1,3132,totp," + b32Secret + ",30\n", Options{}, b32Secret},
		{"oath secret in step", "s1,3132,totp,6," + b32Secret + "\n", Options{}, b32Secret},
		{"oath secret in hash", "s1,3132,totp,6,30," + b32Secret + "\n", Options{}, b32Secret},
		{"oath v2 shifted", "# version: 2\nalice,s1," + hexSecret + ",totp,6,30\n", Options{}, hexSecret},
		{"native bad base32", nc + "s," + b32Secret + ",totp,SHA1,6,30,0,,0,,,,\n", Options{}, b32Secret},
		{"native secret in type", nc + "s," + good + "," + b32Secret + ",SHA1,6,30,0,,0,,,,\n", Options{}, b32Secret},
		{"native secret in algorithm", nc + "s," + good + ",totp," + b32Secret + ",6,30,0,,0,,,,\n", Options{}, b32Secret},
		{"native secret in period", nc + "s," + good + ",totp,SHA1,6," + b32Secret + ",0,,0,,,,\n", Options{}, b32Secret},
		{"native secret in counter", nc + "s," + good + ",hotp,SHA1,6,,," + b32Secret + ",,,,,\n", Options{}, b32Secret},
		{"native secret as header", b32Secret + ",secret,type\n", Options{Format: FormatCSV}, b32Secret},
		{"uri bad base32", "otpauth://totp/a?secret=" + b32Secret + "\n", Options{}, b32Secret},
		{"uri bad escape", "otpauth://totp/a?secret=" + b32Secret + "%zz\n", Options{}, b32Secret},
		{"uri bad digits", "otpauth://totp/a?secret=" + good + "&digits=" + b32Secret + "\n", Options{}, b32Secret},
		{"uri migration", "otpauth-migration://offline?data=" + b64Secret + "\n", Options{}, b64Secret},
		{"pskc bad base64", pskcWith(`<PlainValue>` + b64Secret + `</PlainValue>`), Options{}, b64Secret},
		{"pskc entity in secret", pskcWith(`<PlainValue>S2VlcFRo&` + b32Secret + `;</PlainValue>`), Options{}, b32Secret},
		{"pskc broken tag in secret", pskcWith(`<PlainValue>` + b32Secret + `<` + b32Secret + `</PlainValue>`), Options{}, b32Secret},
		{"pskc element named like the secret", pskcWith(`<PlainValue><` + b32Secret + `></PlainValue>`), Options{}, b32Secret},
		{"pskc bad ciphervalue", pskcWith(encryptedBlock(uriAES128CBC, b64Secret)), Options{Key: make([]byte, 16)}, b64Secret},
		{"pskc truncated in secret", truncatedInSecret(), Options{Format: FormatPSKC}, b32Secret},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBytes([]byte(tc.in), tc.opt)
			assertNoSecret(t, err, tc.secret)
		})
	}
}

func pskcWith(secretContent string) string {
	return `<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><KeyPackage>` +
		`<DeviceInfo><SerialNo>S1</SerialNo></DeviceInfo><Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret>` +
		secretContent + `</Secret></Data></Key></KeyPackage></KeyContainer>`
}

func truncatedInSecret() string {
	s := pskcWith(`<PlainValue>` + b32Secret)
	return s[:strings.Index(s, b32Secret)+20]
}
