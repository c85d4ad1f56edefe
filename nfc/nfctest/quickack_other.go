//go:build !linux

package nfctest

import "net"

func quickAck(net.Conn) {}
