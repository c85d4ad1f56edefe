package seedfile

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/two-factor/two-factor/otpcore"
)

// Cipher is the AES-CBC variant WritePSKC encrypts with.
type Cipher int

const (
	// CipherDefault is AES-128-CBC for a password (the one cipher
	// privacyIDEA imports) and follows the key's length for a pre-shared
	// key.
	CipherDefault Cipher = iota
	AES128CBC
	AES192CBC
	AES256CBC
)

func (c Cipher) keySize() int {
	switch c {
	case AES192CBC:
		return 24
	case AES256CBC:
		return 32
	}
	return 16
}

func (c Cipher) uri() string {
	switch c {
	case AES192CBC:
		return uriAES192CBC
	case AES256CBC:
		return uriAES256CBC
	}
	return uriAES128CBC
}

// DefaultPBKDF2Iterations is the PBKDF2 work factor WritePSKC uses unless
// told otherwise (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). It is paid
// once per file, by the writer and by every reader.
const DefaultPBKDF2Iterations = 600_000

// PSKCWriteOptions steer WritePSKC. Exactly one of Password, Key and
// Plaintext must be set.
type PSKCWriteOptions struct {
	// Password encrypts the secrets under a PBKDF2-derived key, the
	// default and recommended way.
	Password string
	// Key encrypts under a pre-shared AES key of 16, 24 or 32 bytes
	// instead; KeyName labels it in the file (ds:KeyName).
	Key     []byte
	KeyName string
	// Plaintext writes the secrets unencrypted. It must be asked for.
	Plaintext bool

	Cipher Cipher
	// Iterations of PBKDF2; zero means DefaultPBKDF2Iterations.
	Iterations int
	// PRF is the hash of PBKDF2's HMAC and MAC the hash of the HMAC over
	// each encrypted value; zero means SHA256. Choose SHA1 for both when
	// the reader is privacyIDEA, whose PSKC import assumes HMAC-SHA1.
	PRF otpcore.Algorithm
	MAC otpcore.Algorithm

	// Rand supplies salt, IVs and the MAC key; nil means crypto/rand.
	Rand io.Reader
}

func hmacOf(a otpcore.Algorithm) (func() hash.Hash, string, error) {
	switch a {
	case 0, otpcore.SHA256:
		h, _ := hmacHash("hmac-sha256")
		return h, uriHMACMore + "sha256", nil
	case otpcore.SHA1:
		h, _ := hmacHash("hmac-sha1")
		return h, uriHMACSHA1, nil
	case otpcore.SHA512:
		h, _ := hmacHash("hmac-sha512")
		return h, uriHMACMore + "sha512", nil
	}
	return nil, "", errors.New("hash must be SHA1, SHA256 or SHA512")
}

// pskcWriter carries the per-file encryption state.
type pskcWriter struct {
	w       *bufio.Writer
	block   cipher.Block // nil for plaintext
	cipher  string       // algorithm URI
	mac     hash.Hash
	rand    io.Reader
	scratch []byte
}

// WritePSKC writes tokens as an RFC 6030 PSKC file that Parse (and other
// PSKC readers such as python-pskc and privacyIDEA) read back.
//
// By default (Password set) the secrets are encrypted with AES-CBC under a
// key derived with PBKDF2 (random 16-byte salt, HMAC-SHA256, 600,000
// iterations), each with a random IV and an HMAC over IV and ciphertext
// whose random key is itself encrypted in the file (RFC 6030 section 6.2).
// Counter, Time, TimeInterval and TimeDrift stay in the clear. Every token
// must pass Validate and have a serial, which becomes the SerialNo and the
// Key Id; nothing is written otherwise.
func WritePSKC(w io.Writer, tokens []Token, opt PSKCWriteOptions) error {
	if err := validateAll(tokens, true); err != nil {
		return err
	}
	modes := 0
	for _, set := range []bool{opt.Password != "", len(opt.Key) > 0, opt.Plaintext} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("seedfile: WritePSKC needs exactly one of a password, a pre-shared key or an explicit request for plaintext")
	}
	pw := &pskcWriter{w: bufio.NewWriterSize(w, 64<<10), rand: opt.Rand}
	if pw.rand == nil {
		pw.rand = rand.Reader
	}
	var header string
	if !opt.Plaintext {
		var err error
		if header, err = pw.setupEncryption(&opt); err != nil {
			return err
		}
	}

	pw.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	pw.str(`<pskc:KeyContainer xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"`)
	if !opt.Plaintext {
		pw.str(` xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"`)
		pw.str(` xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#"`)
	}
	pw.str(` Version="1.0">` + "\n")
	pw.str(header)
	for i := range tokens {
		if err := pw.keyPackage(&tokens[i]); err != nil {
			return err
		}
	}
	pw.str("</pskc:KeyContainer>\n")
	return pw.w.Flush()
}

// setupEncryption derives or takes the key, makes the MAC key and returns
// the EncryptionKey and MACMethod elements.
func (pw *pskcWriter) setupEncryption(opt *PSKCWriteOptions) (string, error) {
	c := opt.Cipher
	var key []byte
	var head []byte
	el := func(s string) { head = append(head, s...) }
	if len(opt.Key) > 0 {
		if c == CipherDefault {
			switch len(opt.Key) {
			case 16:
				c = AES128CBC
			case 24:
				c = AES192CBC
			case 32:
				c = AES256CBC
			}
		}
		if len(opt.Key) != c.keySize() {
			return "", fmt.Errorf("seedfile: the pre-shared key is %d bytes; AES-CBC needs %d", len(opt.Key), c.keySize())
		}
		key = opt.Key
		el(" <pskc:EncryptionKey>\n")
		if opt.KeyName != "" {
			el("  <ds:KeyName>" + escapeXML(opt.KeyName) + "</ds:KeyName>\n")
		}
		el(" </pskc:EncryptionKey>\n")
	} else {
		iter := opt.Iterations
		if iter == 0 {
			iter = DefaultPBKDF2Iterations
		}
		if iter < 1 || iter > MaxPBKDF2Iterations {
			return "", fmt.Errorf("seedfile: PBKDF2 iterations must be 1 to %d", MaxPBKDF2Iterations)
		}
		prf, prfURI, err := hmacOf(opt.PRF)
		if err != nil {
			return "", fmt.Errorf("seedfile: PBKDF2 %v", err)
		}
		salt := make([]byte, 16)
		if _, err := io.ReadFull(pw.rand, salt); err != nil {
			return "", fmt.Errorf("seedfile: random salt: %w", err)
		}
		if key, err = pbkdf2.Key(prf, opt.Password, salt, iter, c.keySize()); err != nil {
			return "", fmt.Errorf("seedfile: PBKDF2: %w", err)
		}
		el(" <pskc:EncryptionKey>\n  <xenc11:DerivedKey>\n")
		el(`   <xenc11:KeyDerivationMethod Algorithm="` + uriPBKDF2 + `">` + "\n")
		el("    <pkcs5:PBKDF2-params>\n")
		el("     <Salt><Specified>" + base64.StdEncoding.EncodeToString(salt) + "</Specified></Salt>\n")
		el("     <IterationCount>" + strconv.Itoa(iter) + "</IterationCount>\n")
		el("     <KeyLength>" + strconv.Itoa(c.keySize()) + "</KeyLength>\n")
		el(`     <PRF Algorithm="` + prfURI + `"/>` + "\n")
		el("    </pkcs5:PBKDF2-params>\n   </xenc11:KeyDerivationMethod>\n  </xenc11:DerivedKey>\n </pskc:EncryptionKey>\n")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	pw.block, pw.cipher = b, c.uri()

	macHash, macURI, err := hmacOf(opt.MAC)
	if err != nil {
		return "", fmt.Errorf("seedfile: MAC %v", err)
	}
	macKey := make([]byte, macHash().Size())
	if _, err := io.ReadFull(pw.rand, macKey); err != nil {
		return "", fmt.Errorf("seedfile: random MAC key: %w", err)
	}
	pw.mac = hmac.New(macHash, macKey)
	encMACKey, err := pw.encrypt(macKey)
	if err != nil {
		return "", err
	}
	el(` <pskc:MACMethod Algorithm="` + macURI + `">` + "\n  <pskc:MACKey>\n")
	el(`   <xenc:EncryptionMethod Algorithm="` + pw.cipher + `"/>` + "\n")
	el("   <xenc:CipherData><xenc:CipherValue>" + base64.StdEncoding.EncodeToString(encMACKey) + "</xenc:CipherValue></xenc:CipherData>\n")
	el("  </pskc:MACKey>\n </pskc:MACMethod>\n")
	return string(head), nil
}

func (pw *pskcWriter) encrypt(plain []byte) ([]byte, error) {
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(pw.rand, iv); err != nil {
		return nil, fmt.Errorf("seedfile: random IV: %w", err)
	}
	return cbcEncrypt(pw.block, iv, plain), nil
}

func (pw *pskcWriter) str(s string) { pw.w.WriteString(s) }

// elem writes <pskc:name>text</pskc:name> when text is not empty.
func (pw *pskcWriter) elem(indent, name, text string) {
	if text == "" {
		return
	}
	pw.str(indent + "<pskc:" + name + ">")
	xml.EscapeText(pw.w, []byte(text))
	pw.str("</pskc:" + name + ">\n")
}

func (pw *pskcWriter) plainInt(name, v string) {
	pw.str("    <pskc:" + name + "><pskc:PlainValue>" + v + "</pskc:PlainValue></pskc:" + name + ">\n")
}

func (pw *pskcWriter) keyPackage(t *Token) error {
	pw.str(" <pskc:KeyPackage>\n  <pskc:DeviceInfo>\n")
	pw.elem("   ", "Manufacturer", t.Manufacturer)
	pw.elem("   ", "SerialNo", t.Serial)
	pw.elem("   ", "Model", t.Model)
	pw.str("  </pskc:DeviceInfo>\n")
	pw.str(`  <pskc:Key Id="` + escapeXML(t.Serial) + `" Algorithm="` + pskcNS + ":" + string(t.Kind) + `">` + "\n")
	pw.elem("   ", "Issuer", t.Issuer)
	pw.str("   <pskc:AlgorithmParameters>\n")
	pw.str("    <pskc:Suite>HMAC-" + t.Algorithm.String() + "</pskc:Suite>\n")
	pw.str(`    <pskc:ResponseFormat Length="` + strconv.Itoa(t.Digits) + `" Encoding="DECIMAL"/>` + "\n")
	pw.str("   </pskc:AlgorithmParameters>\n   <pskc:Data>\n    <pskc:Secret>\n")
	if pw.block == nil {
		pw.str("     <pskc:PlainValue>" + base64.StdEncoding.EncodeToString(t.Secret) + "</pskc:PlainValue>\n")
	} else {
		ct, err := pw.encrypt(t.Secret)
		if err != nil {
			return err
		}
		pw.mac.Reset()
		pw.mac.Write(ct)
		pw.scratch = pw.mac.Sum(pw.scratch[:0])
		pw.str("     <pskc:EncryptedValue>\n")
		pw.str(`      <xenc:EncryptionMethod Algorithm="` + pw.cipher + `"/>` + "\n")
		pw.str("      <xenc:CipherData><xenc:CipherValue>" + base64.StdEncoding.EncodeToString(ct) + "</xenc:CipherValue></xenc:CipherData>\n")
		pw.str("     </pskc:EncryptedValue>\n")
		pw.str("     <pskc:ValueMAC>" + base64.StdEncoding.EncodeToString(pw.scratch) + "</pskc:ValueMAC>\n")
	}
	pw.str("    </pskc:Secret>\n")
	if t.Kind == otpcore.KindHOTP {
		pw.plainInt("Counter", strconv.FormatUint(t.Counter, 10))
	} else {
		if t.T0 != 0 {
			pw.plainInt("Time", strconv.FormatInt(t.T0, 10))
		}
		pw.plainInt("TimeInterval", strconv.FormatInt(t.Period, 10))
		if t.Drift != 0 {
			pw.plainInt("TimeDrift", strconv.FormatInt(t.Drift, 10))
		}
	}
	pw.str("   </pskc:Data>\n")
	pw.elem("   ", "UserId", t.User)
	pw.str("  </pskc:Key>\n </pskc:KeyPackage>\n")
	return nil
}

func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
