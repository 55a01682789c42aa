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
// after a walk of every kind the index holds exactly the indexable rows — stale documents of
// ids without a row, or of merged or banned ones, are gone — and a rerun from the last id
// returned does nothing more.
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

	// Stale documents: a merged or banned subject, a character and a person without a row.
	var merged, banned uint32
	if err := db.QueryRowContext(ctx, `SELECT
			(SELECT MIN(field_sid) FROM chii_subject_fields f JOIN chii_subjects s ON s.subject_id = f.field_sid WHERE f.field_redirect <> 0),
			(SELECT MIN(subject_id) FROM chii_subjects WHERE subject_ban <> 0)`).Scan(&merged, &banned); err != nil {
		t.Fatalf("the data set needs a merged and a banned subject: %v", err)
	}
	var maxCharacter, maxPerson uint32
	if err := db.QueryRowContext(ctx, `SELECT (SELECT MAX(crt_id) FROM chii_characters), (SELECT MAX(prsn_id) FROM chii_persons)`).Scan(&maxCharacter, &maxPerson); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM chii_characters WHERE crt_id = ?`, maxCharacter-1); err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(ctx, search.Documents{
		Subjects:   []search.SubjectDoc{{ID: merged, Name: "stale"}, {ID: banned, Name: "stale"}},
		Characters: []search.CharacterDoc{{ID: maxCharacter - 1, Name: "stale"}},
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		kind  search.Kind
		batch int    // ids per range: not dividing the greatest id
		count string // the indexable rows
	}{
		{search.KindSubject, 1000, `SELECT COUNT(*) FROM chii_subjects s LEFT JOIN chii_subject_fields f ON f.field_sid = s.subject_id
			WHERE s.subject_ban = 0 AND COALESCE(f.field_redirect, 0) = 0`},
		{search.KindCharacter, 37, `SELECT COUNT(*) FROM chii_characters WHERE crt_redirect = 0`},
		{search.KindPerson, 997, `SELECT COUNT(*) FROM chii_persons WHERE prsn_redirect = 0`},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			maxID, err := x.MaxID(ctx, tc.kind)
			if err != nil || maxID == 0 {
				t.Fatalf("MaxID() = %d, %v", maxID, err)
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
			if want := (int(maxID) + tc.batch - 1) / tc.batch; progress != want {
				t.Errorf("progress called %d times, want %d (once per range of %d ids)", progress, want, tc.batch)
			}
			var want int64
			if err := db.QueryRowContext(ctx, tc.count).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got, err := ix.Count(ctx, tc.kind); err != nil || got != want {
				t.Errorf("Count() = %d, %v; want %d (the indexable rows, nothing stale)", got, err, want)
			}
			if again, err := x.Reindex(ctx, tc.kind, last, tc.batch, nil); err != nil || again != last {
				t.Errorf("rerun from %d = %d, %v; want nothing more to do", last, again, err)
			}
		})
	}
}
