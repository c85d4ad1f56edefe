package nfctest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// VPCDAddr is where vpcd (server mode, reader.conf DEVICENAME
// /dev/null:0x8C7B) listens for the card of its first slot.
const VPCDAddr = "127.0.0.1:35963"

// ATR the virtual card presents.
var ATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

// Presented is a card placed on a vpcd reader. Remove takes it off.
type Presented struct {
	conn net.Conn
	done chan struct{}
	once sync.Once
	err  error
}

// Present connects the card to vpcd at addr, retrying while vpcd starts,
// and serves it until Remove, a removal fault or vpcd hanging up.
//
// vpcd framing (vsmartcard 3.3): uint16 big-endian length ‖ payload, both
// ways. A 1-byte payload is a control code (00 off, 01 on, 02 reset, 04
// ATR); only 04 is answered. Anything else is an APDU, answered with the
// R-APDU. vpcd 3.3 sends length and payload in separate writes, so reads
// must be read-full.
func (c *Card) Present(addr string, wait time.Duration) (*Presented, error) {
	deadline := time.Now().Add(wait)
	var conn net.Conn
	var err error
	for {
		conn, err = net.DialTimeout("tcp", addr, time.Second)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("virtual card: vpcd not reachable at %s: %w", addr, err)
	}
	c.mu.Lock()
	c.removed = false
	c.mu.Unlock()
	p := &Presented{conn: conn, done: make(chan struct{})}
	go p.serve(c)
	return p, nil
}

// Remove takes the card off the reader and waits for the server to stop.
func (p *Presented) Remove() {
	p.once.Do(func() { p.conn.Close() })
	<-p.done
}

// Err is why serving stopped (nil after Remove or a removal fault).
func (p *Presented) Err() error { <-p.done; return p.err }

func (p *Presented) serve(c *Card) {
	defer close(p.done)
	defer p.once.Do(func() { p.conn.Close() })
	var hdr [2]byte
	for {
		quickAck(p.conn) // Linux clears it again after a while: renew per message
		if _, err := io.ReadFull(p.conn, hdr[:]); err != nil {
			if !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				p.err = err
			}
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickAck(p.conn)
		if _, err := io.ReadFull(p.conn, msg); err != nil {
			p.err = err
			return
		}
		var reply []byte
		if len(msg) == 1 {
			if msg[0] != 0x04 { // power off / on / reset: no answer
				continue
			}
			reply = ATR
		} else {
			resp, removed := c.Handle(msg)
			if removed {
				return // dropping the connection is how vpcd sees a removal
			}
			reply = resp
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(reply)))
		if _, err := p.conn.Write(append(out, reply...)); err != nil {
			p.err = err
			return
		}
	}
}
