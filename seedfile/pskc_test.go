package seedfile

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/two-factor/two-factor/otpcore"
)

// encValue returns base64(IV ‖ AES-CBC(plain)) with a fixed IV, the way a
// PSKC producer writes <CipherValue>.
func encValue(t *testing.T, key, plain []byte) (string, []byte) {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := cbcEncrypt(b, bytes.Repeat([]byte{0xA5}, 16), plain)
	return base64.StdEncoding.EncodeToString(ct), ct
}

func hmacB64(key, msg []byte, sha256ed bool) string {
	h := sha1.New
	if sha256ed {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	m := hmac.New(h, key)
	m.Write(msg)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func encryptedBlock(alg, cipherValue string) string {
	return `<EncryptedValue><xenc:EncryptionMethod Algorithm="` + alg + `"/><xenc:CipherData><xenc:CipherValue>` +
		cipherValue + `</xenc:CipherValue></xenc:CipherData></EncryptedValue>`
}

func TestPSKCPlain(t *testing.T) {
	// The shape of RFC 6030's HOTP example: default namespace, DeviceInfo
	// UserId, CryptoModuleInfo, Issuer, Key UserId.
	rfc := `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" Id="exampleID1" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage>
    <DeviceInfo>
      <Manufacturer>Manufacturer</Manufacturer>
      <SerialNo>987654321</SerialNo>
      <UserId>DC=example-bank,DC=net</UserId>
    </DeviceInfo>
    <CryptoModuleInfo><Id>CM_ID_001</Id></CryptoModuleInfo>
    <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <Issuer>Issuer</Issuer>
      <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>MTIzNDU2Nzg5MDEy
            MzQ1Njc4OTA=</PlainValue></Secret>
        <Counter><PlainValue>0</PlainValue></Counter>
      </Data>
      <UserId>UID=jsmith,DC=example-bank,DC=net</UserId>
    </Key>
  </KeyPackage>
</KeyContainer>`
	// Feitian's TOTP shape (from privacyIDEA's test data): Time, 60 s,
	// Policy, no Suite.
	feitian := `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage>
    <DeviceInfo><Manufacturer>Feitian Technology Co.,Ltd</Manufacturer><SerialNo>2600124809778</SerialNo></DeviceInfo>
    <Key Id="2600124809778" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>
        <Time><PlainValue>0</PlainValue></Time>
        <TimeInterval><PlainValue>60</PlainValue></TimeInterval>
      </Data>
      <Policy><StartDate>2012-08-01T00:00:00Z</StartDate><ExpiryDate>2037-12-31T00:00:00Z</ExpiryDate></Policy>
    </Key>
  </KeyPackage>
</KeyContainer>`
	// Prefixed names, Suite, drift, a serial only in the Key Id, an
	// ISO-8859-1 declaration, unpadded base64, a signature to skip.
	latin1 := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" +
		`<p:KeyContainer xmlns:p="urn:ietf:params:xml:ns:keyprov:pskc" Version="1">
 <p:KeyPackage>
  <p:DeviceInfo><p:Manufacturer>M` + "\xfc" + `ller AG</p:Manufacturer><p:Model>X1</p:Model></p:DeviceInfo>
  <p:Key Id=" K-1 " Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
   <p:AlgorithmParameters><p:Suite>HMAC-SHA256</p:Suite><p:ResponseFormat Length="8"/></p:AlgorithmParameters>
   <p:Data>
    <p:Secret><p:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI</p:PlainValue></p:Secret>
    <p:Time><p:PlainValue>1000</p:PlainValue></p:Time>
    <p:TimeDrift><p:PlainValue>-3</p:PlainValue></p:TimeDrift>
    <p:Counter><p:PlainValue>12</p:PlainValue></p:Counter>
   </p:Data>
  </p:Key>
 </p:KeyPackage>
 <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>
</p:KeyContainer>`
	tests := []struct {
		name string
		in   string
		want []Token
	}{
		{"rfc 6030 hotp", rfc, []Token{{Serial: "987654321", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 8, Secret: seed20,
			Manufacturer: "Manufacturer", User: "UID=jsmith,DC=example-bank,DC=net", Issuer: "Issuer"}}},
		{"feitian totp", feitian, []Token{{Serial: "2600124809778", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA1, Digits: 6, Secret: seed20,
			Period: 60, Manufacturer: "Feitian Technology Co.,Ltd"}}},
		{"prefixed, latin-1, drift", latin1, []Token{{Serial: "K-1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256, Digits: 8, Secret: seed32,
			Period: 30, T0: 1000, Drift: -3, Manufacturer: "Müller AG", Model: "X1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []Format{FormatAuto, FormatPSKC} {
				sameTokens(t, mustParse(t, tc.in, Options{Format: f}), tc.want)
			}
		})
	}
	got := mustParse(t, rfc, Options{})
	if got[0].Origin != `KeyPackage 1 (line 3, Key Id "12345678")` {
		t.Errorf("Origin = %q", got[0].Origin)
	}
	// DeviceInfo UserId stands in when the Key has none.
	got = mustParse(t, strings.Replace(rfc, "<UserId>UID=jsmith,DC=example-bank,DC=net</UserId>", "", 1), Options{})
	if got[0].User != "DC=example-bank,DC=net" {
		t.Errorf("User = %q", got[0].User)
	}
}

// preSharedFile builds a pre-shared-key AES-128-CBC file with an HMAC-SHA1
// MAC the way RFC 6030 section 6.1.1 describes it.
func preSharedFile(t *testing.T, key, macKey []byte, macOverride string) string {
	encMK, _ := encValue(t, key, macKey)
	secret, ct := encValue(t, key, seed20)
	mac := hmacB64(macKey, ct, false)
	if macOverride != "" {
		mac = macOverride
	}
	counter, cct := encValue(t, key, []byte{0x01, 0x00}) // 256, big-endian as python-pskc writes it
	return `<?xml version="1.0" encoding="UTF-8"?>
<pskc:KeyContainer xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Version="1.0">
 <pskc:EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></pskc:EncryptionKey>
 <pskc:MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
  <pskc:MACKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
   <xenc:CipherData><xenc:CipherValue>` + encMK + `</xenc:CipherValue></xenc:CipherData></pskc:MACKey>
 </pskc:MACMethod>
 <pskc:KeyPackage>
  <pskc:DeviceInfo><pskc:Manufacturer>Manufacturer</pskc:Manufacturer><pskc:SerialNo>987654321</pskc:SerialNo></pskc:DeviceInfo>
  <pskc:Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
   <pskc:AlgorithmParameters><pskc:ResponseFormat Length="8" Encoding="DECIMAL"/></pskc:AlgorithmParameters>
   <pskc:Data>
    <pskc:Secret>` + strings.ReplaceAll(encryptedBlock(uriAES128CBC, secret), "EncryptedValue>", "pskc:EncryptedValue>") + `
     <pskc:ValueMAC>` + mac + `</pskc:ValueMAC></pskc:Secret>
    <pskc:Counter>` + strings.ReplaceAll(encryptedBlock(uriAES128CBC, counter), "EncryptedValue>", "pskc:EncryptedValue>") + `
     <pskc:ValueMAC>` + hmacB64(macKey, cct, false) + `</pskc:ValueMAC></pskc:Counter>
   </pskc:Data>
  </pskc:Key>
 </pskc:KeyPackage>
</pskc:KeyContainer>`
}

func TestPSKCPreSharedKey(t *testing.T) {
	key := []byte("0123456789abcdef")
	macKey := []byte("MAC key of twenty b.")
	file := preSharedFile(t, key, macKey, "")
	want := []Token{{Serial: "987654321", Kind: otpcore.KindHOTP, Algorithm: otpcore.SHA1, Digits: 8, Secret: seed20, Counter: 256, Manufacturer: "Manufacturer"}}
	sameTokens(t, mustParse(t, file, Options{Key: key}), want)
	sameTokens(t, mustParse(t, file, Options{Key: key, RequireMAC: true}), want)

	err := parseErr(t, file, Options{})
	if !errors.Is(err, ErrKeyRequired) {
		t.Errorf("no key: %v", err)
	}
	contains(t, err, "EncryptionKey", `"Pre-shared-key"`)
	if err := parseErr(t, file, Options{Password: "x"}); !errors.Is(err, ErrKeyRequired) || !strings.Contains(err.Error(), "no password") {
		t.Errorf("password for a pre-shared-key file: %v", err)
	}
	if err := parseErr(t, file, Options{Key: key[:8]}); !strings.Contains(err.Error(), "8 bytes") {
		t.Errorf("short key: %v", err)
	}
	err = parseErr(t, file, Options{Key: []byte("fedcba9876543210")})
	if !errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrMACMismatch) {
		t.Errorf("wrong key: %v", err)
	}
	// A MAC that does not match is an error, never a warning.
	bad := preSharedFile(t, key, macKey, hmacB64([]byte("other"), []byte("x"), false))
	err = parseErr(t, bad, Options{Key: key})
	if !errors.Is(err, ErrMACMismatch) {
		t.Errorf("tampered MAC: %v", err)
	}
	contains(t, err, "KeyPackage 1", "Secret")
	// Without a ValueMAC the value is accepted unless a MAC is required.
	noMAC := strings.Replace(file, "<pskc:ValueMAC>"+hmacB64(macKey, mustCT(t, key, seed20), false)+"</pskc:ValueMAC>", "", 1)
	if noMAC == file {
		t.Fatal("test did not remove the MAC")
	}
	sameTokens(t, mustParse(t, noMAC, Options{Key: key}), want)
	contains(t, parseErr(t, noMAC, Options{Key: key, RequireMAC: true}), "KeyPackage 1", "no ValueMAC")
}

func mustCT(t *testing.T, key, plain []byte) []byte {
	_, ct := encValue(t, key, plain)
	return ct
}

// TestPSKCPrivacyIDEAExport reads the shape privacyIDEA's exporter writes:
// Suite as a hashalgo attribute, ValueMAC beside Secret, Time, Counter and
// TimeInterval on every token whatever its type.
func TestPSKCPrivacyIDEAExport(t *testing.T) {
	key := []byte("0123456789abcdef")
	secret, _ := encValue(t, key, seed32)
	encMK, _ := encValue(t, key, []byte("mac key mac key mac."))
	file := `<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
 <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>
 <MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKey>
  <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
  <xenc:CipherData><xenc:CipherValue>` + encMK + `</xenc:CipherValue></xenc:CipherData></MACKey></MACMethod>
 <KeyPackage><DeviceInfo><Manufacturer>description</Manufacturer><SerialNo>TOTP0001</SerialNo></DeviceInfo>
  <Key Id="TOTP0001" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
   <Issuer>privacyIDEA</Issuer>
   <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/><Suite hashalgo="sha256" /></AlgorithmParameters>
   <Data><Secret>` + encryptedBlock(uriAES128CBC, secret) + `</Secret><ValueMAC>TODOmissing</ValueMAC>
    <Time><PlainValue>0</PlainValue></Time><TimeInterval><PlainValue>30</PlainValue></TimeInterval>
    <Counter><PlainValue>4</PlainValue></Counter><TimeDrift><PlainValue>0</PlainValue></TimeDrift></Data>
  </Key></KeyPackage>
</KeyContainer>`
	sameTokens(t, mustParse(t, file, Options{Key: key}), []Token{{Serial: "TOTP0001", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA256,
		Digits: 6, Secret: seed32, Period: 30, Manufacturer: "description", Issuer: "privacyIDEA"}})
}

// pbkdf2File builds a password-protected file; prfAsText writes the PRF
// URI as element text, the way python-pskc does.
func pbkdf2File(t *testing.T, password, alg string, keyLen int, prfAsText bool, iter string) string {
	salt := []byte("saltsaltsaltsalt")
	key, err := pbkdf2.Key(sha256.New, password, salt, 1000, keyLen)
	if err != nil {
		t.Fatal(err)
	}
	macKey := bytes.Repeat([]byte{7}, 32)
	encMK, _ := encValue(t, key, macKey)
	secret, ct := encValue(t, key, seed64)
	drift, dct := encValue(t, key, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}) // -2 as 8-byte two's complement
	interval, ict := encValue(t, key, []byte("60"))                                        // ASCII decimal
	prf := `<PRF Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>`
	if prfAsText {
		prf = `<PRF>http://www.w3.org/2001/04/xmldsig-more#hmac-sha256</PRF>`
	}
	return `<?xml version="1.0"?>
<pskc:KeyContainer xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Version="1.0">
 <pskc:EncryptionKey><xenc11:DerivedKey>
  <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">
   <pkcs5:PBKDF2-params><Salt><Specified>` + base64.StdEncoding.EncodeToString(salt) + `</Specified></Salt>
    <IterationCount>` + iter + `</IterationCount><KeyLength>` + itoa(keyLen) + `</KeyLength>` + prf + `</pkcs5:PBKDF2-params>
  </xenc11:KeyDerivationMethod>
  <xenc11:MasterKeyName>My Password 1</xenc11:MasterKeyName>
 </xenc11:DerivedKey></pskc:EncryptionKey>
 <pskc:MACMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"><pskc:MACKey>
  <xenc:EncryptionMethod Algorithm="` + alg + `"/><xenc:CipherData><xenc:CipherValue>` + encMK + `</xenc:CipherValue></xenc:CipherData>
 </pskc:MACKey></pskc:MACMethod>
 <pskc:KeyPackage><pskc:DeviceInfo><pskc:SerialNo>P1</pskc:SerialNo></pskc:DeviceInfo>
  <pskc:Key Id="P1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
   <pskc:AlgorithmParameters><pskc:Suite>SHA512</pskc:Suite><pskc:ResponseFormat Length="7" Encoding="DECIMAL"/></pskc:AlgorithmParameters>
   <pskc:Data>
    <pskc:Secret>` + encryptedBlock(alg, secret) + `<pskc:ValueMAC>` + hmacB64(macKey, ct, true) + `</pskc:ValueMAC></pskc:Secret>
    <pskc:TimeInterval>` + encryptedBlock(alg, interval) + `<pskc:ValueMAC>` + hmacB64(macKey, ict, true) + `</pskc:ValueMAC></pskc:TimeInterval>
    <pskc:TimeDrift>` + encryptedBlock(alg, drift) + `<pskc:ValueMAC>` + hmacB64(macKey, dct, true) + `</pskc:ValueMAC></pskc:TimeDrift>
   </pskc:Data>
  </pskc:Key></pskc:KeyPackage>
</pskc:KeyContainer>`
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestPSKCPassword(t *testing.T) {
	want := []Token{{Serial: "P1", Kind: otpcore.KindTOTP, Algorithm: otpcore.SHA512, Digits: 7, Secret: seed64, Period: 60, Drift: -2}}
	for _, c := range []struct {
		alg    string
		keyLen int
	}{{uriAES128CBC, 16}, {uriAES192CBC, 24}, {uriAES256CBC, 32}} {
		for _, asText := range []bool{false, true} {
			file := pbkdf2File(t, "qwerty", c.alg, c.keyLen, asText, "1000")
			sameTokens(t, mustParse(t, file, Options{Password: "qwerty"}), want)
		}
	}
	file := pbkdf2File(t, "qwerty", uriAES128CBC, 16, false, "1000")
	if err := parseErr(t, file, Options{}); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("no password: %v", err)
	}
	err := parseErr(t, file, Options{Password: "wrong"})
	if !errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrMACMismatch) {
		t.Errorf("wrong password: %v", err)
	}
	// Whoever has the derived key may use it instead of the password.
	key, _ := pbkdf2.Key(sha256.New, "qwerty", []byte("saltsaltsaltsalt"), 1000, 16)
	sameTokens(t, mustParse(t, file, Options{Key: key}), want)

	// Without KeyLength the key is derived when the cipher is known, not
	// ahead of time; the result is the same.
	noLen := strings.Replace(file, "<KeyLength>16</KeyLength>", "", 1)
	if noLen == file {
		t.Fatal("KeyLength not removed")
	}
	sameTokens(t, mustParse(t, noLen, Options{Password: "qwerty"}), want)

	huge := pbkdf2File(t, "qwerty", uriAES128CBC, 16, false, "2000000000")
	contains(t, parseErr(t, huge, Options{Password: "qwerty"}), "IterationCount", "limit")
	zero := pbkdf2File(t, "qwerty", uriAES128CBC, 16, false, "0")
	contains(t, parseErr(t, zero, Options{Password: "qwerty"}), "IterationCount")
	mismatch := strings.Replace(file, "<KeyLength>16<", "<KeyLength>32<", 1)
	contains(t, parseErr(t, mismatch, Options{Password: "qwerty"}), "KeyLength 32")
	prf := strings.Replace(file, "xmldsig-more#hmac-sha256\"/>", "xmldsig-more#hmac-md5\"/>", 1)
	contains(t, parseErr(t, prf, Options{Password: "qwerty"}), "PRF", "hmac-md5")
}

func TestPSKCErrors(t *testing.T) {
	wrap := func(key string) string {
		return `<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage><DeviceInfo><SerialNo>S1</SerialNo></DeviceInfo>` +
			key + `</KeyPackage></KeyContainer>`
	}
	okData := `<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data>`
	totp := `<Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">`
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"ocra", wrap(`<Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1">` + okData + `</Key>`), []string{"KeyPackage 1", "OCRA-1", "not supported"}},
		{"no algorithm", wrap(`<Key Id="k">` + okData + `</Key>`), []string{"KeyPackage 1", "no Algorithm"}},
		{"digits", wrap(totp + `<AlgorithmParameters><ResponseFormat Length="4"/></AlgorithmParameters>` + okData + `</Key>`), []string{"KeyPackage 1", "digits"}},
		{"hex response", wrap(totp + `<AlgorithmParameters><ResponseFormat Length="6" Encoding="HEXADECIMAL"/></AlgorithmParameters>` + okData + `</Key>`), []string{"Encoding"}},
		{"suite", wrap(totp + `<AlgorithmParameters><Suite>HMAC-MD5</Suite></AlgorithmParameters>` + okData + `</Key>`), []string{"Suite", "HMAC-MD5"}},
		{"no secret", wrap(totp + `<Data/></Key>`), []string{"no Secret"}},
		{"empty secret", wrap(totp + `<Data><Secret><PlainValue></PlainValue></Secret></Data></Key>`), []string{"secret is empty"}},
		{"neither value", wrap(totp + `<Data><Secret/></Data></Key>`), []string{"neither PlainValue nor EncryptedValue"}},
		{"interval", wrap(totp + `<Data><Secret><PlainValue>MTIz</PlainValue></Secret><TimeInterval><PlainValue>0</PlainValue></TimeInterval></Data></Key>`), []string{"TimeInterval", "positive"}},
		{"drift in seconds (privacyIDEA)", wrap(totp + `<Data><Secret><PlainValue>MTIz</PlainValue></Secret><TimeDrift><PlainValue>-30.0</PlainValue></TimeDrift></Data></Key>`), []string{"TimeDrift", "whole number"}},
		{"counter", wrap(`<Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><Data><Secret><PlainValue>MTIz</PlainValue></Secret><Counter><PlainValue>-1</PlainValue></Counter></Data></Key>`), []string{"Counter"}},
		{"no key", wrap(``), []string{"KeyPackage 1", "no Key"}},
		{"cipher", wrap(totp + `<Data><Secret>` + encryptedBlock("http://www.w3.org/2001/04/xmlenc#kw-aes128", "AAAA") + `</Secret></Data></Key>`), []string{"kw-aes128", "not supported"}},
		{"short ciphertext", wrap(totp + `<Data><Secret>` + encryptedBlock(uriAES128CBC, "AAAAAAAAAAAAAAAAAAAAAA==") + `</Secret></Data></Key>`), []string{"whole AES blocks"}},
		{"not pskc", `<Tokens><Token serial="1"/></Tokens>`, []string{"not a PSKC file"}},
		{"version", `<KeyContainer Version="2.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"/>`, []string{"version", "2.0"}},
		{"truncated", wrap(totp + okData)[:150], []string{"line 1", "XML"}},
		{"mismatched tags", "<KeyContainer>\n<KeyPackage>\n</KeyContainer>", []string{"line 3", "malformed XML"}},
		{"entity", "<!DOCTYPE x [<!ENTITY e \"boom\">]><KeyContainer>&e;</KeyContainer>", []string{"malformed XML"}},
		{"utf-16 declared", `<?xml version="1.0" encoding="UTF-16"?><KeyContainer/>`, []string{"encoding"}},
		{"no element", `<?xml version="1.0"?>`, []string{"no XML element"}},
		{"duplicate serial", `<KeyContainer>` + strings.Repeat(`<KeyPackage><DeviceInfo><SerialNo>S1</SerialNo></DeviceInfo>`+totp+okData+`</Key></KeyPackage>`, 2) + `</KeyContainer>`,
			[]string{"KeyPackage 2", `serial "S1" already appears at KeyPackage 1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			contains(t, parseErr(t, tc.in, Options{Format: FormatPSKC}), tc.want...)
		})
	}
	err := parseErr(t, `<KeyContainer>`+strings.Repeat(`<KeyPackage/>`, 3)+`</KeyContainer>`, Options{MaxTokens: 2})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
}

func TestPSKCMultipleKeysAndEmpty(t *testing.T) {
	k := func(id string) string {
		return `<Key Id="` + id + `" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data></Key>`
	}
	got := mustParse(t, `<KeyContainer><KeyPackage>`+k("a")+k("b")+`</KeyPackage></KeyContainer>`, Options{})
	if len(got) != 2 || got[0].Serial != "a" || got[1].Serial != "b" || !strings.Contains(got[1].Origin, "Key 2") {
		t.Errorf("got %+v", got)
	}
	if got := mustParse(t, `<KeyContainer Version="1.0"/>`, Options{}); len(got) != 0 {
		t.Errorf("empty container gave %d tokens", len(got))
	}
}
