package mysqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/doug-martin/goqu/v9"
	_ "github.com/doug-martin/goqu/v9/dialect/mysql" // registers the "mysql" dialect
	"github.com/doug-martin/goqu/v9/exp"
	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.UnitOfWork        = (*UnitOfWork)(nil)
	_ ports.Tx                = uowTx{}
	_ ports.MonoCollectWriter = uowMonoCollects{}
)

// uowDialect builds the statements of the write path (prepared: ? placeholders plus args).
var uowDialect = goqu.Dialect("mysql")

// mysqlErrDeadlock is MySQL's ER_LOCK_DEADLOCK: the server rolled the transaction back.
const mysqlErrDeadlock = 1213

// DefaultTxAttempts is how often UnitOfWork.Do runs fn when MySQL keeps choosing its
// transaction as a deadlock victim.
const DefaultTxAttempts = 3

// UnitOfWork runs functions in MySQL transactions (InnoDB, the server's default isolation).
type UnitOfWork struct {
	db       *sql.DB
	attempts int
}

// NewUnitOfWork returns a unit of work over db.
func NewUnitOfWork(db *sql.DB) *UnitOfWork {
	return &UnitOfWork{db: db, attempts: DefaultTxAttempts}
}

// Do runs fn in a READ COMMITTED transaction: BeginTx, fn, Commit. READ COMMITTED takes no
// gap locks, so collects of different targets never deadlock on chii_person_collects' indexes;
// collects of one target serialise on LockTarget's row lock. An error from fn, or a panic (re-raised),
// rolls the transaction back. fn's error is returned as is. When MySQL aborts the
// transaction as a deadlock victim (error 1213) Do runs fn again in a new transaction, up
// to DefaultTxAttempts times in all, unless ctx is done. An error that means MySQL is
// unavailable (down, a lock wait timeout) comes back as a domain.ErrUnavailable too.
func (u *UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := callerGone(ctx, u.once(ctx, fn))
		if err == nil || !isDeadlock(err) || attempt >= u.attempts || ctx.Err() != nil {
			return classify(err)
		}
		// A short, growing pause lets the winner of the deadlock finish first.
		select {
		case <-ctx.Done():
			return classify(err)
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
}

func (u *UnitOfWork) once(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	tx, err := u.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("mysqldb: begin transaction: %w", err)
	}
	// After Commit this is a no-op; on an error or a panic of fn it rolls back
	// (and the panic goes on).
	defer func() { _ = tx.Rollback() }()
	if err := fn(ctx, uowTx{q: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mysqldb: commit: %w", err)
	}
	return nil
}

// callerGone makes err say why the transaction failed when ctx ended during it: database/sql
// rolls the transaction back as soon as its context ends, and a later statement or Commit
// reports sql.ErrTxDone (or a driver error), which does not say "the caller went away".
// context.Canceled is then left alone by classify (the HTTP adapter takes it for a client
// that disconnected); context.DeadlineExceeded is classified unavailable as before.
func callerGone(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if err == nil || cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}

func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == mysqlErrDeadlock
}

// uowQuerier is what the tx-bound repositories run statements on: *sql.Tx, or *sql.DB
// and *sql.Conn in tests.
type uowQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// uowTx hands out repositories bound to one transaction.
type uowTx struct{ q uowQuerier }

func (t uowTx) MonoCollects() ports.MonoCollectWriter { return uowMonoCollects{q: t.q} }

// uowMonoCollects reads and writes chii_person_collects and the targets' counters in one
// transaction. Its reads are MonoCollectRepository's statements; at READ COMMITTED each sees
// the rows committed before it ran plus the transaction's own writes.
type uowMonoCollects struct{ q uowQuerier }

// uowTarget names the table, id column and counter column of a category's targets.
type uowTarget struct {
	noun, table, id, counter string
}

func uowTargetOf(cat mono.Category) (uowTarget, error) {
	switch cat {
	case mono.Character:
		return uowTarget{noun: "character", table: "chii_characters", id: "crt_id", counter: "crt_collects"}, nil
	case mono.Person:
		return uowTarget{noun: "person", table: "chii_persons", id: "prsn_id", counter: "prsn_collects"}, nil
	}
	return uowTarget{}, fmt.Errorf("mysqldb: unknown mono category %d", cat)
}

const uowCollectTable = "chii_person_collects"

// LockTarget runs SELECT … FOR UPDATE on the target's row.
func (r uowMonoCollects) LockTarget(ctx context.Context, cat mono.Category, targetID uint32) error {
	t, err := uowTargetOf(cat)
	if err != nil {
		return err
	}
	query, args, err := uowDialect.From(t.table).Prepared(true).
		Select(goqu.C(t.id)).Where(goqu.C(t.id).Eq(targetID)).Limit(1).
		ForUpdate(exp.Wait).ToSQL()
	if err != nil {
		return fmt.Errorf("mysqldb: build lock %s: %w", t.noun, err)
	}
	var id uint32
	if err := r.q.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ErrNotFound, "%s %d not found", t.noun, targetID)
		}
		return fmt.Errorf("mysqldb: lock %s %d: %w", t.noun, targetID, err)
	}
	return nil
}

// Count counts the user's collects of the category (MonoCollectRepository.Count).
func (r uowMonoCollects) Count(ctx context.Context, userID uint32, cat mono.Category) (int64, error) {
	return NewMonoCollectRepository(r.q).Count(ctx, userID, cat)
}

// List pages the user's collects of the category (MonoCollectRepository.List: ORDER BY
// prsn_clt_dateline DESC, prsn_clt_id DESC).
func (r uowMonoCollects) List(ctx context.Context, userID uint32, cat mono.Category, limit, offset int) ([]collect.MonoCollect, error) {
	return NewMonoCollectRepository(r.q).List(ctx, userID, cat, limit, offset)
}

// Find returns the user's first (lowest prsn_clt_id) collect row of the target
// (MonoCollectRepository.Find). At READ COMMITTED it sees every row committed before it runs,
// so under the target lock the collect use case's existence check cannot miss a row.
func (r uowMonoCollects) Find(ctx context.Context, userID uint32, cat mono.Category, targetID uint32) (collect.MonoCollect, error) {
	return NewMonoCollectRepository(r.q).Find(ctx, userID, cat, targetID)
}

// Add inserts a collect row; prsn_clt_dateline is c.CreatedAt in unix seconds.
func (r uowMonoCollects) Add(ctx context.Context, c collect.MonoCollect) error {
	if _, err := uowTargetOf(c.Category); err != nil {
		return err
	}
	query, args, err := uowDialect.Insert(uowCollectTable).Prepared(true).Rows(goqu.Record{
		"prsn_clt_cat":      c.Category.String(),
		"prsn_clt_mid":      c.TargetID,
		"prsn_clt_uid":      c.UserID,
		"prsn_clt_dateline": c.CreatedAt.Unix(),
	}).ToSQL()
	if err != nil {
		return fmt.Errorf("mysqldb: build add collect: %w", err)
	}
	if _, err := r.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mysqldb: add collect: %w", err)
	}
	return nil
}

// Remove deletes every row of the user for the target (duplicates included).
func (r uowMonoCollects) Remove(ctx context.Context, userID uint32, cat mono.Category, targetID uint32) (int64, error) {
	if _, err := uowTargetOf(cat); err != nil {
		return 0, err
	}
	query, args, err := uowDialect.Delete(uowCollectTable).Prepared(true).Where(
		goqu.C("prsn_clt_uid").Eq(userID),
		goqu.C("prsn_clt_cat").Eq(cat.String()),
		goqu.C("prsn_clt_mid").Eq(targetID),
	).ToSQL()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: build remove collect: %w", err)
	}
	res, err := r.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("mysqldb: remove collect: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: remove collect: %w", err)
	}
	return n, nil
}

// AddToCounter runs UPDATE … SET counter = GREATEST(CAST(counter AS SIGNED) + delta, 0): the
// signed arithmetic cannot raise MySQL's unsigned out-of-range error, and the counter stops at 0.
func (r uowMonoCollects) AddToCounter(ctx context.Context, cat mono.Category, targetID uint32, delta int) error {
	t, err := uowTargetOf(cat)
	if err != nil {
		return err
	}
	query, args, err := uowDialect.Update(t.table).Prepared(true).Set(goqu.Record{
		t.counter: goqu.L("GREATEST(CAST(? AS SIGNED) + ?, 0)", goqu.C(t.counter), delta),
	}).Where(goqu.C(t.id).Eq(targetID)).ToSQL()
	if err != nil {
		return fmt.Errorf("mysqldb: build %s counter: %w", t.noun, err)
	}
	if _, err := r.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mysqldb: %s %d counter: %w", t.noun, targetID, err)
	}
	return nil
}
