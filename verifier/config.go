package verifier

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// System-wide defaults of the verifier run as a service. The key lives
// apart from the data (in /etc, readable by the service account only) so
// a copy of /var/lib/two-factor, a backup say, is not a copy of every seed.
const (
	DefaultConfig = "/etc/two-factor/serve.conf"
	DefaultSocket = "/run/two-factor/verify.sock"
	DefaultDB     = "/var/lib/two-factor/two-factor.db"
	DefaultKey    = "/etc/two-factor/master.key"
)

// Config is serve's configuration file: "key = value" lines, "#" comments.
type Config struct {
	Socket  string // socket
	Group   string // group: owner group of the socket, who may verify
	HTTP    string // http: TCP address of the bearer-token API, "" for none
	DB      string // db: the store
	KeyFile string // key-file: the master key
	Limit   Limit  // rate (requests/s per caller, 0 = none) and burst

	RADIUS        string // radius: UDP address answering RADIUS, "" for none
	RADIUSClients string // radius-clients: the NASes allowed to ask (radiusd.LoadClients)
}

// DefaultSettings is the configuration without a file.
func DefaultSettings() Config {
	return Config{Socket: DefaultSocket, DB: DefaultDB, KeyFile: DefaultKey, Limit: Limit{Rate: 200, Burst: 400}}
}

// LoadConfig reads the file at path over the defaults. A missing file is
// the defaults when missingOK (the default path); a named one must exist.
func LoadConfig(path string, missingOK bool) (Config, error) {
	c := DefaultSettings()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && missingOK {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	defer f.Close()
	if err := c.parse(f); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func (c *Config) parse(r io.Reader) error {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("line %d: want key = value", n)
		}
		if err := c.set(strings.TrimSpace(key), strings.TrimSpace(value)); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

func (c *Config) set(key, value string) error {
	switch key {
	case "socket":
		c.Socket = value
	case "group":
		c.Group = value
	case "http":
		c.HTTP = value
	case "radius":
		c.RADIUS = value
	case "radius-clients":
		c.RADIUSClients = value
	case "db":
		c.DB = value
	case "key-file":
		c.KeyFile = value
	case "rate":
		r, err := strconv.ParseFloat(value, 64)
		if err != nil || r < 0 {
			return fmt.Errorf("rate %q: want requests per second, 0 for no limit", value)
		}
		c.Limit.Rate = r
	case "burst":
		b, err := strconv.Atoi(value)
		if err != nil || b < 1 {
			return fmt.Errorf("burst %q: want a whole number of requests, at least 1", value)
		}
		c.Limit.Burst = b
	default:
		return fmt.Errorf("unknown key %q (known: socket, group, http, radius, radius-clients, db, key-file, rate, burst)", key)
	}
	return nil
}
