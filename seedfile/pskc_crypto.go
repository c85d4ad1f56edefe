package seedfile

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// URIs of the algorithms PSKC files name.
const (
	uriAES128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	uriAES192CBC = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
	uriAES256CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
	uriPBKDF2    = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
	uriHMACSHA1  = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
	uriHMACMore  = "http://www.w3.org/2001/04/xmldsig-more#hmac-" // + sha224, sha256, ...
)

// MaxPBKDF2Iterations bounds the work a PSKC file can ask of the reader.
// Ten million PBKDF2-HMAC-SHA256 iterations take a few seconds.
const MaxPBKDF2Iterations = 10_000_000

// fragment returns the lower-cased part of an algorithm URI after '#'.
func fragment(uri string) string {
	uri = strings.ToLower(strings.TrimSpace(uri))
	if i := strings.LastIndexByte(uri, '#'); i >= 0 {
		uri = uri[i+1:]
	}
	return uri
}

// aesKeySize returns the key size of an AES-CBC algorithm URI.
func aesKeySize(uri string) (int, error) {
	switch fragment(uri) {
	case "aes128-cbc":
		return 16, nil
	case "aes192-cbc":
		return 24, nil
	case "aes256-cbc":
		return 32, nil
	case "":
		return 0, errors.New("EncryptionMethod has no Algorithm")
	}
	return 0, fmt.Errorf("encryption algorithm %s is not supported (only AES-128/192/256-CBC)", quoteShort(uri))
}

// hmacHash returns the hash of an HMAC algorithm URI (also the PBKDF2
// pseudo-random function).
func hmacHash(uri string) (func() hash.Hash, error) {
	switch strings.ReplaceAll(fragment(uri), "sha-", "sha") {
	case "hmac-sha1":
		return sha1.New, nil
	case "hmac-sha224":
		return sha256.New224, nil
	case "hmac-sha256":
		return sha256.New, nil
	case "hmac-sha384":
		return sha512.New384, nil
	case "hmac-sha512":
		return sha512.New, nil
	}
	return nil, fmt.Errorf("%s is not a supported HMAC (SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512)", quoteShort(uri))
}

// pskcCrypto holds what decrypting one file's values needs; the key is
// derived (PBKDF2: slow on purpose) once per file and cached.
type pskcCrypto struct {
	opt *Options
	enc *pskcEncryptionKey
	mac *pskcMACMethod

	keys   map[int][]byte
	blocks map[int]cipher.Block
	early  *earlyKey

	macDone bool
	macHash func() hash.Hash
	macKey  []byte // nil: the drafts' convention, MAC with the encryption key
	macErr  error
}

// fileError marks a problem with the file's encryption header rather than
// with one key package.
func fileError(where string, err error) error { return &Error{Where: where, Err: err} }

// key returns the encryption key of the given size.
func (c *pskcCrypto) key(size int) ([]byte, error) {
	if k, ok := c.keys[size]; ok {
		return k, nil
	}
	var k []byte
	switch {
	case len(c.opt.Key) > 0:
		if len(c.opt.Key) != size {
			return nil, fileError("EncryptionKey", fmt.Errorf("the key given is %d bytes, the file's cipher needs %d", len(c.opt.Key), size))
		}
		k = c.opt.Key
	case c.enc != nil && c.enc.Derived:
		if c.opt.Password == "" {
			return nil, fileError("EncryptionKey", ErrPasswordRequired)
		}
		var err error
		if p := c.early; p != nil && p.ek == c.enc && p.size == size {
			<-p.done
			k, err = p.key, p.err
		} else {
			k, err = derive(c.enc, c.opt.Password, size, c.opt.maxIterations())
		}
		if err != nil {
			return nil, fileError("EncryptionKey", err)
		}
	default:
		err := ErrKeyRequired
		if c.opt.Password != "" {
			err = fmt.Errorf("%w (the file uses no password)", ErrKeyRequired)
		}
		if c.enc != nil && len(c.enc.KeyNames) > 0 && strings.TrimSpace(c.enc.KeyNames[0]) != "" {
			err = fmt.Errorf("%w; the file names it %s", err, quoteShort(strings.TrimSpace(c.enc.KeyNames[0])))
		}
		return nil, fileError("EncryptionKey", err)
	}
	if c.keys == nil {
		c.keys = make(map[int][]byte)
	}
	c.keys[size] = k
	return k, nil
}

// earlyKey is a PBKDF2 derivation started as soon as the file's
// EncryptionKey has been read, so that it runs while the key packages are
// still being parsed.
type earlyKey struct {
	ek   *pskcEncryptionKey
	size int
	done chan struct{}
	key  []byte
	err  error
}

// startDerive begins deriving the key of ek in the background when a
// password is given and ek states the key length. Only the first call
// counts.
func (c *pskcCrypto) startDerive(ek *pskcEncryptionKey) {
	if c.early != nil || c.opt.Password == "" || len(c.opt.Key) > 0 || !ek.Derived {
		return
	}
	size, err := strconv.Atoi(strings.TrimSpace(ek.KeyLen))
	if err != nil || size != 16 && size != 24 && size != 32 {
		return
	}
	p := &earlyKey{ek: ek, size: size, done: make(chan struct{})}
	c.early = p
	password, limit := c.opt.Password, c.opt.maxIterations()
	go func() {
		defer close(p.done)
		p.key, p.err = derive(ek, password, size, limit)
	}()
}

// derive runs PBKDF2 with the file's parameters, refusing an
// IterationCount above maxIter.
func derive(p *pskcEncryptionKey, password string, size, maxIter int) ([]byte, error) {
	if a := fragment(p.KDF); a != "pbkdf2" {
		if a == "" {
			return nil, errors.New("DerivedKey has no KeyDerivationMethod Algorithm")
		}
		return nil, fmt.Errorf("key derivation %s is not supported (only PBKDF2)", quoteShort(p.KDF))
	}
	if !p.PBKDF2 {
		return nil, errors.New("DerivedKey has no PBKDF2-params")
	}
	salt, err := decodeBase64(p.Salt)
	if err != nil || len(salt) == 0 {
		return nil, errors.New("PBKDF2 Salt is missing or not base64")
	}
	iter, err := strconv.Atoi(strings.TrimSpace(p.Iter))
	if err != nil || iter < 1 {
		return nil, errors.New("PBKDF2 IterationCount is not a positive whole number")
	}
	if iter > maxIter {
		return nil, fmt.Errorf("PBKDF2 IterationCount %d is above the limit of %d", iter, maxIter)
	}
	if s := strings.TrimSpace(p.KeyLen); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, errors.New("PBKDF2 KeyLength is not a whole number")
		}
		if n != size {
			return nil, fmt.Errorf("PBKDF2 KeyLength %d does not fit the cipher, which needs %d bytes", n, size)
		}
	}
	prf := sha1.New // PKCS #5 default
	if uri := strings.TrimSpace(p.PRF); uri != "" {
		if prf, err = hmacHash(uri); err != nil {
			return nil, fmt.Errorf("PBKDF2 PRF: %w", err)
		}
	}
	k, err := pbkdf2.Key(prf, password, salt, iter, size)
	if err != nil {
		return nil, fmt.Errorf("PBKDF2: %w", err)
	}
	return k, nil
}

// macSetup reads the MACMethod once: its HMAC and its (encrypted) key.
func (c *pskcCrypto) macSetup() error {
	if c.macDone {
		return c.macErr
	}
	c.macDone = true
	if c.mac == nil {
		c.macErr = errors.New("ValueMAC present but the file has no MACMethod")
		return c.macErr
	}
	h, err := hmacHash(c.mac.Algorithm)
	if err != nil {
		c.macErr = fileError("MACMethod", err)
		return c.macErr
	}
	c.macHash = h
	if c.mac.Key != nil {
		k, err := c.decryptRaw(c.mac.Key)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				err = fileError("MACMethod MACKey", err)
			}
			c.macErr = err
			return err
		}
		if len(k) == 0 {
			c.macErr = fileError("MACMethod MACKey", errors.New("the MAC key is empty"))
			return c.macErr
		}
		c.macKey = k
	}
	return nil
}

// decrypt returns the plaintext of an encrypted value after checking its
// MAC (base64, may be empty).
func (c *pskcCrypto) decrypt(ev *pskcEncrypted, macText string) ([]byte, error) {
	size, ct, err := c.cipherText(ev)
	if err != nil {
		return nil, err
	}
	key, err := c.key(size)
	if err != nil {
		return nil, err
	}
	plain, derr := c.cbcDecrypt(key, ct)
	if strings.TrimSpace(macText) == "" {
		if c.opt.RequireMAC {
			return nil, errors.New("the encrypted value has no ValueMAC and a MAC is required")
		}
		return plain, derr
	}
	want, err := decodeBase64(macText)
	if err != nil {
		return nil, errors.New("ValueMAC is not base64")
	}
	if err := c.macSetup(); err != nil {
		return nil, err
	}
	mk := c.macKey
	if mk == nil {
		mk = key
	}
	m := hmac.New(c.macHash, mk)
	m.Write(ct) // RFC 6030 6.1.1: the MAC covers IV and ciphertext
	if !hmac.Equal(m.Sum(nil), want) {
		// Drafts of RFC 6030 put the MAC over the plaintext.
		ok := false
		if derr == nil {
			m.Reset()
			m.Write(plain)
			ok = hmac.Equal(m.Sum(nil), want)
		}
		if !ok {
			return nil, ErrMACMismatch
		}
	}
	return plain, derr
}

// decryptRaw decrypts without a MAC (the MAC key itself).
func (c *pskcCrypto) decryptRaw(ev *pskcEncrypted) ([]byte, error) {
	size, ct, err := c.cipherText(ev)
	if err != nil {
		return nil, err
	}
	key, err := c.key(size)
	if err != nil {
		return nil, err
	}
	return c.cbcDecrypt(key, ct)
}

func (c *pskcCrypto) cipherText(ev *pskcEncrypted) (int, []byte, error) {
	size, err := aesKeySize(ev.Algorithm)
	if err != nil {
		return 0, nil, err
	}
	ct, err := decodeBase64(ev.CipherValue)
	if err != nil {
		return 0, nil, errors.New("CipherValue is not base64")
	}
	if len(ct) < 2*aes.BlockSize || len(ct)%aes.BlockSize != 0 {
		return 0, nil, errors.New("CipherValue is not an IV followed by whole AES blocks")
	}
	return size, ct, nil
}

// cbcDecrypt decrypts IV ‖ ciphertext and removes the PKCS #7 padding.
func (c *pskcCrypto) cbcDecrypt(key, ct []byte) ([]byte, error) {
	b, ok := c.blocks[len(key)]
	if !ok {
		var err error
		if b, err = aes.NewCipher(key); err != nil {
			return nil, err
		}
		if c.blocks == nil {
			c.blocks = make(map[int]cipher.Block)
		}
		c.blocks[len(key)] = b
	}
	iv, body := ct[:aes.BlockSize], ct[aes.BlockSize:]
	out := make([]byte, len(body))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, body)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, ErrWrongKey
	}
	for _, p := range out[len(out)-n:] {
		if int(p) != n {
			return nil, ErrWrongKey
		}
	}
	return out[:len(out)-n], nil
}

// cbcEncrypt returns IV ‖ AES-CBC(PKCS #7 padded plain) for a fresh IV.
func cbcEncrypt(b cipher.Block, iv, plain []byte) []byte {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(plain)+n)
	copy(out, iv)
	body := out[aes.BlockSize:]
	copy(body, plain)
	for i := len(plain); i < len(body); i++ {
		body[i] = byte(n)
	}
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(body, body)
	return out
}
