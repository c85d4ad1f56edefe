package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/two-factor/two-factor/db"
	"github.com/two-factor/two-factor/devices"
	"github.com/two-factor/two-factor/nfc"
	"github.com/two-factor/two-factor/otpcore"
	"github.com/two-factor/two-factor/service"
	"github.com/two-factor/two-factor/termsafe"
	"github.com/two-factor/two-factor/verifier"
)

// errKind says what kind of failure an error is. It decides the exit code
// and is the "kind" of the JSON error object.
type errKind string

const (
	kindNotFound    errKind = "not_found"   // no such user, device or token
	kindConflict    errKind = "conflict"    // refused by the current state (exists already, not assigned, ...)
	kindRejected    errKind = "rejected"    // a code or a log that does not check out; a cancelled change
	kindNoMatch     errKind = "no_match"    // a search (resync, identify) found nothing
	kindUsage       errKind = "usage"       // the command line is wrong
	kindEnvironment errKind = "environment" // the store, key or a file cannot be used
	kindError       errKind = "error"       // anything else
)

// exitCode is the documented meaning of a kind: 1 when the request was
// understood and refused, 2 when it could not be carried out.
func (k errKind) exitCode() int {
	switch k {
	case kindNotFound, kindConflict, kindRejected, kindNoMatch:
		return ExitRejected
	}
	return ExitError
}

// kindByCause is the one table from what went wrong to what it means: a
// command returns the error as it came, and the exit code follows from
// here. The first entry that matches wins (a look-alike user name is both
// not found and existing; either way it exits 1).
var kindByCause = []struct {
	err  error
	kind errKind
}{
	{db.ErrStoreMissing, kindEnvironment},
	{db.ErrNotFound, kindNotFound},
	{service.ErrNoDevice, kindNotFound},
	{db.ErrExists, kindConflict},
	{db.ErrConflict, kindConflict},
	{service.ErrResyncStale, kindConflict},
	{otpcore.ErrNoMatch, kindNoMatch},
	{db.ErrAuditTampered, kindRejected},
	{devices.ErrMalformedCode, kindUsage},
	{devices.ErrShortSeed, kindUsage},
	{db.ErrBadAPIClientName, kindUsage},
	{db.ErrLocked, kindEnvironment},
	{db.ErrNewerSchema, kindEnvironment},
	{db.ErrNotAStore, kindEnvironment},
	{db.ErrNotDjango, kindEnvironment},
	{db.ErrUnavailable, kindEnvironment},
	{db.ErrKeyMissing, kindEnvironment},
	{db.ErrKeyMismatch, kindEnvironment},
	{fs.ErrNotExist, kindEnvironment},
	{fs.ErrPermission, kindEnvironment},
	{context.Canceled, kindEnvironment},
	{verifier.ErrUnavailable, kindEnvironment},
	// Programming tokens over NFC: the reader stack or the token could not
	// be reached (2); the token refused us, or is not one we may program (1).
	{nfc.ErrNoDaemon, kindEnvironment},
	{nfc.ErrNoReader, kindEnvironment},
	{nfc.ErrCardTimeout, kindEnvironment},
	{nfc.ErrCardRemoved, kindEnvironment},
	{nfc.ErrAuthFailed, kindRejected},
	{nfc.ErrAuthCapReached, kindRejected},
	{nfc.ErrUnknownModel, kindRejected},
	{nfc.ErrSeedWouldBeErased, kindRejected},
}

// markedError marks an error a command raised itself with its kind, for
// failures no sentinel names ("no tokens show these codes").
type markedError struct {
	kind errKind
	err  error
}

func (e *markedError) Error() string { return e.err.Error() }
func (e *markedError) Unwrap() error { return e.err }

func rejected(err error) error { return &markedError{kindRejected, err} }
func noMatch(err error) error  { return &markedError{kindNoMatch, err} }
func usage(err error) error    { return &markedError{kindUsage, err} }

func usageErrorf(format string, args ...any) error { return usage(fmt.Errorf(format, args...)) }

// silentExit ends with a code after the command has printed its own
// explanation (verify's "rejected", audit verify's report).
type silentExit int

func (e silentExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// bodyError is an error returned by a command's own code, as opposed to
// one cobra raised while reading the command line. Only the former can
// carry text from the store or a file.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// markBodyErrors wraps the RunE of every command of the tree, so that an
// error which is not a bodyError is known to come from cobra: a usage error.
func markBodyErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if err := run(cmd, args); err != nil {
				return &bodyError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markBodyErrors(sub)
	}
}

// classify says what kind of failure err is.
func classify(err error) errKind {
	var ke *markedError
	if errors.As(err, &ke) {
		return ke.kind
	}
	for _, c := range kindByCause {
		if errors.Is(err, c.err) {
			return c.kind
		}
	}
	var be *bodyError
	if !errors.As(err, &be) {
		return kindUsage // cobra's: unknown command or flag, wrong arguments
	}
	return kindError
}

// errorText is the message shown for err. Cobra's usage errors are the
// program's own text and the command line the administrator typed: they
// keep their lines ("Did you mean this?" and a tab-indented list). An error
// from a command's body may embed a user name, device name, serial or file
// text, so it is escaped whole, newlines included (none of the program's
// own body messages spans lines).
func errorText(err error, msg string) string {
	var be *bodyError
	if errors.As(err, &be) {
		return termsafe.Clean(msg)
	}
	return termsafe.Message(msg)
}

// errorJSON is the one shape of a failure under --json, on stdout.
type errorJSON struct {
	Error struct {
		Message string  `json:"message"`
		Code    int     `json:"code"`
		Kind    errKind `json:"kind"`
	} `json:"error"`
}

// report prints err (to stderr, or as JSON on stdout) and returns the
// exit code it means.
func report(err error, asJSON bool, stdout, stderr io.Writer) int {
	var se silentExit
	if errors.As(err, &se) {
		return int(se)
	}
	kind := classify(err)
	msg := strings.TrimRight(err.Error(), "\n")
	if asJSON {
		var j errorJSON
		j.Error.Message, j.Error.Code, j.Error.Kind = msg, kind.exitCode(), kind
		if printJSON(stdout, j) == nil {
			return kind.exitCode()
		}
	}
	fmt.Fprintln(stderr, "two-factor:", errorText(err, msg))
	return kind.exitCode()
}

// wantsJSON reports whether the run asked for JSON: the parsed --json of
// the command that ran, or, when cobra failed before parsing flags, a
// --json among the arguments.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd != nil {
		if f := cmd.Flags().Lookup("json"); f != nil && f.Changed {
			return f.Value.String() == "true"
		}
	}
	if end := slices.Index(args, "--"); end >= 0 {
		args = args[:end]
	}
	return slices.Contains(args, "--json") || slices.Contains(args, "--json=true")
}
