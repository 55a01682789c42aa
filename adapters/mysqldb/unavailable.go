package mysqldb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/domain"
)

// ReadTimeout bounds one read statement, the wait for a pool connection included: a table
// that is locked or a server that does not answer costs a request this much, well inside the
// request's deadline, and the request answers 503 (domain.ErrUnavailable) instead of
// holding a connection of the pool until the request times out.
const ReadTimeout = 3 * time.Second

// MySQL error numbers that mean "unavailable now, maybe not in a moment".
const (
	erTooManyConnections = 1040
	erServerShutdown     = 1053
	erLockWaitTimeout    = 1205 // innodb_lock_wait_timeout, and lock_wait_timeout (metadata locks)
	erQueryInterrupted   = 1317
	erMaxExecutionTime   = 3024
)

// classify wraps err in domain.ErrUnavailable when it says that MySQL is down, unreachable,
// overloaded or too slow, so that the HTTP adapter answers 503 with Retry-After (D13) rather
// than 500. Other errors (and nil) are returned as they are; a caller that went away
// (context.Canceled) is not MySQL's fault and is left alone too.
func classify(err error) error {
	if err == nil || errors.Is(err, domain.ErrUnavailable) || !unavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
}

func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erTooManyConnections, erServerShutdown, erLockWaitTimeout, erQueryInterrupted, erMaxExecutionTime:
			return true
		}
	}
	return false
}
