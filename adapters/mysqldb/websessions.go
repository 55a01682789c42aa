package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/ports"
)

var _ ports.WebSessionRepository = (*WebSessionRepository)(nil)

// WriteTimeout bounds one write statement of a worker, the wait for a pool connection
// included: a locked table costs the worker this much before it retries.
const WriteTimeout = 10 * time.Second

// Execer runs statements: *sql.DB, *sql.Tx and *sql.Conn are Execers.
type Execer interface {
	Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// WebSessionRepository keeps chii_os_web_sessions (key, user_id, value, created_at,
// expired_at; times in Unix seconds).
type WebSessionRepository struct{ q Execer }

// NewWebSessionRepository returns a repository running its statements on q.
func NewWebSessionRepository(q Execer) *WebSessionRepository { return &WebSessionRepository{q: q} }

// Revoke reads the keys of user's sessions created at or before createdBy, then runs
// UPDATE chii_os_web_sessions SET expired_at = at WHERE user_id = ? AND created_at <= ?
// AND expired_at > at. A session created between the two statements was created after
// createdBy (now is later), so both see the same sessions.
func (r *WebSessionRepository) Revoke(ctx context.Context, userID uint32, createdBy, at time.Time) ([]string, error) {
	where := []exp.Expression{goqu.C("user_id").Eq(userID)}
	if !createdBy.IsZero() {
		where = append(where, goqu.C("created_at").Lte(createdBy.Unix()))
	}
	keys, err := listRows(ctx, r.q, "read web sessions", from("chii_os_web_sessions").Select("key").Where(where...).Order(goqu.C("key").Asc()),
		func(rows *sql.Rows) (string, error) {
			var k string
			err := rows.Scan(&k)
			return k, err
		})
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return keys, nil
	}
	query, args, err := uowDialect.Update("chii_os_web_sessions").Prepared(true).
		Set(goqu.Record{"expired_at": at.Unix()}).
		Where(append(where, goqu.C("expired_at").Gt(at.Unix()))...).ToSQL()
	if err != nil {
		return nil, fmt.Errorf("mysqldb: build revoke web sessions: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, WriteTimeout)
	defer cancel()
	if _, err := r.q.ExecContext(ctx, query, args...); err != nil {
		return nil, fmt.Errorf("mysqldb: revoke web sessions of user %d: %w", userID, classify(err))
	}
	return keys, nil
}
