package nfc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm4"
	"github.com/two-factor/two-factor/otpcore"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The GB/T 32907-2016 (GM/T 0002) example: the library really is SM4.
func TestSM4StandardVector(t *testing.T) {
	key := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	b, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 16)
	b.Encrypt(out, key)
	if want := unhex(t, "681EDF34D206965E86B3E94F536E4246"); !bytes.Equal(out, want) {
		t.Fatalf("SM4 = %X, want %X", out, want)
	}
}

// Known-answer vectors from the research notes (section 1.8), computed by
// Token2's C sm4.c and by gmsm independently.
func TestAuthVector(t *testing.T) {
	got, err := AuthCommand(unhex(t, "0102030405060708"))
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "80CE000010C1CD2CF40D508CEDC1274FF1AE4C19F1"); !bytes.Equal(got, want) {
		t.Fatalf("auth = %X\nwant   %X", got, want)
	}
}

func TestConfigVector(t *testing.T) {
	got, err := ConfigCommand(Config{
		DisplayTimeout: 30 * time.Second,
		Time:           time.Unix(0x654FE600, 0),
		Algorithm:      otpcore.SHA1,
		Step:           30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "84D400001781111F01010F04654FE60086060A01010D011E930D8D5B"); !bytes.Equal(got, want) {
		t.Fatalf("config = %X\nwant     %X", got, want)
	}
}

func TestSeedVectors(t *testing.T) {
	for _, tc := range []struct{ name, seed, want string }{
		{"20 bytes", hex.EncodeToString([]byte("12345678901234567890")),
			"84C50100245E5856092FD3228D4D33EEE3DAAC4B55CE37D18D332B7AC6A40E8661FA23042AF47B0153"},
		{"32 bytes, block-aligned", hex.EncodeToString([]byte("12345678901234567890123456789012")),
			"84C50100345E5856092FD3228D4D33EEE3DAAC4B555DE80AA99074AB9727640C64FF67D124D219EFC9972FED9191DF027FD36A80B0F97FF0CA"},
		{"10 bytes, not zero-extended", "48656c6c6f21deadbeef",
			"84C5010014E37E185346F9F5572F823CDF83FA4F9FBBE381DA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SeedCommand(unhex(t, tc.seed))
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("seed = %X\nwant   %X", got, want)
			}
		})
	}
}

func TestSeedLengthLimits(t *testing.T) {
	for _, n := range []int{0, 64} {
		if _, err := SeedCommand(make([]byte, n)); err == nil {
			t.Errorf("SeedCommand accepted a %d-byte seed", n)
		}
	}
	cmd, err := SeedCommand(make([]byte, 63))
	if err != nil {
		t.Fatal(err)
	}
	if cmd[4] != 0x44 {
		t.Errorf("63-byte seed: Lc = %02X, want 44", cmd[4])
	}
}

func TestSeedNeverInErrors(t *testing.T) {
	seed := bytes.Repeat([]byte("SECRET"), 11) // 66 bytes: too long
	_, err := SeedCommand(seed)
	if err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), hex.EncodeToString(seed[:6])) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigRejectsWhatTheTokenCannotShow(t *testing.T) {
	good := Config{DisplayTimeout: 30 * time.Second, Time: time.Unix(1e9, 0), Algorithm: otpcore.SHA256, Step: 60 * time.Second}
	if _, err := ConfigCommand(good); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.DisplayTimeout = 45 * time.Second },
		func(c *Config) { c.Algorithm = otpcore.SHA512 },
		func(c *Config) { c.Step = 45 * time.Second },
		func(c *Config) { c.Time = time.Unix(-1, 0) },
		func(c *Config) { c.Time = time.Unix(1<<32, 0) },
	}
	for i, f := range bad {
		c := good
		f(&c)
		if _, err := ConfigCommand(c); err == nil {
			t.Errorf("case %d: accepted %+v", i, c)
		}
	}
}

func TestParseInfo(t *testing.T) {
	// The answer of the live check in the notes (section 3.4).
	info, err := ParseInfo(unhex(t, "0000000E383635393633323030303030343200006553F1009000"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Serial != "86596320000042" || info.Clock.Unix() != 0x6553F100 {
		t.Fatalf("info = %+v", info)
	}
	m, err := ModelForSerial(info.Serial)
	if err != nil || m.Name != "C302-i" || m.RestrictedSync {
		t.Fatalf("model = %+v, %v", m, err)
	}
	for _, bad := range []string{
		"9000", "0000000E3836353936333230303030303432 0000 6553F1 9000", // short
		"0000000E383635393633323030303030343200006553F100009000", // long
		"000000021B5B00006553F1009000",                           // ESC in serial
		"0000000000006553F1009000",                               // empty serial
	} {
		if _, err := ParseInfo(unhex(t, bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseInfo(%s) err = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestStatusWordsAreTyped(t *testing.T) {
	for sw, want := range map[string]error{"6983": ErrAuthFailed, "6700": ErrWrongLength, "6A80": ErrBadData, "6D00": ErrNotSupported, "6E00": ErrNotSupported} {
		_, err := ParseChallenge(unhex(t, sw))
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", sw, err, want)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.SW != uint16(unhex(t, sw)[0])<<8|uint16(unhex(t, sw)[1]) {
			t.Errorf("%s: not a *StatusError with that SW: %v", sw, err)
		}
	}
	_, err := ParseChallenge(unhex(t, "6F00"))
	if !strings.Contains(err.Error(), "6F00") || errors.Is(err, ErrAuthFailed) {
		t.Errorf("6F00: %v", err)
	}
	if _, err := ParseChallenge(unhex(t, "0102030405060708 9000")); err != nil {
		t.Errorf("good challenge: %v", err)
	}
	if _, err := ParseChallenge(unhex(t, "01020304 9000")); !errors.Is(err, ErrMalformed) {
		t.Errorf("short challenge: %v", err)
	}
}

func TestModelForSerial(t *testing.T) {
	for serial, want := range map[string]string{
		"86596120000001": "OTPC-P1-i", "86596220000001": "OTPC-P2-i", "86596210000001": "OTPC-P2-i-NB",
		"86596000000001": "miniOTP-2-i", "86596010000001": "miniOTP-3-i", "86596090000001": "miniOTP-3-i-NB",
		"86596100000001": "C301-i", "86596320000001": "C302-i",
	} {
		m, err := ModelForSerial(serial)
		if err != nil || m.Name != want {
			t.Errorf("%s: %+v %v, want %s", serial, m, err, want)
		}
		wantRestricted := !(want == "OTPC-P1-i" || want == "miniOTP-2-i" || want == "C302-i")
		if m.RestrictedSync != wantRestricted {
			t.Errorf("%s: restricted = %v", want, m.RestrictedSync)
		}
	}
	for _, serial := range []string{"86596990000001", "8659632", "1234567890", ""} {
		_, err := ModelForSerial(serial)
		var ue *UnknownModelError
		if !errors.Is(err, ErrUnknownModel) || !errors.As(err, &ue) {
			t.Errorf("%q: err = %v", serial, err)
		}
	}
}
