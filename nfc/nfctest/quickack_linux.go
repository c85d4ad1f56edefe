package nfctest

import (
	"net"
	"syscall"
)

// quickAck acknowledges vpcd's segments at once. vpcd 3.3 writes the length
// and the payload separately, so with delayed ACKs every exchange waited
// ~40 ms on Nagle; the benchmark would have measured TCP, not the burn.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	if raw, err := tc.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
		})
	}
}
