package mysqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

var _ ports.TimelineWriter = uowTimeline{}

const timelineTable = "chii_timeline"

// Timeline returns the transaction's chii_timeline writer.
func (t uowTx) Timeline() ports.TimelineWriter { return uowTimeline{q: t.q} }

// uowTimeline reads and writes chii_timeline in one transaction. Memos are stored and read as
// they are (no HTML unescaping): decoding them is the domain's business.
type uowTimeline struct{ q uowQuerier }

var timelineColumns = []any{
	"tml_id", "tml_uid", "tml_cat", "tml_type", "tml_related", "tml_memo", "tml_img",
	"tml_batch", "tml_source", "tml_replies", "tml_dateline",
}

// Previous runs SELECT … WHERE tml_uid = ? AND tml_cat = ? [AND tml_type = ?]
// ORDER BY tml_id DESC LIMIT 1 FOR UPDATE: the row found stays locked until the transaction
// ends, so concurrent merges into it run one after the other.
//
// A locking read that waited for the lock returns the row it waited for even when the lock
// holder meanwhile inserted a newer matching row; so once the row is locked Previous checks
// (a plain read, which at READ COMMITTED sees every committed row) that no newer one exists,
// and locks again when one does. UnitOfWork runs at READ COMMITTED, which takes no gap locks:
// when no row matches nothing is locked, and two concurrent first messages of one user,
// category and type both insert.
func (r uowTimeline) Previous(ctx context.Context, f timeline.Filter) (timeline.Row, bool, error) {
	where := []exp.Expression{goqu.C("tml_uid").Eq(f.UID), goqu.C("tml_cat").Eq(f.Cat)}
	if !f.AnyType {
		where = append(where, goqu.C("tml_type").Eq(f.Type))
	}
	newest := from(timelineTable).Select(goqu.C("tml_id")).Where(where...).Order(goqu.C("tml_id").Desc()).Limit(1)
	locked := from(timelineTable).Select(timelineColumns...).Where(where...).
		Order(goqu.C("tml_id").Desc()).Limit(1).ForUpdate(exp.Wait)
	for range previousAttempts {
		var (
			row   timeline.Row
			found bool
		)
		err := queryRows(ctx, r.q, "previous timeline row", locked, func(rows *sql.Rows) error {
			found = true
			return rows.Scan(&row.ID, &row.UID, &row.Cat, &row.Type, &row.Related, &row.Memo, &row.Img,
				&row.Batch, &row.Source, &row.Replies, &row.Dateline)
		})
		if err != nil || !found {
			return timeline.Row{}, false, err
		}
		var latest uint32
		err = queryRows(ctx, r.q, "newest timeline row", newest, func(rows *sql.Rows) error { return rows.Scan(&latest) })
		if err != nil {
			return timeline.Row{}, false, err
		}
		if latest <= row.ID {
			return row, true, nil
		}
	}
	return timeline.Row{}, false, fmt.Errorf("mysqldb: previous timeline row of user %d kept moving", f.UID)
}

// previousAttempts bounds how often Previous locks again because a newer row appeared.
const previousAttempts = 5

// Insert writes every column but tml_id (AUTO_INCREMENT) and returns the new id.
func (r uowTimeline) Insert(ctx context.Context, row timeline.Row) (uint32, error) {
	query, args, err := uowDialect.Insert(timelineTable).Prepared(true).Rows(goqu.Record{
		"tml_uid":      row.UID,
		"tml_cat":      row.Cat,
		"tml_type":     row.Type,
		"tml_related":  row.Related,
		"tml_memo":     row.Memo,
		"tml_img":      row.Img,
		"tml_batch":    row.Batch,
		"tml_source":   row.Source,
		"tml_replies":  row.Replies,
		"tml_dateline": row.Dateline,
	}).ToSQL()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: build insert timeline: %w", err)
	}
	res, err := r.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("mysqldb: insert timeline: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: insert timeline: %w", err)
	}
	return uint32(id), nil
}

// Update runs UPDATE chii_timeline SET tml_memo, tml_batch, tml_source WHERE tml_id = ? LIMIT 1.
func (r uowTimeline) Update(ctx context.Context, u timeline.Update) error {
	query, args, err := uowDialect.Update(timelineTable).Prepared(true).Set(goqu.Record{
		"tml_memo":   u.Memo,
		"tml_batch":  u.Batch,
		"tml_source": u.Source,
	}).Where(goqu.C("tml_id").Eq(u.ID)).Limit(1).ToSQL()
	if err != nil {
		return fmt.Errorf("mysqldb: build update timeline: %w", err)
	}
	if _, err := r.q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mysqldb: update timeline %d: %w", u.ID, err)
	}
	return nil
}
