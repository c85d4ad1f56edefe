package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// NamelessRun is the run of failures a name has had with codes no device
// could check (an unknown name, a user without a device fitting the code).
// A verification treats such a name as if it had one device, never logged
// into, with this run: its wrong codes throttle and lock out like a real
// device's, so a sequence of wrong codes does not tell an unknown name
// from a user who exists. The run is not new state: it is read back from
// the audit entries those verifications write (AuditNamelessFailure), so
// it commits with them and survives a restart like a device's back-off.
type NamelessRun struct {
	Failures    int
	LastFailure time.Time
	LockedOut   bool
}

// namelessAction and namelessOutcome mark the audit entries a run is read
// from: a verification with no device that counted a failure. Migration 9
// indexes exactly these rows, so reading a run is one index seek.
const (
	namelessAction  = "device.verify"
	namelessOutcome = string(devices.Rejected)
)

// namelessRunSQL reads the latest counted failure of a name; its WHERE
// repeats the partial index's, which is what lets SQLite use it.
const namelessRunSQL = `SELECT at, detail FROM audit INDEXED BY audit_nameless_failures
	WHERE user_name = ? AND action = 'device.verify' AND device_id = 0 AND outcome = 'rejected'
	ORDER BY id DESC LIMIT 1`

// The detail of a counted failure ends with the run as it stands after
// it; it is read from the end, since what comes before (why no device
// could check the code) may hold text from the caller.
const (
	runSuffix    = " consecutive failure(s)"
	lockedSuffix = "; locked out"
)

// namelessRun reads name's run inside the caller's transaction.
func namelessRun(ctx context.Context, q querier, name string) (NamelessRun, error) {
	var at sql.NullInt64
	var detail string
	err := q.QueryRowContext(ctx, namelessRunSQL, name).Scan(&at, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return NamelessRun{}, nil
	}
	if err != nil {
		return NamelessRun{}, err
	}
	run := NamelessRun{LastFailure: fromMillis(at), Failures: 1}
	detail, run.LockedOut = strings.CutSuffix(detail, lockedSuffix)
	if rest, ok := strings.CutSuffix(detail, runSuffix); ok {
		if n, err := strconv.Atoi(rest[strings.LastIndexAny(rest, " ")+1:]); err == nil && n > 0 {
			run.Failures = n
		}
	} else {
		// An entry written before runs were kept: one failure, and
		// whatever it said about a lockout was not ours.
		run.LockedOut = false
	}
	return run, nil
}

// AuditNamelessFailure audits a code no device could check that counted
// a failure, recording run (as it stands after the failure) where the
// next verification of the name reads it back. why is for the
// administrator only.
func (u *Unit) AuditNamelessFailure(why string, run NamelessRun) {
	detail := fmt.Sprintf("%s; %d%s", why, run.Failures, runSuffix)
	if run.LockedOut {
		detail += lockedSuffix
	}
	u.audits = append(u.audits, AuditEntry{At: run.LastFailure, Action: namelessAction, Outcome: namelessOutcome, Detail: detail})
}
