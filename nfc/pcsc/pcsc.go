// Package pcsc carries nfc APDUs through pcscd, the PC/SC daemon, with
// github.com/gballet/go-libpcsclite: a pure-Go client of pcscd's socket
// protocol, so the binary builds with CGO_ENABLED=0 and needs no
// libpcsclite at run time (ebfe/scard, the usual binding, needs cgo).
//
// That library has no GetStatusChange, so waiting for a card is polling
// Connect; and its errors are formatted strings, so classify reads the
// PC/SC code out of them.
package pcsc

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	pcsclite "github.com/gballet/go-libpcsclite"
	"github.com/two-factor/two-factor/nfc"
)

// Options choose the daemon, the reader and how long to wait for a card.
type Options struct {
	// Socket is pcscd's socket; empty means the system default
	// (/run/pcscd/pcscd.comm on Linux).
	Socket string
	// Reader names the reader: its full name, or a part of it that only
	// one reader's name contains (case-insensitive). Empty means any: the
	// first reader a card is presented on.
	Reader string
	// Timeout is how long to wait for a card; 0 means 60 s.
	Timeout time.Duration
	// Poll is how often to look for a card; 0 means 250 ms.
	Poll time.Duration
}

// Card is a connected token. It implements nfc.Transport.
type Card struct {
	// Reader is the name of the reader the card is on.
	Reader string
	client *pcsclite.Client
	card   *pcsclite.Card
}

// Readers lists the attached readers (names trimmed of pcscd's NUL
// padding). No reader is not an error: the list is empty.
func Readers(socket string) ([]string, error) {
	client, err := open(socket)
	if err != nil {
		return nil, err
	}
	defer client.ReleaseContext()
	return listReaders(client)
}

func open(socket string) (*pcsclite.Client, error) {
	client, err := pcsclite.EstablishContext(socket, pcsclite.ScopeSystem)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", nfc.ErrNoDaemon, err)
	}
	return client, nil
}

func listReaders(client *pcsclite.Client) ([]string, error) {
	raw, err := client.ListReaders()
	if err != nil {
		return nil, classify(err, false)
	}
	names := make([]string, 0, len(raw))
	for _, r := range raw {
		if n := strings.TrimRight(r, "\x00"); n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// Connect waits until a card is presented on the chosen reader (or any
// reader) and connects to it exclusively. It gives up with
// nfc.ErrCardTimeout after the timeout and with ctx.Err() when ctx ends,
// so a front end's Ctrl-C or esc stops the wait.
func Connect(ctx context.Context, opt Options) (*Card, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	client, err := open(opt.Socket)
	if err != nil {
		return nil, err
	}
	timeout := time.NewTimer(opt.Timeout)
	defer timeout.Stop()
	for {
		card, err := tryConnect(client, opt.Reader)
		if card != nil {
			return card, nil
		}
		if err != nil {
			client.ReleaseContext()
			return nil, err
		}
		select {
		case <-ctx.Done():
			client.ReleaseContext()
			return nil, ctx.Err()
		case <-timeout.C:
			client.ReleaseContext()
			return nil, fmt.Errorf("%w (%s)", nfc.ErrCardTimeout, opt.Timeout)
		case <-time.After(opt.Poll):
		}
	}
}

// tryConnect returns a card, or (nil, nil) when no card is there yet.
func tryConnect(client *pcsclite.Client, want string) (*Card, error) {
	names, err := listReaders(client)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: pcscd sees no reader", nfc.ErrNoReader)
	}
	if want != "" {
		name, err := chooseReader(names, want)
		if err != nil {
			return nil, err
		}
		names = []string{name}
	}
	for _, name := range names {
		c, err := client.Connect(name, pcsclite.ShareExclusive, pcsclite.ProtocolT1)
		if err == nil {
			return &Card{Reader: name, client: client, card: c}, nil
		}
		if err := classify(err, false); !errors.Is(err, errNoCardYet) {
			return nil, err
		}
	}
	return nil, nil
}

// chooseReader finds the reader an admin named: the exact name, or the one
// reader whose name contains it.
func chooseReader(names []string, want string) (string, error) {
	var found []string
	for _, n := range names {
		if n == want {
			return n, nil
		}
		if strings.Contains(strings.ToLower(n), strings.ToLower(want)) {
			found = append(found, n)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	if len(found) > 1 {
		return "", fmt.Errorf("%w: %q matches several readers (%s); name one exactly", nfc.ErrNoReader, want, strings.Join(found, ", "))
	}
	return "", fmt.Errorf("%w: no reader named %q (attached: %s)", nfc.ErrNoReader, want, strings.Join(names, ", "))
}

// Transmit sends one APDU. A card that left the field gives an error
// wrapping nfc.ErrCardRemoved.
func (c *Card) Transmit(apdu []byte) ([]byte, error) {
	resp, _, err := c.card.Transmit(apdu)
	if err != nil {
		return nil, classify(err, true)
	}
	if len(resp) < 2 {
		// A token always answers with a status word. pcscd reports a card
		// that left mid-command (vpcd, some NFC readers) as an empty
		// answer without an error.
		return nil, fmt.Errorf("%w (the reader returned no answer)", nfc.ErrCardRemoved)
	}
	return resp, nil
}

// Close disconnects and releases the context.
func (c *Card) Close() error {
	err := c.card.Disconnect(pcsclite.LeaveCard)
	if rerr := c.client.ReleaseContext(); err == nil {
		err = rerr
	}
	return err
}

var errNoCardYet = errors.New("no card on the reader yet")

var codeRE = regexp.MustCompile(`return code: ([0-9a-f]{8})`)

// classify maps what go-libpcsclite returns to the nfc sentinels. Its
// errors carry the PC/SC code as hex in the text; a broken socket means
// pcscd went away.
func classify(err error, duringTransmit bool) error {
	m := codeRE.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%w (%s)", nfc.ErrNoDaemon, err)
	}
	code, _ := strconv.ParseUint(m[1], 16, 32)
	switch pcsclite.ErrorCode(code) {
	case pcsclite.ErrSCardNoSmartCard, pcsclite.ErrSCardRemovedCard, pcsclite.ErrSCardUnpoweredCard,
		pcsclite.ErrSCardResetCard, pcsclite.ErrSCardUnresponsiveCard, pcsclite.ErrSCardCommDataLost,
		pcsclite.ErrSCardCommError, pcsclite.ErrSCardNotReady,
		// pcscd's answer when the reader driver lost the card under a
		// command it had accepted (vpcd's card hung up; a token swapped
		// before pcscd's next presence poll).
		pcsclite.ErrSCardNotTransacted:
		if duringTransmit {
			return fmt.Errorf("%w (PC/SC %08X)", nfc.ErrCardRemoved, code)
		}
		return errNoCardYet
	case pcsclite.ErrScardUnknownReader, pcsclite.ErrSCardNoReadersAvailable, pcsclite.ErrSCardReaderUnavailable:
		return fmt.Errorf("%w (PC/SC %08X)", nfc.ErrNoReader, code)
	case pcsclite.ErrScardNoService, pcsclite.ErrSCardServiceStopped:
		return fmt.Errorf("%w (PC/SC %08X)", nfc.ErrNoDaemon, code)
	}
	return fmt.Errorf("PC/SC error %08X: %s", code, pcsclite.ErrorCode(code).Error())
}
