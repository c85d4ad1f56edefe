package cli

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/two-factor/two-factor/termsafe"
)

// sdNotify tells systemd (Type=notify) how serve is doing: it sends state
// ("READY=1", "RELOADING=1", "STOPPING=1") as one datagram to the socket
// named by $NOTIFY_SOCKET, which is passed as socket; an empty socket (not
// started by systemd) sends nothing. A name starting with '@' is an
// abstract socket, which Go's net package already understands. A failure
// is logged, not fatal: the verifier serves either way.
func sdNotify(socket, state string, logw io.Writer) {
	if socket == "" {
		return
	}
	c, err := net.DialTimeout("unixgram", socket, time.Second)
	if err == nil {
		c.SetWriteDeadline(time.Now().Add(time.Second)) //nolint:errcheck // the write reports it
		_, err = c.Write([]byte(state))
		c.Close()
	}
	if err != nil {
		fmt.Fprintf(logw, "two-factor: cannot tell systemd %s: %s\n", state, termsafe.Clean(err.Error()))
	}
}
