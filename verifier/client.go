package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// ErrUnavailable means no verifier answered: not running, socket missing,
// no permission to connect, or its store failing. A login asking it must
// refuse (fail closed).
var ErrUnavailable = errors.New("the verifier is not available")

// Client asks a running verifier over its unix socket.
type Client struct {
	Socket  string
	Timeout time.Duration // whole request; 10 s when zero
}

func (c Client) httpClient() *http.Client {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				conn, err := d.DialContext(ctx, "unix", c.Socket)
				if errors.Is(err, fs.ErrPermission) {
					err = fmt.Errorf("%w: %s", err, whoMayConnect(c.Socket))
				}
				return conn, err
			},
			DisableKeepAlives: true,
		},
	}
}

// Verify asks the verifier to check code for user. A malformed code is
// devices.ErrMalformedCode, as from a local verification; a verifier that
// cannot be reached or cannot reach its store is ErrUnavailable.
func (c Client) Verify(ctx context.Context, user, code string) (VerifyResponse, error) {
	return c.VerifyVia(ctx, user, code, "")
}

// VerifyVia is Verify for a caller that passes on where the login comes
// from (VerifyRequest.Via), such as the PAM helper.
func (c Client) VerifyVia(ctx context.Context, user, code, via string) (VerifyResponse, error) {
	body, err := json.Marshal(VerifyRequest{User: user, Code: code, Via: via})
	if err != nil {
		return VerifyResponse{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://verifier/v1/verify", bytes.NewReader(body))
	if err != nil {
		return VerifyResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return VerifyResponse{}, fmt.Errorf("%w at %s: %v", ErrUnavailable, c.Socket, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return VerifyResponse{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var v VerifyResponse
		if err := json.Unmarshal(raw, &v); err != nil {
			return VerifyResponse{}, fmt.Errorf("%w: unreadable answer: %v", ErrUnavailable, err)
		}
		return v, nil
	case http.StatusBadRequest:
		return VerifyResponse{}, &remoteError{errorText(raw), devices.ErrMalformedCode}
	}
	return VerifyResponse{}, fmt.Errorf("%w: %s: %s", ErrUnavailable, resp.Status, errorText(raw))
}

// whoMayConnect says who may ask the verifier at socket, for an account
// refused: connecting needs write permission on the socket, which the
// verifier gives its group, and search permission on its directory. The
// group named is the socket's when the account can see the socket (the
// directory let it through, so the socket's group is what refused it),
// else the directory's, which is the verifier's too as README installs it.
func whoMayConnect(socket string) string {
	owner := socket
	st, err := os.Stat(socket)
	if err != nil {
		owner = filepath.Dir(socket)
		st, err = os.Stat(owner)
	}
	group := "its group"
	if err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			group = fmt.Sprintf("group %d", sys.Gid)
			if g, err := user.LookupGroupId(strconv.FormatUint(uint64(sys.Gid), 10)); err == nil {
				group = fmt.Sprintf("group %q", g.Name)
			}
		}
	}
	return fmt.Sprintf("only root and members of %s (the group of %s) may ask the verifier; add this account to it, or ask as root",
		group, owner)
}

// errorText is the message of an error body, or the raw body cut short.
func errorText(raw []byte) string {
	var e ErrorResponse
	if json.Unmarshal(raw, &e) == nil && e.Error != "" {
		return e.Error
	}
	return string(bytes.TrimSpace(raw[:min(len(raw), 200)]))
}

// remoteError reads as the verifier's own message and is kind to errors.Is.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }
