package mysqldb_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/doug-martin/goqu/v9"

	"github.com/bangumi/chii/contracttests"
)

// loadRevisionFixture inserts the revisions of f: chii_rev_history, chii_subject_revisions and
// chii_rev_text rows, as stored (raw, no escaping).
func loadRevisionFixture(tb testing.TB, db *sql.DB, f contracttests.Fixture) {
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
	for _, fr := range f.Revisions {
		r := fr.Revision
		insert("chii_rev_history", goqu.Record{
			"rev_id": r.ID, "rev_type": r.Type, "rev_mid": r.EntityID, "rev_text_id": fr.TextID,
			"rev_dateline": r.CreatedAt.Unix(), "rev_creator": r.CreatorID, "rev_edit_summary": r.Summary,
		})
	}
	for _, r := range f.SubjectRevisions {
		d := r.Subject
		insert("chii_subject_revisions", goqu.Record{
			"rev_id": r.ID, "rev_type": r.Type, "rev_subject_id": r.EntityID, "rev_type_id": d.TypeID,
			"rev_creator": r.CreatorID, "rev_dateline": r.CreatedAt.Unix(), "rev_name": d.Name, "rev_name_cn": d.NameCN,
			"rev_field_infobox": d.Infobox, "rev_field_meta_tags": "", "rev_field_summary": d.Summary,
			"rev_vote_field": d.VoteField, "rev_field_eps": d.Eps, "rev_edit_summary": r.Summary, "rev_platform": d.Platform,
		})
	}
	for _, t := range f.RevisionTexts {
		insert("chii_rev_text", goqu.Record{"rev_text_id": t.ID, "rev_text": t.Text})
	}
}
