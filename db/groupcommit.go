package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/two-factor/two-factor/devices"
)

// Group commit, for the long-running verifier (Options.GroupCommit).
//
// With synchronous=FULL every commit waits for an fsync of the WAL, and a
// verification that accepts a code must commit (the replay floor moves).
// One transaction per verification therefore caps a busy verifier at the
// disk's fsync rate, its process idle on the disk most of the time.
// Concurrent Updates are instead handed to one writer goroutine that runs
// those waiting together in one IMMEDIATE transaction, each under its own
// SAVEPOINT, and commits once: one fsync for the batch.
//
// Correctness is the same as one transaction each:
//   - the requests run one after the other in the transaction, each seeing
//     what the earlier ones wrote, so the same code twice in a batch is
//     accepted once (the second sees the first's replay floor);
//   - a request whose fn or write fails is rolled back to its savepoint
//     and gets its error; the others in the batch still commit;
//   - nobody is answered before the COMMIT: if it fails, or a failure
//     undoes the whole transaction, every request of the batch fails and
//     nothing of it was written;
//   - the audit chain is appended request by request in the one
//     transaction, so it stays in commit order.
//
// An fn must not call Update on the same store: it runs on the writer,
// which would wait for itself (without group commit such a call waited
// for its own write lock until the busy timeout; nothing does it).
//
// No latency is added when idle: the transaction starts as soon as one
// request is there; what arrives while it runs joins it, up to
// groupCommitMax requests.

const groupCommitMax = 64

var errStoreClosed = errors.New("the store is closed")

type groupRequest struct {
	ctx      context.Context
	actor    string
	user     string
	missing  missingUser
	settings devices.Settings
	fn       func(*Unit) error
	done     chan groupResult
}

// groupResult is a request's outcome: its error, or the panic its fn
// raised, which is raised again in the caller's goroutine (where it would
// have happened without group commit) instead of killing the writer.
type groupResult struct {
	err      error
	panicked bool
	panicVal any
}

type groupCommitter struct {
	s       *SQLite
	queue   chan *groupRequest // unbuffered: a request sent is one the writer took
	stopped chan struct{}
	exited  chan struct{}
	once    sync.Once
	sending atomic.Int64 // requests waiting to be taken (tests wait on it)

	// batchHook, when set (tests), is told each batch's size after its
	// commit.
	batchHook func(size int)
}

func startGroupCommit(s *SQLite) *groupCommitter {
	g := &groupCommitter{s: s, queue: make(chan *groupRequest), stopped: make(chan struct{}), exited: make(chan struct{})}
	go g.run()
	return g
}

// stop ends the writer once its current batch is answered; later requests
// fail with errStoreClosed.
func (g *groupCommitter) stop() {
	g.once.Do(func() { close(g.stopped) })
	<-g.exited
}

// do queues r and waits for its outcome. Once the writer has taken r the
// caller waits for the commit whatever its context says: returning early
// would report as failed a change that may still commit.
func (g *groupCommitter) do(r *groupRequest) error {
	r.done = make(chan groupResult, 1)
	g.sending.Add(1)
	defer g.sending.Add(-1)
	select {
	case g.queue <- r:
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-g.stopped:
		return errStoreClosed
	}
	res := <-r.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

func (g *groupCommitter) run() {
	defer close(g.exited)
	for {
		select {
		case r := <-g.queue:
			g.batch(r)
		case <-g.stopped:
			return
		}
	}
}

// batch runs first and whatever else arrives meanwhile in one transaction.
func (g *groupCommitter) batch(first *groupRequest) {
	s := g.s
	batch := []*groupRequest{first}
	results := make([]groupResult, 0, groupCommitMax)
	answer := func(fail error) {
		for i, r := range batch {
			res := groupResult{err: fail}
			if i < len(results) && (fail == nil || results[i].panicked) {
				res = results[i]
			}
			r.done <- res
		}
	}
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		answer(s.wrap(err))
		return
	}
	defer tx.Rollback() // after a commit this does nothing
	if lockHook != nil {
		lockHook(true)
		defer lockHook(false)
	}
	if s.onWrite != nil {
		locked := time.Now()
		defer func() { s.onWrite(time.Since(locked)) }()
	}
	q := s.prepared.in(tx)
	for i := 0; i < len(batch); i++ {
		res, err := g.one(q, batch[i])
		if err != nil {
			// The transaction is in no known state (SQLite may have
			// rolled it back whole): nothing of the batch is kept.
			answer(s.wrap(fmt.Errorf("verification batch: %w", err)))
			return
		}
		results = append(results, res)
		if len(batch) < groupCommitMax {
			select {
			case r := <-g.queue:
				batch = append(batch, r)
			default:
			}
		}
	}
	if err := tx.Commit(); err != nil {
		answer(s.wrap(err))
		return
	}
	if g.batchHook != nil {
		g.batchHook(len(batch))
	}
	answer(nil)
}

// one runs r under its own savepoint. Its result is r's outcome; the
// error is the savepoint's own failure, which ends the batch.
func (g *groupCommitter) one(q preparedTx, r *groupRequest) (res groupResult, err error) {
	if err := r.ctx.Err(); err != nil {
		return groupResult{err: err}, nil // given up while queued: not run
	}
	// Statements are not interrupted by r's context: an interrupted
	// write rolls back the whole transaction, the other requests' work
	// with it.
	ctx := context.WithoutCancel(r.ctx)
	if _, err := q.ExecContext(ctx, "SAVEPOINT login"); err != nil {
		return res, err
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				res = groupResult{panicked: true, panicVal: v}
			}
		}()
		res.err = g.s.wrap(g.s.updateIn(ctx, q, r.actor, r.user, r.missing, r.settings, r.fn))
	}()
	if res.err != nil || res.panicked {
		if _, err := q.ExecContext(ctx, "ROLLBACK TO login"); err != nil {
			return res, err
		}
	}
	_, err = q.ExecContext(ctx, "RELEASE login")
	return res, err
}
