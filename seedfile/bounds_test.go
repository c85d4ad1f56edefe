package seedfile

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// pskcOneKey is a one-key PSKC file with the given algorithm URN suffix
// ("hotp" or "totp") and extra <Data> elements.
func pskcOneKey(kind, data string) string {
	return `<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage>` +
		`<DeviceInfo><SerialNo>S1</SerialNo></DeviceInfo><Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:` + kind + `">` +
		`<Data><Secret><PlainValue>` + base64.StdEncoding.EncodeToString(seed20) + `</PlainValue></Secret>` + data +
		`</Data></Key></KeyPackage></KeyContainer>`
}

func plainInt(elem string, v string) string {
	return "<" + elem + "><PlainValue>" + v + "</PlainValue></" + elem + ">"
}

// Counters beyond the store's signed 64-bit range, drifts beyond a year of
// steps and start times before 1970 or in the future are refused by every
// reader with a message naming the field, the value and the allowed range.
func TestOutOfRangeValuesRefusedByEveryReader(t *testing.T) {
	const head = "serial,secret,type,algorithm,digits,period,t0,counter,drift,manufacturer,model,user,issuer\n"
	s := otpcore.EncodeBase32(seed20)
	future := strconv.FormatInt(time.Now().Unix()+10*365*86400, 10)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"csv counter 2^64-1", head + "a," + s + ",hotp,SHA1,6,,,18446744073709551615,,,,,\n",
			[]string{"line 2", "counter 18446744073709551615", "9223372036854775807"}},
		{"csv counter 2^63", head + "a," + s + ",hotp,SHA1,6,,,9223372036854775808,,,,,\n",
			[]string{"line 2", "counter 9223372036854775808", "9223372036854775807"}},
		{"csv drift +2^63-1", head + "a," + s + ",totp,SHA1,6,30,0,,9223372036854775807,,,,\n",
			[]string{"line 2", "drift 9223372036854775807", "1054080"}},
		{"csv drift -2^63", head + "a," + s + ",totp,SHA1,6,30,0,,-9223372036854775808,,,,\n",
			[]string{"line 2", "drift -9223372036854775808", "1054080"}},
		{"csv t0 far future", head + "a," + s + ",totp,SHA1,6,30," + future + ",,0,,,,\n",
			[]string{"line 2", "T0 " + future}},
		{"csv t0 negative", head + "a," + s + ",totp,SHA1,6,30,-9223372036854775808,,0,,,,\n",
			[]string{"line 2", "T0 -9223372036854775808"}},
		{"oath csv counter", "S1," + hex.EncodeToString(seed20) + ",hotp,6,18446744073709551615\n",
			[]string{"line 1", "counter 18446744073709551615", "9223372036854775807"}},
		{"pskc counter", pskcOneKey("hotp", plainInt("Counter", "18446744073709551615")),
			[]string{"counter 18446744073709551615", "9223372036854775807"}},
		{"pskc drift", pskcOneKey("totp", plainInt("TimeDrift", "-9223372036854775808")),
			[]string{"drift -9223372036854775808", "1054080"}},
		{"pskc time", pskcOneKey("totp", plainInt("Time", future)),
			[]string{"T0 " + future}},
		{"otpauth counter", "otpauth://hotp/x:y?secret=" + s + "&issuer=x&counter=18446744073709551615\n",
			[]string{"line 1", "counter 18446744073709551615"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains(t, parseErr(t, tc.in, Options{}), tc.want...)
		})
	}
}

// The edges of the ranges read back unchanged.
func TestValuesAtTheEdgesAreAccepted(t *testing.T) {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	toks := []Token{
		{Serial: "H", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Counter: 1<<63 - 1},
		{Serial: "T+", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30, Drift: 1054080},
		{Serial: "T-", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20, Period: 30, Drift: -1054080},
	}
	sameTokens(t, mustParse(t, writeCSVString(t, toks), Options{}), toks)
	got := mustParse(t, pskcOneKey("totp", plainInt("Time", now)), Options{})
	if strconv.FormatInt(got[0].T0, 10) != now {
		t.Fatalf("T0 now read as %d", got[0].T0)
	}
}
