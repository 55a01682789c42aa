package mysqldb_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
)

// countingConnector wraps a driver.Connector and counts the statements run on its
// connections: each query or exec sent to the server counts once, whether it runs directly
// or as a prepared statement (preparing and closing do not count). Statements the driver
// itself runs while connecting (session settings) do not count either.
//
// Tests use it to check that a call runs a constant number of statements:
//
//	cc := newCountingConnector(connector)
//	db := sql.OpenDB(cc)
//	cc.Reset(); repo.GetByIDs(ctx, ids); n := cc.Count()
type countingConnector struct {
	connector driver.Connector
	n         atomic.Int64
	mu        sync.Mutex
	queries   []string
}

// newCountingConnector returns a connector that counts the statements of c's connections.
func newCountingConnector(c driver.Connector) *countingConnector {
	return &countingConnector{connector: c}
}

// Connect opens a counting connection.
func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{conn: conn, c: c}, nil
}

// Driver returns the wrapped connector's driver.
func (c *countingConnector) Driver() driver.Driver { return c.connector.Driver() }

// Count returns how many statements ran since the connector was made or last Reset.
func (c *countingConnector) Count() int64 { return c.n.Load() }

// Statements returns the text of the statements counted by Count, in the order they ran.
func (c *countingConnector) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.queries...)
}

// Reset sets the count to zero and forgets the statements.
func (c *countingConnector) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n.Store(0)
	c.queries = nil
}

func (c *countingConnector) record(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n.Add(1)
	c.queries = append(c.queries, query)
}

// countingConn forwards every optional driver interface database/sql uses.
type countingConn struct {
	conn driver.Conn
	c    *countingConnector
}

var (
	_ driver.Conn               = (*countingConn)(nil)
	_ driver.ConnPrepareContext = (*countingConn)(nil)
	_ driver.ConnBeginTx        = (*countingConn)(nil)
	_ driver.QueryerContext     = (*countingConn)(nil)
	_ driver.ExecerContext      = (*countingConn)(nil)
	_ driver.Pinger             = (*countingConn)(nil)
	_ driver.SessionResetter    = (*countingConn)(nil)
	_ driver.Validator          = (*countingConn)(nil)
	_ driver.NamedValueChecker  = (*countingConn)(nil)
)

func (cc *countingConn) Prepare(query string) (driver.Stmt, error) {
	return cc.PrepareContext(context.Background(), query)
}

func (cc *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		s   driver.Stmt
		err error
	)
	if p, ok := cc.conn.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		s, err = cc.conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{stmt: s, query: query, c: cc.c}, nil
}

func (cc *countingConn) Close() error { return cc.conn.Close() }

//nolint:staticcheck // driver.Conn requires Begin.
func (cc *countingConn) Begin() (driver.Tx, error) {
	return cc.BeginTx(context.Background(), driver.TxOptions{})
}

func (cc *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := cc.conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return cc.conn.Begin() //nolint:staticcheck // fallback for old drivers
}

func (cc *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cc.conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		cc.c.record(query) // ErrSkip: database/sql prepares it instead, counted on the statement
	}
	return rows, err
}

func (cc *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cc.conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		cc.c.record(query)
	}
	return res, err
}

func (cc *countingConn) Ping(ctx context.Context) error {
	if p, ok := cc.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cc *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countingConn) IsValid() bool {
	if v, ok := cc.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (cc *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cc.conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// countingStmt counts each execution of a prepared statement.
type countingStmt struct {
	stmt  driver.Stmt
	query string
	c     *countingConnector
}

var (
	_ driver.StmtQueryContext  = (*countingStmt)(nil)
	_ driver.StmtExecContext   = (*countingStmt)(nil)
	_ driver.NamedValueChecker = (*countingStmt)(nil)
)

func (s *countingStmt) Close() error  { return s.stmt.Close() }
func (s *countingStmt) NumInput() int { return s.stmt.NumInput() }

//nolint:staticcheck // driver.Stmt requires Exec.
func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.c.record(s.query)
	return s.stmt.Exec(args) //nolint:staticcheck // required by driver.Stmt
}

//nolint:staticcheck // driver.Stmt requires Query.
func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.c.record(s.query)
	return s.stmt.Query(args) //nolint:staticcheck // required by driver.Stmt
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.stmt.(driver.StmtExecContext); ok {
		s.c.record(s.query)
		return e.ExecContext(ctx, args)
	}
	return nil, errors.New("counting: driver statement lacks ExecContext")
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.stmt.(driver.StmtQueryContext); ok {
		s.c.record(s.query)
		return q.QueryContext(ctx, args)
	}
	return nil, errors.New("counting: driver statement lacks QueryContext")
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
