package canal_test

import (
	"testing"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
)

// SearchIndexer.Reindex on the real adapters (the dev-env data on MySQL, the embedded index):
// it walks the rows that exist, a batch of rows per step, and after a walk of every kind the
// index holds exactly the indexable rows — stale documents of merged or banned rows (a merged
// one at the greatest id) are gone — and a rerun from the last id returned does nothing more.
func TestSearchIndexer_Reindex_MySQLAndEmbeddedIndex(t *testing.T) {
	_, db := testenv.MySQL(t, testenv.WithData())
	ix, err := bleveindex.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	x := &usecase.SearchIndexer{
		Index:      ix,
		Subjects:   mysqldb.NewSubjectRepository(db),
		Characters: mysqldb.NewCharacterRepository(db),
		Persons:    mysqldb.NewPersonRepository(db),
	}
	ctx := t.Context()

	// Stale documents: a merged and a banned subject; the greatest character and person, merged
	// here into the least one (bangumi merges, it does not delete).
	var merged, banned uint32
	if err := db.QueryRowContext(ctx, `SELECT
			(SELECT MIN(field_sid) FROM chii_subject_fields f JOIN chii_subjects s ON s.subject_id = f.field_sid WHERE f.field_redirect <> 0),
			(SELECT MIN(subject_id) FROM chii_subjects WHERE subject_ban <> 0)`).Scan(&merged, &banned); err != nil {
		t.Fatalf("the data set needs a merged and a banned subject: %v", err)
	}
	var minCharacter, maxCharacter, minPerson, maxPerson uint32
	if err := db.QueryRowContext(ctx, `SELECT (SELECT MIN(crt_id) FROM chii_characters), (SELECT MAX(crt_id) FROM chii_characters),
			(SELECT MIN(prsn_id) FROM chii_persons), (SELECT MAX(prsn_id) FROM chii_persons)`).Scan(&minCharacter, &maxCharacter, &minPerson, &maxPerson); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE chii_characters SET crt_redirect = ? WHERE crt_id = ?`, minCharacter, maxCharacter); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE chii_persons SET prsn_redirect = ? WHERE prsn_id = ?`, minPerson, maxPerson); err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(ctx, search.Documents{
		Subjects:   []search.SubjectDoc{{ID: merged, Name: "stale"}, {ID: banned, Name: "stale"}},
		Characters: []search.CharacterDoc{{ID: maxCharacter, Name: "stale"}},
		Persons:    []search.PersonDoc{{ID: maxPerson, Name: "stale"}},
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		kind  search.Kind
		batch int    // rows per step: not dividing the number of rows
		rows  string // the rows, indexable or not
		count string // the indexable rows
	}{
		{search.KindSubject, 30, `SELECT COUNT(*) FROM chii_subjects`,
			`SELECT COUNT(*) FROM chii_subjects s LEFT JOIN chii_subject_fields f ON f.field_sid = s.subject_id
			WHERE s.subject_ban = 0 AND COALESCE(f.field_redirect, 0) = 0`},
		{search.KindCharacter, 7, `SELECT COUNT(*) FROM chii_characters`, `SELECT COUNT(*) FROM chii_characters WHERE crt_redirect = 0`},
		{search.KindPerson, 33, `SELECT COUNT(*) FROM chii_persons`, `SELECT COUNT(*) FROM chii_persons WHERE prsn_redirect = 0`},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			maxID, err := x.MaxID(ctx, tc.kind)
			if err != nil || maxID == 0 {
				t.Fatalf("MaxID() = %d, %v", maxID, err)
			}
			var rows, want int
			if err := db.QueryRowContext(ctx, tc.rows).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, tc.count).Scan(&want); err != nil {
				t.Fatal(err)
			}
			var progress int
			last, err := x.Reindex(ctx, tc.kind, 0, tc.batch, func(done, max uint32) {
				progress++
				if max != maxID || done > max {
					t.Errorf("progress(%d, %d), want done <= max = %d", done, max, maxID)
				}
			})
			if err != nil || last != maxID {
				t.Fatalf("Reindex() = %d, %v; want %d, nil", last, err, maxID)
			}
			if wantSteps := (rows + tc.batch - 1) / tc.batch; progress != wantSteps {
				t.Errorf("progress called %d times, want %d (once per batch of %d of the %d rows)", progress, wantSteps, tc.batch, rows)
			}
			if got, err := ix.Count(ctx, tc.kind); err != nil || got != int64(want) {
				t.Errorf("Count() = %d, %v; want %d (the indexable rows, nothing stale)", got, err, want)
			}
			if again, err := x.Reindex(ctx, tc.kind, last, tc.batch, nil); err != nil || again != last {
				t.Errorf("rerun from %d = %d, %v; want nothing more to do", last, again, err)
			}
		})
	}
}
