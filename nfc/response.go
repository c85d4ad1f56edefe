package nfc

import (
	"encoding/binary"
	"fmt"
	"time"
)

// MaxResponseLen bounds what the parsers look at: a short APDU answer.
const MaxResponseLen = 258

// CheckStatus splits an answer into its data and checks the status word:
// 9000 gives the data, anything else a *StatusError.
func CheckStatus(resp []byte) ([]byte, error) {
	if len(resp) < 2 {
		return nil, fmt.Errorf("%w: %d bytes, no status word", ErrMalformed, len(resp))
	}
	if len(resp) > MaxResponseLen {
		return nil, fmt.Errorf("%w: %d bytes is longer than any answer of this token", ErrMalformed, len(resp))
	}
	sw := binary.BigEndian.Uint16(resp[len(resp)-2:])
	if sw != 0x9000 {
		return nil, &StatusError{SW: sw}
	}
	return resp[:len(resp)-2], nil
}

// CheckEmpty checks an answer that carries only a status word.
func CheckEmpty(resp []byte) error {
	data, err := CheckStatus(resp)
	if err != nil {
		return err
	}
	if len(data) != 0 {
		return fmt.Errorf("%w: %d unexpected data bytes", ErrMalformed, len(data))
	}
	return nil
}

// TokenInfo is what the info command reports.
type TokenInfo struct {
	Serial string
	// Clock is the token's own time.
	Clock time.Time
}

// ParseInfo reads hdr(3) ‖ N ‖ serial(N) ‖ sep(2) ‖ UTC u32 BE ‖ 9000. The
// header and separator bytes are not checked (their values are not known
// to be constant); the serial must be 1..32 ASCII letters or digits, so
// nothing a token sends can put control characters on a terminal.
func ParseInfo(resp []byte) (TokenInfo, error) {
	data, err := CheckStatus(resp)
	if err != nil {
		return TokenInfo{}, err
	}
	if len(data) < 4 {
		return TokenInfo{}, fmt.Errorf("%w: info of %d bytes", ErrMalformed, len(data))
	}
	n := int(data[3])
	if n == 0 || n > 32 || len(data) != 4+n+2+4 {
		return TokenInfo{}, fmt.Errorf("%w: info of %d bytes with a %d-byte serial", ErrMalformed, len(data), n)
	}
	serial := data[4 : 4+n]
	for _, c := range serial {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return TokenInfo{}, fmt.Errorf("%w: serial contains byte %02X", ErrMalformed, c)
		}
	}
	utc := binary.BigEndian.Uint32(data[4+n+2:])
	return TokenInfo{Serial: string(serial), Clock: time.Unix(int64(utc), 0).UTC()}, nil
}

// ParseChallenge reads the 8-byte challenge ‖ 9000.
func ParseChallenge(resp []byte) ([]byte, error) {
	data, err := CheckStatus(resp)
	if err != nil {
		return nil, err
	}
	if len(data) != ChallengeLen {
		return nil, fmt.Errorf("%w: challenge of %d bytes, want %d", ErrMalformed, len(data), ChallengeLen)
	}
	return append([]byte(nil), data...), nil
}
