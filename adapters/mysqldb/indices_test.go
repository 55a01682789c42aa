package mysqldb_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/doug-martin/goqu/v9"

	"github.com/bangumi/chii/contracttests"
)

// loadIndexFixture inserts the indices of f: chii_index and chii_index_related rows, as
// stored (raw, no escaping).
func loadIndexFixture(tb testing.TB, db *sql.DB, f contracttests.Fixture) {
	tb.Helper()
	insert := func(table string, rec goqu.Record) {
		tb.Helper()
		query, args, err := fixtureDialect.Insert(table).Prepared(true).Rows(rec).ToSQL()
		if err != nil {
			tb.Fatalf("build insert %s: %v", table, err)
		}
		if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
			tb.Fatalf("insert %s: %v", table, err)
		}
	}
	for _, i := range f.Indices {
		insert("chii_index", goqu.Record{
			"idx_id": i.ID, "idx_type": 0, "idx_title": i.Title, "idx_desc": i.Desc, "idx_replies": i.Replies,
			"idx_subject_total": i.Total, "idx_collects": i.Collects, "idx_stats": "", "idx_award": 0,
			"idx_dateline": i.CreatedAt.Unix(), "idx_lasttouch": i.UpdatedAt.Unix(), "idx_uid": i.CreatorID,
			"idx_ban": i.Privacy,
		})
	}
	for _, e := range f.IndexEntries {
		insert("chii_index_related", goqu.Record{
			"idx_rlt_id": e.ID, "idx_rlt_cat": e.Cat, "idx_rlt_rid": e.IndexID, "idx_rlt_type": e.SubjectType,
			"idx_rlt_sid": e.TargetID, "idx_rlt_order": e.Order, "idx_rlt_award": "", "idx_rlt_comment": e.Comment,
			"idx_rlt_dateline": e.AddedAt.Unix(), "idx_rlt_ban": e.Removed,
		})
	}
	for _, c := range f.IndexCollects {
		insert("chii_index_collects", goqu.Record{
			"idx_clt_mid": c.IndexID, "idx_clt_uid": c.UserID, "idx_clt_dateline": c.CreatedAt.Unix(),
		})
	}
}
