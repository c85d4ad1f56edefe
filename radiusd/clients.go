package radiusd

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/two-factor/two-factor/inputfile"
	"github.com/two-factor/two-factor/termsafe"
)

// MaxClientsFile bounds the clients file: thousands of lines, never a
// runaway read.
const MaxClientsFile = 1 << 20

// MinSecretLen is the shortest shared secret accepted. RFC 2865 §3 asks
// for at least 16 octets; a short secret is what makes the RADIUS password
// hiding and the authenticators guessable offline.
const MinSecretLen = 16

// LegacyOption, as a client's third field, lets that client send
// Access-Requests without a Message-Authenticator. It is UNSAFE: such a
// client is open to the BlastRADIUS forgery (CVE-2024-3596). It exists
// only for old gear that cannot send one; responses still carry one.
const LegacyOption = "insecure-no-message-authenticator"

// Client is one NAS (VPN concentrator, firewall, Wi-Fi controller)
// allowed to ask, and the secret it shares with this server.
type Client struct {
	Net    netip.Prefix
	Secret []byte
	// Legacy accepts requests without a Message-Authenticator (unsafe).
	Legacy bool
}

// Clients is the set of allowed NASes, matched most specific first.
type Clients struct {
	list []Client
}

// Lookup returns the client entry for addr: the most specific network that
// contains it, or false for an address no line allows.
func (cs *Clients) Lookup(addr netip.Addr) (Client, bool) {
	addr = addr.Unmap()
	best, found := Client{}, false
	for _, c := range cs.list {
		if c.Net.Contains(addr) && (!found || c.Net.Bits() > best.Net.Bits()) {
			best, found = c, true
		}
	}
	return best, found
}

// LegacyBeyondLoopback lists the legacy clients (no Message-Authenticator
// required) that are not this host's loopback. Over loopback only a
// process with root, which can read the secret anyway, could sit in the
// middle, so pam_radius_auth (which sends none) may be marked legacy
// there; anywhere else such a line is open to BlastRADIUS, and serve
// warns about it.
func (cs *Clients) LegacyBeyondLoopback() []netip.Prefix {
	var exposed []netip.Prefix
	for _, c := range cs.list {
		if c.Legacy && !allLoopback(c.Net) {
			exposed = append(exposed, c.Net)
		}
	}
	return exposed
}

// allLoopback reports whether every address of p is a loopback address:
// within 127.0.0.0/8, or ::1.
func allLoopback(p netip.Prefix) bool {
	if !p.Addr().IsLoopback() {
		return false
	}
	if p.Addr().Is4() {
		return p.Bits() >= 8
	}
	return p.Bits() == 128
}

// Len is the number of client lines.
func (cs *Clients) Len() int { return len(cs.list) }

// LoadClients reads a clients file: one client per line,
//
//	ADDRESS_OR_CIDR SHARED_SECRET [insecure-no-message-authenticator]
//
// with blank lines and lines starting with # ignored. The file holds
// secrets, so one that other users could read or change is refused.
func LoadClients(path string) (*Clients, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s can be read or changed by other users (mode %04o) and holds shared secrets; run: chmod 600 %s",
			path, perm, path)
	}
	data, err := inputfile.Read(path, MaxClientsFile)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	return ParseClients(data, path)
}

// ParseClients parses the text of a clients file; name is used in errors,
// which never include a secret.
func ParseClients(data []byte, name string) (*Clients, error) {
	cs := &Clients{}
	seen := map[netip.Prefix]int{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		text := strings.TrimSpace(string(line))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("%s:%d: want ADDRESS_OR_CIDR SHARED_SECRET [%s], found %d field(s)", name, n, LegacyOption, len(f))
		}
		p, err := parseNet(f[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not an IP address or a network in CIDR form (10.0.0.0/24)", name, n, termsafe.Clean(f[0]))
		}
		if len(f[1]) < MinSecretLen {
			return nil, fmt.Errorf("%s:%d: the shared secret for %s is %d characters; use at least %d (e.g. from: openssl rand -base64 24)",
				name, n, p, len(f[1]), MinSecretLen)
		}
		c := Client{Net: p, Secret: []byte(f[1])}
		if len(f) == 3 {
			if f[2] != LegacyOption {
				return nil, fmt.Errorf("%s:%d: unknown option %q (the only one is %s)", name, n, termsafe.Clean(f[2]), LegacyOption)
			}
			c.Legacy = true
		}
		if prev, dup := seen[p]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already given on line %d", name, n, p, prev)
		}
		seen[p] = n
		cs.list = append(cs.list, c)
	}
	return cs, nil
}

// parseNet reads an address (one host) or a CIDR network.
func parseNet(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			// Below /96 the network reaches past the mapped addresses and
			// has no IPv4 form.
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("%s reaches beyond the IPv4-mapped addresses", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
