package db

import (
	"context"
	"database/sql"
	"sync"
)

// prepared holds statements prepared once on the *sql.DB, for the login
// path: a verification runs the same dozen statements every time, and
// preparing them anew in each transaction spent about a third of the
// verifier's CPU parsing SQL (BENCHMARKS.md). database/sql keeps each
// statement's handle per connection, so a statement is parsed once per
// pooled connection, not once per use.
type prepared struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (p *prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[query] = st
	return st, nil
}

func (p *prepared) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.stmts {
		st.Close()
	}
	p.stmts = nil
}

// in runs statements in tx through the prepared ones.
func (p *prepared) in(tx *sql.Tx) preparedTx { return preparedTx{p: p, tx: tx} }

// preparedTx is a querier: tx's statements, each prepared once per
// connection. Tx.StmtContext reuses the handle already prepared on the
// transaction's connection, and prepares it there only the first time.
type preparedTx struct {
	p  *prepared
	tx *sql.Tx
}

func (t preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

// QueryRowContext reports a preparation error through the row, as
// database/sql does.
func (t preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.p.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

// queryRow runs a one-row query outside a transaction through the prepared
// statement, reporting a preparation error through the row.
func (p *prepared) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
