package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// NamelessRun is the run of failures a name has had with codes of one
// shape that no device could check (an unknown name, a user without an
// enabled device fitting the code). A verification treats such a name as
// if it had one device of that shape, never logged into, with this run:
// its wrong codes throttle and lock out like a real device's, so a
// sequence of wrong codes does not tell an unknown name from a user who
// exists. The run is not new state: it is read back from the audit
// entries those verifications write (AuditNamelessFailure), so it commits
// with them and survives a restart like a device's back-off.
type NamelessRun struct {
	Failures    int
	LastFailure time.Time
	LockedOut   bool

	id int64 // the audit entry read, 0 if none (see Django's apply)
}

// A run is kept per code shape, as a user's devices each keep their own:
// the shape is the audit entry's device_name (its device_id is 0), so it
// is one column an index can seek on. Entries written before runs had
// shapes have an empty device_name: that was the name's one run, and it
// still counts for every shape until the shape has an entry of its own.
// A Django site tries every device with every code, whatever its shape,
// so the name's run there is the one of AnyShape.
const AnyShape = ""

// BackupShape is the shape of backup codes; DigitsShape that of n-digit
// codes. They are written where a device's name would be, in
// parentheses, which no device name of ours starts with.
const BackupShape = "(backup codes)"

func DigitsShape(n int) string { return fmt.Sprintf("(%d-digit codes)", n) }

// ShapeOf is the shape of the codes d takes.
func ShapeOf(d *devices.Device) string {
	if d.Kind == devices.Backup {
		return BackupShape
	}
	return DigitsShape(d.Digits)
}

// namelessAction and namelessOutcome mark the audit entries a run is read
// from: a verification with no device that counted a failure. Migration
// 10 indexes exactly these rows by name and shape, so reading a run is
// two index seeks (the shape's run and the run of before shapes).
const (
	namelessAction  = "device.verify"
	namelessOutcome = string(devices.Rejected)
)

// namelessRunSQL reads the latest counted failure of a name (?1) with
// codes of a shape (?2), or failing that of no shape: the shape's own
// entry wins even when a run of no shape was written after it (audit
// prune writes an old store's kept runs again), since runs of no shape
// count for a shape only until it has its own. Each WHERE repeats the
// partial index's, which is what lets SQLite use it.
const namelessRunSQL = `SELECT id, at, detail FROM (
	SELECT 1 AS own, id, at, detail FROM (SELECT id, at, detail FROM audit INDEXED BY audit_nameless_runs
		WHERE user_name = ?1 AND device_name = ?2 AND action = 'device.verify' AND device_id = 0 AND outcome = 'rejected'
		ORDER BY id DESC LIMIT 1)
	UNION ALL SELECT 0, id, at, detail FROM (SELECT id, at, detail FROM audit INDEXED BY audit_nameless_runs
		WHERE user_name = ?1 AND device_name = '' AND action = 'device.verify' AND device_id = 0 AND outcome = 'rejected'
		ORDER BY id DESC LIMIT 1))
	ORDER BY own DESC, id DESC LIMIT 1`

// The detail of a counted failure ends with the run as it stands after
// it; it is read from the end, since what comes before (why no device
// could check the code) may hold text from the caller. An entry that
// carries a run over (CarryNamelessRun, runsThroughPrune) is written at
// the time of the change and ends with when the run's last failure was.
const (
	runSuffix      = " consecutive failure(s)"
	lockedSuffix   = "; locked out"
	lastFailureTag = "; last failure at ms "
)

// namelessRun reads name's run of codes of shape inside the caller's
// transaction.
func namelessRun(ctx context.Context, q querier, name, shape string) (NamelessRun, error) {
	var id int64
	var at sql.NullInt64
	var detail string
	err := q.QueryRowContext(ctx, namelessRunSQL, name, shape).Scan(&id, &at, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return NamelessRun{}, nil
	}
	if err != nil {
		return NamelessRun{}, err
	}
	return parseNamelessRun(id, fromMillis(at), detail), nil
}

// parseNamelessRun reads the run a counted failure's detail ends with.
func parseNamelessRun(id int64, at time.Time, detail string) NamelessRun {
	run := NamelessRun{id: id, LastFailure: at, Failures: 1}
	if i := strings.LastIndex(detail, lastFailureTag); i >= 0 {
		if ms, err := strconv.ParseInt(detail[i+len(lastFailureTag):], 10, 64); err == nil {
			run.LastFailure, detail = time.UnixMilli(ms), detail[:i]
		}
	}
	detail, run.LockedOut = strings.CutSuffix(detail, lockedSuffix)
	if rest, ok := strings.CutSuffix(detail, runSuffix); ok {
		n, err := strconv.Atoi(rest[strings.LastIndexAny(rest, " ")+1:])
		switch {
		case err == nil && n > 0:
			run.Failures = n
		case err == nil && n == 0: // a run audit prune forgot
			return NamelessRun{id: id}
		}
	} else {
		// An entry written before runs were kept: one failure, and
		// whatever it said about a lockout was not ours.
		run.LockedOut = false
	}
	return run
}

// runDetail is what a counted failure's detail ends with.
func runDetail(run NamelessRun) string {
	d := fmt.Sprintf("%d%s", run.Failures, runSuffix)
	if run.LockedOut {
		d += lockedSuffix
	}
	return d
}

// NamelessRun returns the run of the unit's name with codes of shape, as
// of the unit's transaction. The service reads one on every
// verification, a known name or not, so that reading it costs every
// login the same.
func (u *Unit) NamelessRun(shape string) (NamelessRun, error) {
	if u.runOf == nil {
		return NamelessRun{}, errors.New("this unit has no runs of failures to read")
	}
	run, err := u.runOf(shape)
	if err == nil {
		if u.runsRead == nil {
			u.runsRead = map[string]int64{}
		}
		u.runsRead[shape] = run.id
	}
	return run, err
}

// AuditNamelessFailure audits a code of shape no device could check that
// counted a failure, recording run (as it stands after the failure)
// where the next verification of the name with a code of that shape
// reads it back. why is for the administrator only.
func (u *Unit) AuditNamelessFailure(shape, why string, run NamelessRun) {
	u.audits = append(u.audits, AuditEntry{At: run.LastFailure, Action: namelessAction, Device: shape,
		Outcome: namelessOutcome, Detail: why + "; " + runDetail(run)})
}

// CarryNamelessRun makes run the name's run of codes of shape from now
// on, without counting a failure: what a device being disabled hands
// over, since the codes it took now count on the name's run. The entry
// is written at the time of the change and names when the run's last
// failure was, which is what its back-off runs from.
func (u *Unit) CarryNamelessRun(shape, why string, run NamelessRun) {
	u.audits = append(u.audits, AuditEntry{Action: namelessAction, Device: shape,
		Outcome: namelessOutcome, Detail: carriedDetail(why, run)})
}

// HandsOver reports whether a device's run of failures (dev), as the
// device is disabled or removed, becomes the name's run with codes of its
// shape (current): when there is one to hand over and it went on after
// the name's (Later); a locked-out run always is handed over.
func HandsOver(dev, current NamelessRun) bool {
	return dev.LockedOut || (dev.Failures > 0 && dev.Later(current))
}

// Later reports whether run r went on after o: its last failure is later,
// or in the same millisecond (all a store keeps) with more failures, which
// only a later failure counted.
func (r NamelessRun) Later(o NamelessRun) bool {
	return r.LastFailure.After(o.LastFailure) ||
		(r.LastFailure.Equal(o.LastFailure) && (r.Failures > o.Failures || r.LockedOut && !o.LockedOut))
}

// handOverEntries returns the entries that make the runs of failures of
// a user's devices (ds, about to go: done says how) the name's run of
// each one's shape (shapeOf), as device remove does for one device
// (HandsOver): otherwise taking a user's devices away under attack would
// restart the name's back-off, and the next answers would tell it from an
// unknown name that kept its run. Oldest failure first, so that of two
// devices of one shape the later run is the one kept.
func handOverEntries(ctx context.Context, q querier, name string, ds []*devices.Device, shapeOf func(*devices.Device) string, done string) ([]AuditEntry, error) {
	var going []*devices.Device
	for _, d := range ds {
		if d.Enabled && (d.Failures > 0 || d.LockedOut) {
			going = append(going, d)
		}
	}
	slices.SortStableFunc(going, func(a, b *devices.Device) int { return a.LastFailure.Compare(b.LastFailure) })
	var out []AuditEntry
	current := map[string]NamelessRun{}
	for _, d := range going {
		shape := shapeOf(d)
		run, seen := current[shape]
		if !seen {
			var err error
			if run, err = namelessRun(ctx, q, name, shape); err != nil {
				return nil, err
			}
		}
		own := NamelessRun{Failures: d.Failures, LastFailure: d.LastFailure, LockedOut: d.LockedOut}
		if HandsOver(own, run) {
			out = append(out, AuditEntry{User: name, Action: namelessAction, Device: shape, Outcome: namelessOutcome,
				Detail: carriedDetail(fmt.Sprintf("device %s %s; its run of failures goes on as the name's", d.Name, done), own)})
			run = own
		}
		current[shape] = run
	}
	return out, nil
}

// byActor sets the actor of entries handOverEntries returned.
func byActor(es []AuditEntry, actor string) []AuditEntry {
	for i := range es {
		es[i].Actor = actor
	}
	return es
}

// carriedDetail is the detail of an entry that carries a run over.
func carriedDetail(why string, run NamelessRun) string {
	d := why + "; " + runDetail(run)
	if !run.LastFailure.IsZero() {
		d += fmt.Sprintf("%s%d", lastFailureTag, run.LastFailure.UnixMilli())
	}
	return d
}

// latestRuns calls fn with the run of each name and shape that has one,
// read from its latest entry (SQLite takes the bare columns from the row
// max() picks): a scan of the partial index's entries alone.
func latestRuns(ctx context.Context, q querier, fn func(name, shape string, run NamelessRun) error) error {
	rows, err := q.QueryContext(ctx, `SELECT user_name, device_name, max(id), at, detail FROM audit INDEXED BY audit_nameless_runs
		WHERE action = 'device.verify' AND device_id = 0 AND outcome = 'rejected' GROUP BY user_name, device_name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name, shape, detail string
		var id int64
		var at sql.NullInt64
		if err := rows.Scan(&name, &shape, &id, &at, &detail); err != nil {
			return err
		}
		if err := fn(name, shape, parseNamelessRun(id, fromMillis(at), detail)); err != nil {
			return err
		}
	}
	return rows.Err()
}
