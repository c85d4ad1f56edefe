package radiusd

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientsMostSpecificNetworkWins(t *testing.T) {
	cs, err := ParseClients([]byte(`# VPN concentrators
10.1.2.3        bbbbbbbbbbbbbbbbbbbb   `+LegacyOption+`
10.0.0.0/8      aaaaaaaaaaaaaaaaaaaa

::ffff:192.0.2.0/120 cccccccccccccccccccc
2001:db8::/32   dddddddddddddddd#with-a-hash
`), "clients")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr, secret string
		legacy       bool
	}{
		{"10.1.2.3", "bbbbbbbbbbbbbbbbbbbb", true},
		{"10.1.2.4", "aaaaaaaaaaaaaaaaaaaa", false},
		{"::ffff:10.9.9.9", "aaaaaaaaaaaaaaaaaaaa", false},
		{"192.0.2.77", "cccccccccccccccccccc", false},
		{"2001:db8::1", "dddddddddddddddd#with-a-hash", false},
		{"11.0.0.1", "", false},
	} {
		got, ok := cs.Lookup(netip.MustParseAddr(c.addr))
		if string(got.Secret) != c.secret || ok != (c.secret != "") || got.Legacy != c.legacy {
			t.Errorf("%s: got %q legacy=%v found=%v", c.addr, got.Secret, got.Legacy, ok)
		}
	}
}

func TestClientsFileMistakesAreNamedWithoutTheSecret(t *testing.T) {
	for text, want := range map[string]string{
		"10.0.0.1\n": "clients:1: want ADDRESS_OR_CIDR SHARED_SECRET",
		"# c\nvpn.example.com sixteen-chars-long-secret":                             "clients:2: \"vpn.example.com\" is not an IP address",
		"10.0.0.1 short-secret":                                                      "is 12 characters; use at least 16",
		"10.0.0.1 sixteen-chars-long-secret legacy":                                  `unknown option "legacy"`,
		"10.0.0.1 sixteen-chars-long-secret\n10.0.0.1/32 other-sixteen-chars-secret": "clients:2: 10.0.0.1/32 is already given on line 1",
		// An IPv4-mapped network wider than the mapped space has no IPv4
		// form: it was kept as an invalid network that matched nothing
		// (and serve warned of "RADIUS client invalid Prefix").
		"::ffff:127.0.0.1/90 sixteen-chars-long-secret": `clients:1: "::ffff:127.0.0.1/90" is not an IP address`,
	} {
		_, err := ParseClients([]byte(text), "clients")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
			continue
		}
		if strings.Contains(err.Error(), "secret-") || strings.Contains(err.Error(), "short-secret") {
			t.Errorf("%q: the error shows a secret: %v", text, err)
		}
	}
}

func TestClientsFileReadableByOthersIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "radius-clients")
	if err := os.WriteFile(path, []byte("127.0.0.1 sixteen-chars-long-secret\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClients(path); err == nil || !strings.Contains(err.Error(), "run: chmod 600 "+path) {
		t.Errorf("a group-readable clients file: got %v, want a refusal with the chmod fix", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if cs, err := LoadClients(path); err != nil || cs.Len() != 1 {
		t.Errorf("after chmod 600: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, MaxClientsFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClients(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an oversized clients file: got %v", err)
	}
}

// A legacy line is safe only for a NAS on this host (pam_radius_auth over
// loopback): a man in the middle needs to be on the path. Every other
// legacy line is named, for serve to warn about.
func TestLegacyBeyondLoopbackIsNamed(t *testing.T) {
	cs, err := ParseClients([]byte(`127.0.0.1     sixteen-chars-long-secret-a `+LegacyOption+`
::1           sixteen-chars-long-secret-b `+LegacyOption+`
127.0.0.0/8   sixteen-chars-long-secret-c `+LegacyOption+`
10.1.2.3      sixteen-chars-long-secret-d `+LegacyOption+`
0.0.0.0/0     sixteen-chars-long-secret-e `+LegacyOption+`
::/0          sixteen-chars-long-secret-f `+LegacyOption+`
192.0.2.10    sixteen-chars-long-secret-g
`), "clients")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cs.LegacyBeyondLoopback() {
		got = append(got, p.String())
	}
	if want := "10.1.2.3/32 0.0.0.0/0 ::/0"; strings.Join(got, " ") != want {
		t.Errorf("legacy lines beyond loopback: %v, want %s", got, want)
	}
}
