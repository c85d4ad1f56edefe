package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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
				return d.DialContext(ctx, "unix", c.Socket)
			},
			DisableKeepAlives: true,
		},
	}
}

// Verify asks the verifier to check code for user. A malformed code is
// devices.ErrMalformedCode, as from a local verification; a verifier that
// cannot be reached or cannot reach its store is ErrUnavailable.
func (c Client) Verify(ctx context.Context, user, code string) (VerifyResponse, error) {
	body, err := json.Marshal(VerifyRequest{User: user, Code: code})
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
