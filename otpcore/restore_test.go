package otpcore

import (
	"strings"
	"testing"
)

// TestCorruptedKeyedStateIsNeverUsed: each code restores the keyed HMAC
// states a generator saved when keyed. Should a restore fail (a corrupted
// state), the hash would carry on from whatever it last held and the
// generator would return a wrong code without a word; it must stop instead.
func TestCorruptedKeyedStateIsNeverUsed(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, alg := range []Algorithm{SHA1, SHA256, SHA512} {
		for _, oneBlock := range []bool{true, false} {
			for _, which := range []string{"inner", "outer"} {
				g, err := AcquireGenerator(alg, key, 6)
				if err != nil {
					t.Fatal(err)
				}
				g.oneBlock = oneBlock
				right := g.Value(1)
				state := g.ipad
				if which == "outer" {
					state = g.opad
				}
				state[0] ^= 0xff // the saved state's magic: no longer restorable
				got, msg := valueOrPanic(g, 1)
				if msg == "" {
					t.Errorf("%v one-block=%v, %s state corrupted: Value gave %d (right: %d) instead of stopping", alg, oneBlock, which, got, right)
				} else if !strings.Contains(msg, "keyed HMAC state") {
					t.Errorf("%v: the panic does not say what failed: %s", alg, msg)
				}
			}
		}
	}
}

// valueOrPanic is g.Value(c), or the panic's message.
func valueOrPanic(g *Generator, c uint64) (v uint32, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.TrimSpace(fmtAny(r))
		}
	}()
	return g.Value(c), ""
}

func fmtAny(r any) string {
	if err, ok := r.(error); ok {
		return err.Error()
	}
	s, _ := r.(string)
	return s
}
