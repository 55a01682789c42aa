package compat

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
)

// Counts is a snapshot of the statements run through a CountingConnector.
type Counts struct {
	Queries  int // executed queries (conn or prepared statement)
	Execs    int // executed non-queries
	Prepares int // prepared statements (go-sql-driver prepares every query with arguments)
	// SQL lists the text of every executed statement, in order.
	SQL []string
}

// Statements is the number of executed statements (queries and execs).
func (c Counts) Statements() int { return c.Queries + c.Execs }

// CountingConnector wraps a database/sql connector and counts the statements run through the
// connections it makes. Use it with sql.OpenDB; Reset and Counts bracket the work to measure.
type CountingConnector struct {
	inner driver.Connector

	mu     sync.Mutex
	counts Counts
}

var _ driver.Connector = (*CountingConnector)(nil)

// NewCountingConnector wraps inner.
func NewCountingConnector(inner driver.Connector) *CountingConnector {
	return &CountingConnector{inner: inner}
}

// Connect implements driver.Connector.
func (c *CountingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: c}, nil
}

// Driver implements driver.Connector.
func (c *CountingConnector) Driver() driver.Driver { return c.inner.Driver() }

// Reset sets every count to zero.
func (c *CountingConnector) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = Counts{}
}

// Counts returns the counts since the last Reset.
func (c *CountingConnector) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	out.SQL = append([]string(nil), c.counts.SQL...)
	return out
}

func (c *CountingConnector) record(kind *int, query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*kind++
	if query != "" {
		c.counts.SQL = append(c.counts.SQL, query)
	}
}

func (c *CountingConnector) query(q string) { c.record(&c.counts.Queries, q) }
func (c *CountingConnector) exec(q string)  { c.record(&c.counts.Execs, q) }
func (c *CountingConnector) prepare()       { c.record(&c.counts.Prepares, "") }

type countingConn struct {
	driver.Conn
	c *CountingConnector
}

var (
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

func (cc *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cc.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) { // ErrSkip: database/sql prepares instead
		cc.c.query(query)
	}
	return rows, err
}

func (cc *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cc.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		cc.c.exec(query)
	}
	return res, err
}

func (cc *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := cc.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = cc.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	cc.c.prepare()
	return &countingStmt{Stmt: st, query: query, c: cc.c}, nil
}

func (cc *countingConn) Prepare(query string) (driver.Stmt, error) {
	return cc.PrepareContext(context.Background(), query)
}

func (cc *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := cc.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return cc.Conn.Begin() //nolint:staticcheck // fallback of drivers without BeginTx
}

func (cc *countingConn) Ping(ctx context.Context) error {
	if p, ok := cc.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cc *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countingConn) IsValid() bool {
	if v, ok := cc.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (cc *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := cc.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type countingStmt struct {
	driver.Stmt
	query string
	c     *CountingConnector
}

var (
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
	_ driver.ColumnConverter   = (*countingStmt)(nil) //nolint:staticcheck // passed through
)

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.query(s.query)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Query(vals) //nolint:staticcheck // fallback of drivers without QueryContext
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.exec(s.query)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Exec(vals) //nolint:staticcheck // fallback of drivers without ExecContext
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (s *countingStmt) ColumnConverter(idx int) driver.ValueConverter {
	if cc, ok := s.Stmt.(driver.ColumnConverter); ok { //nolint:staticcheck // passed through
		return cc.ColumnConverter(idx)
	}
	return driver.DefaultParameterConverter
}

func namedToValues(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("compat: named arguments are not supported by the wrapped driver")
		}
		out[i] = a.Value
	}
	return out, nil
}
