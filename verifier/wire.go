// Package verifier is the one process that opens the store and the master
// key for logins: `two-factor serve` runs its HTTP API on a unix socket
// (whose permissions decide who may ask) and optionally on TCP for
// applications holding an API token. PAM, the CLI's `verify --socket` and
// web applications ask it through Client or plain HTTP; every request
// goes through service.Verify, audited with where it came from.
package verifier

import (
	"time"

	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/service"
)

// MaxBody bounds a request body: a user name and a code fit many times.
const MaxBody = 4 << 10

// VerifyRequest is the body of POST /v1/verify.
type VerifyRequest struct {
	User string `json:"user"`
	Code string `json:"code"`
	// Via is what the caller says about the login it asks for, such as
	// "pam sshd from 203.0.113.9". The audit records it after the source
	// the verifier established itself, as the caller's claim.
	Via string `json:"via,omitempty"`
}

// Device names the device that decided, never its secret.
type Device struct {
	ID   int64        `json:"id"`
	Name string       `json:"name"`
	Kind devices.Kind `json:"kind"`
}

// VerifyResponse answers POST /v1/verify. A wrong code, an unknown user
// and a user without a device all give the same {"ok": false, "outcome":
// "rejected", "device": null, "retry_after": 0}, and further wrong codes
// the same throttled or locked-out answers (see service.Verify). Only an
// accepted code names its device: a refusal naming one would tell the
// caller the user exists, and what their devices are called.
type VerifyResponse struct {
	OK          bool            `json:"ok"`
	Outcome     devices.Outcome `json:"outcome"`
	Device      *Device         `json:"device"`
	RetryAfter  int64           `json:"retry_after"`            // seconds until a throttled device takes codes again
	OffsetSteps *int64          `json:"offset_steps,omitempty"` // accepted TOTP: steps the token had moved
}

// ErrorResponse is the body of a refused request (400, 413, 429, 503).
type ErrorResponse struct {
	Error string `json:"error"`
}

// responseOf turns the service's verdict into what the caller learns.
func responseOf(r service.VerifyResult) VerifyResponse {
	out := VerifyResponse{OK: r.Accepted(), Outcome: r.Outcome}
	if r.Accepted() && r.Device != nil {
		out.Device = &Device{ID: r.Device.ID, Name: r.Device.Name, Kind: r.Device.Kind}
	}
	if r.RetryAfter > 0 {
		out.RetryAfter = int64(RoundUp(r.RetryAfter) / time.Second)
	}
	if r.Accepted() && r.Device != nil && r.Device.Kind == devices.TOTP {
		off := r.Match.Offset
		out.OffsetSteps = &off
	}
	return out
}

// Result turns a response back into the service's verdict, for a client
// that prints it like a local verification.
func (v VerifyResponse) Result() service.VerifyResult {
	r := service.VerifyResult{Outcome: v.Outcome, RetryAfter: time.Duration(v.RetryAfter) * time.Second}
	if v.Device != nil {
		r.Device = &devices.Device{ID: v.Device.ID, Name: v.Device.Name, Kind: v.Device.Kind}
	}
	if v.OffsetSteps != nil {
		r.Match.Offset = *v.OffsetSteps
	}
	return r
}

// RoundUp rounds a wait up to whole seconds, so that it never reads
// "try again in 0s" while the wait is not over.
func RoundUp(d time.Duration) time.Duration {
	return max(time.Second, (d + time.Second - 1).Truncate(time.Second))
}
