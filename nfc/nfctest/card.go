// Package nfctest is a virtual Token2 single-profile token for tests: the
// card side of the protocol (card.go), reachable directly as an
// nfc.Transport or through a real pcscd via vsmartcard's vpcd driver
// (vpcd.go, pcscd.go).
package nfctest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"
	"time"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
	"github.com/two-factor/two-factor/nfc"
)

// Status words the card answers with (those of Token2's reference firmware).
const (
	swOK          = 0x9000
	swAuth        = 0x6983
	swWrongLength = 0x6700
	swBadData     = 0x6A80
	swUnknownINS  = 0x6D00
	swUnknownCLA  = 0x6E00
)

// Faults make the card misbehave in the ways a real token or reader can.
type Faults struct {
	// BadMAC makes the card reject every MAC (as if the host used a wrong
	// key or framing): secured commands get 6983.
	BadMAC bool
	// RefuseAuth refuses this many authentication answers with 6983.
	RefuseAuth int
	// LockAfter locks the key after this many refused authentications, as
	// pre-2025 firmware does: every later command gets 6983. 0: never.
	LockAfter int
	// RemoveOn takes the card off the reader when a command with this INS
	// arrives, before it is executed (0: never). Over vpcd the card drops
	// its connection; directly, Transmit returns nfc.ErrCardRemoved.
	RemoveOn byte
	// Status answers commands with this INS with a fixed status word.
	Status map[byte]uint16
}

// Card is a virtual single-profile token. Its exported fields are read
// with the methods, which lock.
type Card struct {
	mu         sync.Mutex
	serial     string
	restricted bool
	faults     Faults
	now        func() time.Time

	clockOffset  time.Duration
	challenge    []byte
	authed       bool
	authRefused  int
	authAttempts int
	locked       bool
	removed      bool

	seed     []byte
	hmacAlg  byte
	stepSecs int
	display  byte
	commands []byte // INS of every command received, in order
}

// NewCard returns a token with the given serial; its model (and whether a
// config write erases the seed) follows from the prefix, and an unknown
// prefix makes an unrestricted card, to test that the host refuses it.
func NewCard(serial string, faults Faults) *Card {
	m, _ := nfc.ModelForSerial(serial)
	return &Card{serial: serial, restricted: m.RestrictedSync, faults: faults, now: time.Now, stepSecs: 30, hmacAlg: 1}
}

// SetClockOffset makes the card's clock run ahead (or behind) ours.
func (c *Card) SetClockOffset(d time.Duration) { c.mu.Lock(); c.clockOffset = d; c.mu.Unlock() }

// SetSeed stores a seed as if burned earlier (to test erasure).
func (c *Card) SetSeed(seed []byte) { c.mu.Lock(); c.seed = bytes.Clone(seed); c.mu.Unlock() }

// Seed returns a copy of the seed the card holds (nil if none).
func (c *Card) Seed() []byte { c.mu.Lock(); defer c.mu.Unlock(); return bytes.Clone(c.seed) }

// Settings returns the hash (1 SHA-1, 2 SHA-256), step in seconds and
// display-timeout code the card holds.
func (c *Card) Settings() (hmacAlg byte, stepSecs int, display byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hmacAlg, c.stepSecs, c.display
}

// Clock is the card's own time.
func (c *Card) Clock() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.clock() }

func (c *Card) clock() time.Time { return c.now().Add(c.clockOffset) }

// AuthAttempts counts authentication answers received, AuthRefused those
// refused.
func (c *Card) AuthAttempts() int { c.mu.Lock(); defer c.mu.Unlock(); return c.authAttempts }

// Commands returns the INS bytes received so far, in order.
func (c *Card) Commands() []byte { c.mu.Lock(); defer c.mu.Unlock(); return bytes.Clone(c.commands) }

// Code is the 6-digit code the card's display shows now, computed from its
// own clock, seed and settings with its own RFC 6238 code.
func (c *Card) Code() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seed == nil {
		return ""
	}
	h := sha1.New
	if c.hmacAlg == 2 {
		h = sha256.New
	}
	return totp(h, c.seed, uint64(c.clock().Unix())/uint64(c.stepSecs))
}

func totp(h func() hash.Hash, key []byte, counter uint64) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0F
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7FFFFFFF
	return fmt.Sprintf("%06d", v%1000000)
}

// Transmit makes the card an nfc.Transport without a reader in between.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	resp, removed := c.Handle(apdu)
	if removed {
		return nil, nfc.ErrCardRemoved
	}
	return resp, nil
}

// Handle runs one command APDU and returns the answer, or removed=true
// when the card has left the reader (no answer).
func (c *Card) Handle(apdu []byte) (resp []byte, removed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, true
	}
	if len(apdu) < 4 {
		return sw(swWrongLength), false
	}
	ins := apdu[1]
	c.commands = append(c.commands, ins)
	if c.faults.RemoveOn != 0 && ins == c.faults.RemoveOn {
		c.removed = true
		return nil, true
	}
	if s, ok := c.faults.Status[ins]; ok {
		return sw(s), false
	}
	if c.locked {
		return sw(swAuth), false
	}
	if apdu[0] != 0x80 && apdu[0] != 0x84 {
		return sw(swUnknownCLA), false
	}
	body, ok := shortBody(apdu)
	if !ok {
		return sw(swWrongLength), false
	}
	switch ins {
	case 0x41:
		return c.info(), false
	case 0x4B:
		c.challenge = make([]byte, nfc.ChallengeLen)
		rand.Read(c.challenge)
		c.authed = false
		return append(bytes.Clone(c.challenge), 0x90, 0x00), false
	case 0xCE:
		return sw(c.auth(body)), false
	case 0xD4:
		return sw(c.config(apdu, body)), false
	case 0xC5:
		return sw(c.writeSeed(apdu, body)), false
	}
	return sw(swUnknownINS), false
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }

// shortBody returns the Lc data of a short APDU (an optional Le is ignored).
func shortBody(apdu []byte) ([]byte, bool) {
	if len(apdu) == 4 {
		return nil, true
	}
	lc := int(apdu[4])
	if len(apdu) == 5 {
		return nil, true // Le only
	}
	if len(apdu) != 5+lc && len(apdu) != 6+lc {
		return nil, false
	}
	return apdu[5 : 5+lc], true
}

func (c *Card) info() []byte {
	out := []byte{0, 0, 0, byte(len(c.serial))}
	out = append(out, c.serial...)
	out = append(out, 0, 0)
	out = binary.BigEndian.AppendUint32(out, uint32(c.clock().Unix()))
	return append(out, 0x90, 0x00)
}

func (c *Card) auth(body []byte) uint16 {
	c.authAttempts++
	if len(body) != 16 {
		return swWrongLength
	}
	challenged := c.challenge != nil
	want := make([]byte, 16)
	copy(want, c.challenge)
	block(false, want)
	c.challenge = nil // one answer per challenge
	if c.faults.RefuseAuth > 0 || !challenged || subtle.ConstantTimeCompare(want, body) != 1 {
		if c.faults.RefuseAuth > 0 {
			c.faults.RefuseAuth--
		}
		c.authRefused++
		if c.faults.LockAfter > 0 && c.authRefused >= c.faults.LockAfter {
			c.locked = true
		}
		return swAuth
	}
	c.authed = true
	return swOK
}

// macOK checks the trailing 4-byte MAC of a CLA 84 command.
func (c *Card) macOK(apdu, body []byte) ([]byte, bool) {
	if apdu[0] != 0x84 || len(body) < 4 || !c.authed || c.faults.BadMAC {
		return nil, false
	}
	data := body[:len(body)-4]
	want := nfc.MAC(apdu[1], apdu[2], apdu[3], data)
	return data, subtle.ConstantTimeCompare(want[:], body[len(body)-4:]) == 1
}

func (c *Card) config(apdu, body []byte) uint16 {
	tlv, ok := c.macOK(apdu, body)
	if !ok {
		return swAuth
	}
	if len(tlv) != 19 || !bytes.Equal(tlv[:3], []byte{0x81, 0x11, 0x1F}) || tlv[3] != 1 || tlv[4] > 3 ||
		!bytes.Equal(tlv[5:7], []byte{0x0F, 0x04}) || !bytes.Equal(tlv[11:14], []byte{0x86, 0x06, 0x0A}) ||
		tlv[14] != 1 || (tlv[15] != 1 && tlv[15] != 2) || !bytes.Equal(tlv[16:18], []byte{0x0D, 0x01}) ||
		(tlv[18] != 0x1E && tlv[18] != 0x3C) {
		return swBadData
	}
	set := time.Unix(int64(binary.BigEndian.Uint32(tlv[7:11])), 0)
	c.clockOffset = set.Sub(c.now())
	c.display, c.hmacAlg, c.stepSecs = tlv[4], tlv[15], int(tlv[18])
	if c.restricted {
		clear(c.seed)
		c.seed = nil
	}
	return swOK
}

func (c *Card) writeSeed(apdu, body []byte) uint16 {
	if apdu[2] != 0x01 {
		return swBadData
	}
	ct, ok := c.macOK(apdu, body)
	if !ok {
		return swAuth
	}
	if len(ct) == 0 || len(ct)%16 != 0 {
		return swBadData
	}
	plain := bytes.Clone(ct)
	block(true, plain)
	// The seed ends at the rightmost 80 followed only by zeros.
	end := bytes.LastIndexByte(plain, 0x80)
	if end < 1 || end > nfc.MaxSeedLen || len(bytes.Trim(plain[end+1:], "\x00")) != 0 || len(plain)-end > 16 {
		return swBadData
	}
	clear(c.seed)
	c.seed = plain[:end]
	return swOK
}

// block runs SM4-ECB under the device key over whole blocks, in place.
func block(decrypt bool, b []byte) {
	k, _ := sm4.NewCipher(nfc.DeviceKey())
	if decrypt {
		gmcipher.NewECBDecrypter(k).CryptBlocks(b, b)
		return
	}
	gmcipher.NewECBEncrypter(k).CryptBlocks(b, b)
}
