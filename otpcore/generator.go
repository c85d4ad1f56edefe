package otpcore

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Algorithm is the HMAC hash function a token uses.
type Algorithm uint8

const (
	SHA1 Algorithm = iota + 1
	SHA256
	SHA512
)

// String returns the name used in otpauth URIs and seed files ("SHA1", ...).
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	case SHA512:
		return "SHA512"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool { return a >= SHA1 && a <= SHA512 }

// ParseAlgorithm accepts the spellings found in otpauth URIs and vendor seed
// files: SHA1, SHA-1, sha256, HMAC-SHA256 and so on.
func ParseAlgorithm(s string) (Algorithm, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	n = strings.TrimPrefix(n, "HMAC-")
	n = strings.ReplaceAll(n, "-", "")
	switch n {
	case "SHA1":
		return SHA1, nil
	case "SHA256":
		return SHA256, nil
	case "SHA512":
		return SHA512, nil
	}
	return 0, fmt.Errorf("unknown algorithm %q (want SHA1, SHA256 or SHA512)", s)
}

func (a Algorithm) newHash() func() hash.Hash {
	switch a {
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	default:
		return sha1.New
	}
}

// MinDigits and MaxDigits bound the code length. RFC 4226 requires at least
// six digits; above eight the 31-bit truncated value no longer gives
// uniformly distributed codes.
const (
	MinDigits = 6
	MaxDigits = 8
)

// MaxKeyLen bounds key length. HMAC accepts any length, but no real token
// has a seed longer than 64 bytes; the bound keeps hostile input small.
const MaxKeyLen = 128

var pow10 = [...]uint32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// ValidateDigits reports an error naming the problem when n is outside
// MinDigits..MaxDigits.
func ValidateDigits(n int) error {
	if n < MinDigits || n > MaxDigits {
		return fmt.Errorf("digits must be between %d and %d, got %d", MinDigits, MaxDigits, n)
	}
	return nil
}

// Generator computes HOTP values for one key. It keeps the keyed HMAC state
// and scratch buffers so that generating or checking a code allocates
// nothing; it is therefore not safe for concurrent use.
//
// The HMAC is done here rather than by crypto/hmac so that a generator can
// be keyed again without allocating (see AcquireGenerator): every login
// decrypts a seed and keys an HMAC with it, and crypto/hmac.New allocates
// two hashes and two pads each time. Keying hashes key⊕ipad and key⊕opad
// once and keeps both states (RFC 2104 precomputation, as crypto/hmac does
// internally), so each candidate costs one compression of the counter and
// one of the inner digest. Those two messages always fit one block, so the
// generator pads them itself and reads the digest from the saved state
// (see finalBlocks), skipping the hash's general Sum.
type Generator struct {
	alg          Algorithm
	inner, outer hash.Hash
	innerState   stateHash // inner and outer, as state (un)marshalers
	outerState   stateHash
	ipad, opad   []byte // the keyed states, in states[0] and states[1]
	states       [2][maxStateLen]byte
	key, pad     [sha512.BlockSize]byte // keying scratch, wiped after
	digits       int
	msg          [8]byte
	sum          [sha512.Size]byte
	// padded final blocks of the inner (counter) and outer (inner
	// digest) hashes, and a scratch state; used when oneBlock is set
	inBlock, outBlock [sha512.BlockSize]byte
	scratch           [maxStateLen]byte
	oneBlock          bool
	// afterOneBlock is the saved state of the hash after one block of
	// zeros (shared, read-only): restore puts a key's chaining values in it
	afterOneBlock []byte
}

// stateHash is what the standard library's SHA-1 and SHA-2 digests offer
// to save and restore their state without allocating.
type stateHash interface {
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// ipadBytes and opadBytes are RFC 2104's pads for the largest block.
var ipadBytes, opadBytes = bytes.Repeat([]byte{0x36}, sha512.BlockSize), bytes.Repeat([]byte{0x5c}, sha512.BlockSize)

// maxStateLen bounds a marshaled SHA-512 state (magic, chaining values,
// one block, length: 204 bytes).
const maxStateLen = 256

// NewGenerator prepares a generator for key. The key must be 1..MaxKeyLen
// bytes; RFC 2104 semantics apply to keys longer than the hash block.
func NewGenerator(alg Algorithm, key []byte, digits int) (*Generator, error) {
	if err := checkGeneratorArgs(alg, key, digits); err != nil {
		return nil, err
	}
	g := newUnkeyed(alg)
	if err := g.rekey(key, digits); err != nil {
		return nil, err
	}
	return g, nil
}

func checkGeneratorArgs(alg Algorithm, key []byte, digits int) error {
	if !alg.Valid() {
		return fmt.Errorf("unsupported algorithm %v", alg)
	}
	if len(key) == 0 {
		return errEmptyKey
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("key is %d bytes, longer than the %d-byte maximum", len(key), MaxKeyLen)
	}
	return ValidateDigits(digits)
}

func newUnkeyed(alg Algorithm) *Generator {
	g := newPlain(alg)
	g.oneBlock = oneBlockWorks[alg]()
	return g
}

func newPlain(alg Algorithm) *Generator {
	h := alg.newHash()
	g := &Generator{alg: alg, inner: h(), outer: h()}
	// The standard library's digests have implemented both interfaces
	// since Go 1.24; a build where they do not fails every test at once.
	g.innerState, g.outerState = g.inner.(stateHash), g.outer.(stateHash)
	g.afterOneBlock = afterOneBlock[alg]()
	bs, size := g.inner.BlockSize(), g.inner.Size()
	padBlock(g.inBlock[:bs], 8, bs)
	padBlock(g.outBlock[:bs], size, bs)
	return g
}

// afterOneBlock is, per algorithm, the hash's saved state after one block
// of zeros.
var afterOneBlock = [SHA512 + 1]func() []byte{
	SHA1: onceAfterOneBlock(SHA1), SHA256: onceAfterOneBlock(SHA256), SHA512: onceAfterOneBlock(SHA512),
}

func onceAfterOneBlock(alg Algorithm) func() []byte {
	return sync.OnceValue(func() []byte {
		h := alg.newHash()()
		h.Write(make([]byte, h.BlockSize()))
		st, _ := h.(stateHash).AppendBinary(nil)
		return st
	})
}

// rekey computes the HMAC pads' states for key (checked by the caller).
// It fails only if the hash cannot save its state, which the standard
// library's digests always can.
func (g *Generator) rekey(key []byte, digits int) error {
	g.digits = digits
	bs := g.inner.BlockSize()
	if len(key) > bs {
		g.outer.Reset()
		g.outer.Write(key)
		key = g.outer.Sum(g.sum[:0])
	}
	k, pad := g.key[:bs], g.pad[:bs]
	clear(k)
	copy(k, key)
	subtle.XORBytes(pad, k, ipadBytes[:bs])
	g.inner.Reset()
	g.inner.Write(pad)
	var errIn, errOut error
	g.ipad, errIn = g.innerState.AppendBinary(g.states[0][:0])
	subtle.XORBytes(pad, k, opadBytes[:bs])
	g.outer.Reset()
	g.outer.Write(pad)
	g.opad, errOut = g.outerState.AppendBinary(g.states[1][:0])
	clear(k)
	clear(pad)
	clear(g.sum[:])
	if err := errors.Join(errIn, errOut); err != nil {
		g.wipe()
		return fmt.Errorf("saving the keyed HMAC state: %w", err)
	}
	return nil
}

// restore puts a hash back in a keyed state the generator saved. A state
// that does not restore is a broken invariant (memory corruption, or a
// Go release that changed its digests), never outside input, and the hash
// would go on from whatever it last held and give a wrong code without a
// word: stop instead. A verifier's request handler then fails closed.
func restore(h stateHash, saved []byte) {
	if err := h.UnmarshalBinary(saved); err != nil {
		panic("otpcore: cannot restore a keyed HMAC state, refusing to compute a code from another: " + err.Error())
	}
}

// Digits is the code length this generator produces.
func (g *Generator) Digits() int { return g.digits }

// Value returns the HOTP value for counter as an integer below 10^digits.
func (g *Generator) Value(counter uint64) uint32 {
	var sum []byte
	if g.oneBlock {
		sum = g.finalBlocks(counter)
	} else {
		binary.BigEndian.PutUint64(g.msg[:], counter)
		restore(g.innerState, g.ipad)
		g.inner.Write(g.msg[:])
		in := g.inner.Sum(g.sum[:0])
		restore(g.outerState, g.opad)
		g.outer.Write(in)
		sum = g.outer.Sum(g.sum[:0])
	}
	// Dynamic truncation, RFC 4226 section 5.3.
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return bin % pow10[g.digits]
}

// AppendCode appends the zero-padded code for counter to dst.
func (g *Generator) AppendCode(dst []byte, counter uint64) []byte {
	return appendPadded(dst, g.Value(counter), g.digits)
}

// Code returns the zero-padded code for counter.
func (g *Generator) Code(counter uint64) string {
	var buf [MaxDigits]byte
	return string(g.AppendCode(buf[:0], counter))
}

func appendPadded(dst []byte, v uint32, digits int) []byte {
	var buf [MaxDigits]byte
	for i := digits - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:digits]...)
}

// matches compares the code for counter with want in constant time.
// Comparing the integers rather than their zero-padded digits is the same
// test (a code of exactly g.digits digits names one integer) without
// formatting a string per candidate.
func (g *Generator) matches(counter uint64, want uint32) bool {
	return subtle.ConstantTimeEq(int32(g.Value(counter)), int32(want)) == 1
}

// HOTP is a convenience for one-off generation; hot paths should keep a
// Generator.
func HOTP(alg Algorithm, key []byte, counter uint64, digits int) (string, error) {
	g, err := NewGenerator(alg, key, digits)
	if err != nil {
		return "", err
	}
	return g.Code(counter), nil
}
