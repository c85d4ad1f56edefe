package nfc

import (
	"crypto/cipher"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/sm4"
)

// deviceKey is the SM4 key every single-profile Token2 token shares. It is
// public: the vendor publishes it, and authenticating with it proves only
// that we speak the protocol. It is not a secret of ours.
var deviceKey = [16]byte{0x8A, 0xD2, 0x06, 0x88, 0x3C, 0xA3, 0x69, 0x48, 0x2A, 0xB2, 0x71, 0x82, 0xB6, 0xE8, 0x32, 0x24}

const blockSize = 16

// DeviceKey returns a copy of the public device key, for the virtual card.
func DeviceKey() []byte { k := deviceKey; return k[:] }

func newBlock() cipher.Block {
	b, err := sm4.NewCipher(deviceKey[:])
	if err != nil {
		panic("nfc: SM4 rejected a 16-byte key: " + err.Error()) // cannot happen
	}
	return b
}

// ecbEncrypt encrypts whole blocks with SM4-ECB under the device key, as
// the token expects for the authentication response and the seed.
func ecbEncrypt(plain []byte) []byte {
	out := make([]byte, len(plain))
	gmcipher.NewECBEncrypter(newBlock()).CryptBlocks(out, plain)
	return out
}

// padISO appends 80 and zeros to a whole number of blocks (ISO/IEC 9797-1
// method 2). always=true pads a block-aligned input with a full extra block,
// as the seed framing requires; the MAC pads only when needed.
func padISO(b []byte, always bool) []byte {
	if !always && len(b)%blockSize == 0 {
		return append([]byte(nil), b...)
	}
	n := (len(b)/blockSize + 1) * blockSize
	out := make([]byte, n)
	copy(out, b)
	out[len(b)] = 0x80
	return out
}

// MAC computes the 4-byte command MAC: SM4-CBC with a zero IV over
// 80 INS P1 P2 Lc' ‖ body (class 80 although the command is sent as 84,
// Lc' the body length without the MAC), padded only when needed; the MAC is
// the first four bytes of the last ciphertext block.
func MAC(ins, p1, p2 byte, body []byte) [4]byte {
	in := append([]byte{0x80, ins, p1, p2, byte(len(body))}, body...)
	padded := padISO(in, false)
	clear(in)
	var iv [blockSize]byte
	cipher.NewCBCEncrypter(newBlock(), iv[:]).CryptBlocks(padded, padded)
	var m [4]byte
	copy(m[:], padded[len(padded)-blockSize:])
	clear(padded)
	return m
}
