package mysqldb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

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

func TestTimelineRedelivery(t *testing.T) {
	contracttests.TestTimelineRedelivery(t, newTimelineStore)
}

// TestTimeline_PreviousSeesRowInsertedByLockHolder: B's locking read waits for row 1, which A
// holds; A then inserts a newer matching row 2; after A commits, B must get row 2 (the
// newest), not the row it waited for — else one batch is split across rows.
func TestTimeline_PreviousSeesRowInsertedByLockHolder(t *testing.T) {
	f := timeline.Filter{UID: 7, Cat: timeline.CatMono, Type: 1}
	uow, _ := newTimelineStore(t, []timeline.Row{{ID: 1, UID: 7, Cat: timeline.CatMono, Type: 1, Memo: "{}", Dateline: 1700000000}})
	aLocked, aGo := make(chan struct{}), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- uow.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			if _, _, err := tx.Timeline().Previous(ctx, f); err != nil {
				return err
			}
			close(aLocked)
			<-aGo // B is now waiting for row 1
			_, err := tx.Timeline().Insert(ctx, timeline.Row{UID: 7, Cat: timeline.CatMono, Type: 1, Memo: "{}", Dateline: 1700000100})
			return err
		})
	}()
	<-aLocked
	var got timeline.Row
	bDone := make(chan error, 1)
	go func() {
		bDone <- uow.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			row, _, err := tx.Timeline().Previous(ctx, f)
			got = row
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond) // let B block on row 1's lock
	close(aGo)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	if got.ID != 2 {
		t.Errorf("Previous() after the lock holder committed = row %d, want the newest row 2", got.ID)
	}
}
