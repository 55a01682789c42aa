package mysqldb_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/doug-martin/goqu/v9"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/ports"
)

// newTimelineStore gives each call its own database holding rows (explicit tml_id, so
// AUTO_INCREMENT continues after the highest).
func newTimelineStore(t *testing.T, rows []timeline.Row) (ports.UnitOfWork, func(*testing.T) []timeline.Row) {
	_, db := testenv.MySQL(t)
	for _, r := range rows {
		query, args, err := fixtureDialect.Insert("chii_timeline").Prepared(true).Rows(goqu.Record{
			"tml_id": r.ID, "tml_uid": r.UID, "tml_cat": r.Cat, "tml_type": r.Type, "tml_related": r.Related,
			"tml_memo": r.Memo, "tml_img": r.Img, "tml_batch": r.Batch, "tml_source": r.Source,
			"tml_replies": r.Replies, "tml_dateline": r.Dateline,
		}).ToSQL()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
			t.Fatalf("seed chii_timeline: %v", err)
		}
	}
	return mysqldb.NewUnitOfWork(db), func(t *testing.T) []timeline.Row { return timelineRows(t, db) }
}

var _ contracttests.NewTimelineStore = newTimelineStore

// timelineRows reads every chii_timeline row by tml_id.
func timelineRows(tb testing.TB, db *sql.DB) []timeline.Row {
	tb.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT tml_id, tml_uid, tml_cat, tml_type, tml_related, tml_memo,
		tml_img, tml_batch, tml_source, tml_replies, tml_dateline FROM chii_timeline ORDER BY tml_id`)
	if err != nil {
		tb.Fatalf("read chii_timeline: %v", err)
	}
	defer rows.Close()
	var out []timeline.Row
	for rows.Next() {
		var r timeline.Row
		if err := rows.Scan(&r.ID, &r.UID, &r.Cat, &r.Type, &r.Related, &r.Memo, &r.Img, &r.Batch, &r.Source, &r.Replies, &r.Dateline); err != nil {
			tb.Fatalf("scan chii_timeline: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read chii_timeline: %v", err)
	}
	return out
}

func TestTimeline(t *testing.T) { contracttests.TestTimeline(t, newTimelineStore) }
