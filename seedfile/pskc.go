package seedfile

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/two-factor/two-factor/otpcore"
)

// What is kept of a PSKC file, element by element. Elements are matched
// by local name only: vendors use the pskc: prefix, a default namespace,
// or (for the PKCS #5 parameters) no namespace at all, and all of those
// are the same file. pskc_read.go fills these in.

type pskcEncrypted struct {
	Algorithm   string // EncryptionMethod/@Algorithm
	CipherValue string // CipherData/CipherValue
}

type pskcValue struct {
	Plain     *string // PlainValue
	Encrypted *pskcEncrypted
	MAC       string // ValueMAC
}

type pskcKey struct {
	ID, Algorithm  string // attributes
	Issuer, UserID string
	Suite          string // AlgorithmParameters/Suite text
	SuiteHashAlgo  string // ... or its hashalgo attribute, as privacyIDEA's export writes it
	HasResponse    bool   // AlgorithmParameters/ResponseFormat present
	Length         string // ResponseFormat/@Length
	Encoding       string // ResponseFormat/@Encoding

	Secret, Counter, Time, TimeInterval, TimeDrift *pskcValue // Data/...
}

type pskcKeyPackage struct {
	Manufacturer, SerialNo, Model, UserID string // DeviceInfo/...
	Keys                                  []pskcKey

	line int // where the package starts, for messages
}

type pskcEncryptionKey struct {
	KeyNames []string // ds:KeyName
	Derived  bool     // xenc11:DerivedKey present
	KDF      string   // DerivedKey/KeyDerivationMethod/@Algorithm
	PBKDF2   bool     // PBKDF2-params present
	Salt     string   // PBKDF2-params/Salt/Specified
	Iter     string   // PBKDF2-params/IterationCount
	KeyLen   string   // PBKDF2-params/KeyLength
	PRF      string   // PBKDF2-params/PRF/@Algorithm, or its text as python-pskc writes it
}

type pskcMACMethod struct {
	Algorithm string
	Key       *pskcEncrypted // MACKey
}

// pskcDoc is everything read from a file before any decryption.
type pskcDoc struct {
	enc      *pskcEncryptionKey
	mac      *pskcMACMethod
	packages []pskcKeyPackage
}

const pskcNS = "urn:ietf:params:xml:ns:keyprov:pskc"

func parsePSKC(data []byte, opt *Options) ([]Token, error) {
	max := opt.maxTokens()
	cr := &pskcCrypto{opt: opt}
	doc, err := readPSKC(data, max, cr.startDerive)
	if err != nil {
		return nil, err
	}
	cr.enc, cr.mac = doc.enc, doc.mac
	var toks []Token
	for i := range doc.packages {
		kp := &doc.packages[i]
		if len(kp.Keys) == 0 {
			return nil, errAt(fmt.Sprintf("KeyPackage %d (line %d)", i+1, kp.line), "has no Key")
		}
		for j := range kp.Keys {
			if len(toks) >= max {
				return nil, tooMany(fmt.Sprintf("KeyPackage %d", i+1), max)
			}
			k := &kp.Keys[j]
			where := fmt.Sprintf("KeyPackage %d (line %d", i+1, kp.line)
			if len(kp.Keys) > 1 {
				where += fmt.Sprintf(", Key %d", j+1)
			}
			if id := strings.TrimSpace(k.ID); id != "" {
				where += ", Key Id " + quoteShort(id)
			}
			where += ")"
			t, err := pskcToken(cr, kp, k)
			if err != nil {
				var fe *Error
				if errors.As(err, &fe) {
					return nil, fe // the file's encryption header is at fault
				}
				return nil, &Error{Where: where, Err: err}
			}
			t.Origin = where
			toks = append(toks, t)
		}
	}
	return toks, nil
}

// xmlError turns a decoder error into a message that names the line but
// not the text around it: encoding/xml's messages quote names and entity
// text, and a broken file can put part of a seed there.
func xmlError(x *xmlReader, err error) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		where := fmt.Sprintf("line %d", se.Line+x.lineOffset)
		if strings.Contains(se.Msg, "unexpected EOF") {
			return errAt(where, "the XML ends in the middle of an element")
		}
		return errAt(where, "malformed XML")
	}
	where := fmt.Sprintf("line %d", x.line())
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errAt(where, "the XML ends in the middle of an element")
	}
	return errAt(where, "malformed XML (%s)", safeXMLMessage(err))
}

// safeXMLMessage keeps only encoding/xml messages known to quote nothing
// from the document.
func safeXMLMessage(err error) string {
	if strings.Contains(err.Error(), "CharsetReader") || strings.Contains(err.Error(), "encoding") {
		return "unsupported character encoding; use UTF-8"
	}
	return "unreadable"
}

// charsetReader accepts the single-byte encodings a vendor's XML may
// declare besides UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var out strings.Builder
		out.Grow(len(b))
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return strings.NewReader(out.String()), nil
	}
	return nil, fmt.Errorf("unsupported encoding")
}

// pskcToken turns one <Key> into a Token.
func pskcToken(cr *pskcCrypto, kp *pskcKeyPackage, k *pskcKey) (Token, error) {
	t := Token{
		Serial:       strings.TrimSpace(kp.SerialNo),
		Manufacturer: strings.TrimSpace(kp.Manufacturer),
		Model:        strings.TrimSpace(kp.Model),
		User:         strings.TrimSpace(k.UserID),
		Issuer:       strings.TrimSpace(k.Issuer),
		Digits:       DefaultDigits,
	}
	if t.Serial == "" {
		t.Serial = strings.TrimSpace(k.ID)
	}
	if t.User == "" {
		t.User = strings.TrimSpace(kp.UserID)
	}

	alg := strings.ToLower(strings.TrimSpace(k.Algorithm))
	if i := strings.LastIndexAny(alg, ":#/"); i >= 0 {
		alg = alg[i+1:]
	}
	switch alg {
	case "totp":
		t.Kind = otpcore.KindTOTP
	case "hotp":
		t.Kind = otpcore.KindHOTP
	case "":
		return t, errors.New("Key has no Algorithm attribute (want ...:pskc:totp or ...:pskc:hotp)")
	default:
		return t, fmt.Errorf("Key Algorithm %s is not supported (only TOTP and HOTP)", quoteShort(k.Algorithm))
	}

	if k.HasResponse {
		if enc := strings.TrimSpace(k.Encoding); enc != "" && !strings.EqualFold(enc, "DECIMAL") {
			return t, fmt.Errorf("ResponseFormat Encoding %s is not supported (only DECIMAL)", quoteShort(enc))
		}
		if s := strings.TrimSpace(k.Length); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return t, errors.New("ResponseFormat Length is not a whole number")
			}
			t.Digits = n
		}
	}

	t.Algorithm = otpcore.SHA1 // RFC 4226 and privacyIDEA's default
	suite := strings.TrimSpace(k.Suite)
	if suite == "" {
		suite = strings.TrimSpace(k.SuiteHashAlgo)
	}
	if suite != "" {
		a, err := otpcore.ParseAlgorithm(suite)
		if err != nil {
			return t, fmt.Errorf("Suite %s is not a supported hash (SHA1, SHA256 or SHA512)", quoteShort(suite))
		}
		t.Algorithm = a
	}

	if k.Secret == nil {
		return t, errors.New("Data has no Secret")
	}
	secret, err := cr.bytesValue(k.Secret)
	if err != nil {
		return t, fmt.Errorf("Secret: %w", err)
	}
	t.Secret = secret

	switch t.Kind {
	case otpcore.KindTOTP:
		t.Period = DefaultPeriod
		if k.TimeInterval != nil {
			if t.Period, err = cr.intValue(k.TimeInterval); err != nil {
				return t, fmt.Errorf("TimeInterval: %w", err)
			}
			if t.Period <= 0 {
				return t, errors.New("TimeInterval must be a positive number of seconds")
			}
		}
		// RFC 6030 leaves <Time> loosely defined ("the time", or a number
		// of intervals "from a specific start point"); in the files seen
		// it is 0 or absent. It is read as the Unix time of step 0.
		if k.Time != nil {
			if t.T0, err = cr.intValue(k.Time); err != nil {
				return t, fmt.Errorf("Time: %w", err)
			}
		}
		if k.TimeDrift != nil {
			if t.Drift, err = cr.intValue(k.TimeDrift); err != nil {
				return t, fmt.Errorf("TimeDrift: %w", err)
			}
		}
	case otpcore.KindHOTP:
		if k.Counter != nil {
			if t.Counter, err = cr.uintValue(k.Counter); err != nil {
				return t, fmt.Errorf("Counter: %w", err)
			}
		}
	}
	return t, t.Validate()
}

// bytesValue returns the binary value of a <Secret>.
func (c *pskcCrypto) bytesValue(v *pskcValue) ([]byte, error) {
	switch {
	case v.Encrypted != nil:
		return c.decrypt(v.Encrypted, v.MAC)
	case v.Plain != nil:
		b, err := decodeBase64(*v.Plain)
		if err != nil {
			return nil, errors.New("PlainValue is not base64")
		}
		return b, nil
	}
	return nil, errors.New("has neither PlainValue nor EncryptedValue")
}

// intValue returns the value of an integer element (Counter, Time,
// TimeInterval, TimeDrift).
func (c *pskcCrypto) intValue(v *pskcValue) (int64, error) {
	switch {
	case v.Encrypted != nil:
		b, err := c.decrypt(v.Encrypted, v.MAC)
		if err != nil {
			return 0, err
		}
		return decodeEncryptedInt(b)
	case v.Plain != nil:
		n, err := strconv.ParseInt(strings.TrimSpace(*v.Plain), 10, 64)
		if err != nil {
			return 0, errors.New("PlainValue is not a whole number")
		}
		return n, nil
	}
	return 0, errors.New("has neither PlainValue nor EncryptedValue")
}

// uintValue returns the value of <Counter>, which may use all 64 bits.
func (c *pskcCrypto) uintValue(v *pskcValue) (uint64, error) {
	switch {
	case v.Encrypted != nil:
		b, err := c.decrypt(v.Encrypted, v.MAC)
		if err != nil {
			return 0, err
		}
		if isDecimal(b) {
			n, err := strconv.ParseUint(string(b), 10, 64)
			if err != nil {
				return 0, errors.New("encrypted value is not a whole number, 0 or more")
			}
			return n, nil
		}
		n, err := decodeEncryptedInt(b)
		return uint64(n), err
	case v.Plain != nil:
		n, err := strconv.ParseUint(strings.TrimSpace(*v.Plain), 10, 64)
		if err != nil {
			return 0, errors.New("PlainValue is not a whole number, 0 or more")
		}
		return n, nil
	}
	return 0, errors.New("has neither PlainValue nor EncryptedValue")
}

// decodeEncryptedInt reads a decrypted integer. RFC 6030 leaves the
// encoding open; in use are ASCII decimal and big-endian binary (which
// python-pskc writes, shortest form). An 8-byte binary value is a signed
// 64-bit integer, so a negative TimeDrift survives.
func decodeEncryptedInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errors.New("encrypted value is empty")
	}
	if isDecimal(b) {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return 0, errors.New("encrypted value is out of range")
		}
		return n, nil
	}
	if len(b) > 8 {
		return 0, errors.New("encrypted value is longer than 8 bytes")
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return int64(n), nil
}

func isDecimal(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeBase64 reads xs:base64Binary: white space anywhere, padding
// optional.
func decodeBase64(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if strings.HasSuffix(clean, "=") {
		return base64.StdEncoding.DecodeString(clean)
	}
	return base64.RawStdEncoding.DecodeString(clean)
}
