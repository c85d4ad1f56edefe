package nfc

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/two-factor/two-factor/otpcore"
)

// Instruction bytes of the single-profile command set.
const (
	insInfo      = 0x41
	insChallenge = 0x4B
	insAuth      = 0xCE
	insConfig    = 0xD4
	insSeed      = 0xC5
)

// MaxSeedLen is the longest seed the token stores.
const MaxSeedLen = 63

// ChallengeLen is the length of the token's authentication challenge.
const ChallengeLen = 8

// InfoCommand asks for the serial and the token's clock.
func InfoCommand() []byte { return []byte{0x80, insInfo, 0x00, 0x00, 0x02, 0x02, 0x11} }

// ChallengeCommand asks for an 8-byte authentication challenge.
func ChallengeCommand() []byte { return []byte{0x80, insChallenge, 0x08, 0x00, 0x01, 0x00} }

// AuthCommand answers a challenge: SM4-ECB(device key, challenge ‖ 00×8).
func AuthCommand(challenge []byte) ([]byte, error) {
	if len(challenge) != ChallengeLen {
		return nil, fmt.Errorf("%w: challenge of %d bytes, want %d", ErrMalformed, len(challenge), ChallengeLen)
	}
	var block [blockSize]byte
	copy(block[:], challenge)
	return append([]byte{0x80, insAuth, 0x00, 0x00, blockSize}, ecbEncrypt(block[:])...), nil
}

// Config is what the configuration command sets. The token takes all
// fields at once; there is no clock-only command.
type Config struct {
	// DisplayTimeout is how long the display stays on: 15, 30, 60 or 120 s.
	DisplayTimeout time.Duration
	// Time is the clock to set (sent as UTC Unix seconds).
	Time time.Time
	// Algorithm is otpcore.SHA1 or otpcore.SHA256.
	Algorithm otpcore.Algorithm
	// Step is 30 or 60 seconds. The token always shows 6 digits.
	Step time.Duration
}

func (c Config) encode() ([]byte, error) {
	var disp byte
	switch c.DisplayTimeout {
	case 15 * time.Second:
		disp = 0
	case 30 * time.Second:
		disp = 1
	case 60 * time.Second:
		disp = 2
	case 120 * time.Second:
		disp = 3
	default:
		return nil, fmt.Errorf("display timeout %s is not one the token offers (15s, 30s, 60s, 2m0s)", c.DisplayTimeout)
	}
	var hmac byte
	switch c.Algorithm {
	case otpcore.SHA1:
		hmac = 1
	case otpcore.SHA256:
		hmac = 2
	default:
		return nil, fmt.Errorf("algorithm %s is not one the token offers (SHA1, SHA256)", c.Algorithm)
	}
	var step byte
	switch c.Step {
	case 30 * time.Second:
		step = 0x1E
	case 60 * time.Second:
		step = 0x3C
	default:
		return nil, fmt.Errorf("time step %s is not one the token offers (30s, 60s)", c.Step)
	}
	unix := c.Time.Unix()
	if unix < 0 || unix > 0xFFFFFFFF {
		return nil, fmt.Errorf("clock %s cannot be set on the token", c.Time.UTC().Format(time.RFC3339))
	}
	tlv := []byte{
		0x81, 0x11,
		0x1F, 0x01, disp,
		0x0F, 0x04, 0, 0, 0, 0,
		0x86, 0x06,
		0x0A, 0x01, hmac,
		0x0D, 0x01, step,
	}
	binary.BigEndian.PutUint32(tlv[7:11], uint32(unix))
	return tlv, nil
}

// ConfigCommand writes display timeout, clock, hash and step, with its MAC.
// On restricted-sync models the token erases its seed when it runs this.
func ConfigCommand(c Config) ([]byte, error) {
	tlv, err := c.encode()
	if err != nil {
		return nil, err
	}
	return secured(insConfig, 0x00, 0x00, tlv), nil
}

// SeedCommand writes the seed: SM4-ECB of the seed always padded with 80
// and zeros (a block-aligned seed gets a whole extra block, which the token
// requires), then the MAC. The caller must clear the returned command once
// sent: it is the seed under a public key.
func SeedCommand(seed []byte) ([]byte, error) {
	if len(seed) == 0 || len(seed) > MaxSeedLen {
		return nil, fmt.Errorf("a seed of %d bytes does not fit the token (1 to %d bytes)", len(seed), MaxSeedLen)
	}
	padded := padISO(seed, true)
	ct := ecbEncrypt(padded)
	clear(padded)
	cmd := secured(insSeed, 0x01, 0x00, ct)
	clear(ct)
	return cmd, nil
}

// secured frames a CLA 84 command: header, Lc = body + 4, body, MAC.
func secured(ins, p1, p2 byte, body []byte) []byte {
	mac := MAC(ins, p1, p2, body)
	cmd := make([]byte, 0, 5+len(body)+4)
	cmd = append(cmd, 0x84, ins, p1, p2, byte(len(body)+4))
	cmd = append(cmd, body...)
	return append(cmd, mac[:]...)
}
