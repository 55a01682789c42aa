package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Options configures Open. Zero pool values keep database/sql's defaults
// (MaxOpenConns 0 means unlimited).
type Options struct {
	DSN             string // go-sql-driver DSN: user:pass@tcp(host:port)/db?params
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
}

// Open returns a connection pool for the bangumi schema.
//
// Every connection is set up the way the schema expects: utf8mb4 with
// collation utf8mb4_unicode_ci, an empty session sql_mode (the dev-env dump
// relies on it), time_zone +00:00, and DATETIME/TIMESTAMP values scanned as
// time.Time in UTC (parseTime=true, loc=UTC). Settings given in the DSN for
// these keys are overridden. Unless the DSN says otherwise, a lock wait is bounded to 5 s
// (innodb_lock_wait_timeout) and dialling to DefaultDialTimeout.
//
// Open does not contact the server: the pool is returned even when MySQL is
// down, and the first query (or a readiness ping) reports the problem.
func Open(_ context.Context, opts Options) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysqldb: parse DSN: %w", err)
	}
	if err := applySession(cfg); err != nil {
		return nil, err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysqldb: connector: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(opts.MaxOpenConns)
	db.SetMaxIdleConns(opts.MaxIdleConns)
	db.SetConnMaxLifetime(opts.ConnMaxLifetime)
	return db, nil
}

// applySession sets the connection settings every chii connection uses on
// cfg (charset, collation, sql_mode, time zone, parseTime, loc).
func applySession(cfg *mysql.Config) error {
	if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci")); err != nil {
		return fmt.Errorf("mysqldb: charset: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// The driver sends these as `SET <name>=<value>` right after connecting.
	cfg.Params["sql_mode"] = "''"
	cfg.Params["time_zone"] = "'+00:00'"
	// A request waits at most this long for a row lock (the server default is 50 s); a
	// request's context deadline bounds the rest. Kept when the DSN sets it.
	if _, ok := cfg.Params["innodb_lock_wait_timeout"]; !ok {
		cfg.Params["innodb_lock_wait_timeout"] = "5"
	}
	// The same for metadata locks (LOCK TABLES, ALTER TABLE; the server default is a year):
	// a statement that the client gave up on must not wait on in the server either.
	if _, ok := cfg.Params["lock_wait_timeout"]; !ok {
		cfg.Params["lock_wait_timeout"] = "5"
	}
	// Dialling a server that does not answer fails fast instead of holding a pool slot.
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultDialTimeout
	}
	return nil
}

// DefaultDialTimeout bounds connecting when the DSN sets no timeout.
const DefaultDialTimeout = 5 * time.Second
