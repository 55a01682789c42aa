package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/bangumi/chii/ports"
)

// SavepointUnitOfWork runs each Do in a savepoint of one outer transaction that the test owns
// and finally rolls back, so a test can run the write path and leave the database untouched.
// Do calls are serialised (one connection).
type SavepointUnitOfWork struct {
	mu sync.Mutex
	tx *sql.Tx
	n  int
}

var _ ports.UnitOfWork = (*SavepointUnitOfWork)(nil)

// NewSavepointUnitOfWork returns a unit of work inside tx.
func NewSavepointUnitOfWork(tx *sql.Tx) *SavepointUnitOfWork { return &SavepointUnitOfWork{tx: tx} }

// Do runs fn between SAVEPOINT and RELEASE SAVEPOINT; an error or a panic of fn rolls back
// to the savepoint.
func (u *SavepointUnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.n++
	name := fmt.Sprintf("chii_uow_%d", u.n)
	if _, err := u.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = u.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
		}
	}()
	if err := fn(ctx, uowTx{q: u.tx}); err != nil {
		return err
	}
	if _, err := u.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	done = true
	return nil
}

// TxIsolation reports the isolation level of the transaction behind a Tx that Do handed out.
func TxIsolation(ctx context.Context, tx ports.Tx) (string, error) {
	t, ok := tx.(uowTx)
	if !ok {
		return "", fmt.Errorf("not a mysqldb transaction: %T", tx)
	}
	// The transaction's own level (SET TRANSACTION leaves the session variable alone); InnoDB
	// lists the transaction once it has read a table.
	if _, err := t.q.ExecContext(ctx, "SELECT COUNT(*) FROM chii_person_collects"); err != nil {
		return "", err
	}
	var level string
	err := t.q.QueryRowContext(ctx, `SELECT trx_isolation_level FROM information_schema.innodb_trx
		WHERE trx_mysql_thread_id = CONNECTION_ID()`).Scan(&level)
	return level, err
}
