package searchrt_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/searchrt"
)

// devData loads bangumi's dev dataset into a fresh database and returns its rows, read by
// the repositories production uses, with an indexer over them.
func devData(t *testing.T) (contracttests.DevData, func(ports.SearchIndex) *usecase.SearchIndexer) {
	t.Helper()
	_, db := testenv.MySQL(t, testenv.WithData())
	subjects, characters, persons := mysqldb.NewSubjectRepository(db), mysqldb.NewCharacterRepository(db), mysqldb.NewPersonRepository(db)
	ctx := t.Context()
	ids := func(query string) []uint32 {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []uint32
		for rows.Next() {
			var id uint32
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var data contracttests.DevData
	sm, err := subjects.GetByIDs(ctx, ids("SELECT subject_id FROM chii_subjects"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sm {
		data.Subjects = append(data.Subjects, s)
	}
	cm, err := characters.GetByIDs(ctx, ids("SELECT crt_id FROM chii_characters"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cm {
		data.Characters = append(data.Characters, c)
	}
	pm, err := persons.GetByIDs(ctx, ids("SELECT prsn_id FROM chii_persons"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pm {
		data.Persons = append(data.Persons, p)
	}
	for name, q := range map[string]string{"subjects": "SELECT MAX(subject_id), COUNT(*) FROM chii_subjects", "characters": "SELECT MAX(crt_id), COUNT(*) FROM chii_characters", "persons": "SELECT MAX(prsn_id), COUNT(*) FROM chii_persons"} {
		var m, n int
		_ = db.QueryRowContext(ctx, q).Scan(&m, &n)
		t.Logf("%s: max id %d, %d rows", name, m, n)
	}
	return data, func(ix ports.SearchIndex) *usecase.SearchIndexer { return indexerOn(db, ix) }
}

// indexerOn is the indexer over the MySQL repositories of db.
func indexerOn(db *sql.DB, ix ports.SearchIndex) *usecase.SearchIndexer {
	return &usecase.SearchIndexer{
		Index:      ix,
		Subjects:   mysqldb.NewSubjectRepository(db),
		Characters: mysqldb.NewCharacterRepository(db),
		Persons:    mysqldb.NewPersonRepository(db),
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// build writes the dev dataset into ix the way `chii search reindex` does: in batches, from
// checkpoints, small batches so that several are needed.
func build(t testing.TB, ix *usecase.SearchIndexer) {
	t.Helper()
	cps := &searchrt.Checkpoints{Dir: t.TempDir()}
	for _, kind := range search.Kinds {
		if err := searchrt.Rebuild(t.Context(), ix, kind, cps, 7, nil); err != nil {
			t.Fatal(err)
		}
		cp, err := cps.Load(kind)
		if err != nil || !cp.Done {
			t.Fatalf("checkpoint of %s after the rebuild = %+v, %v; want done", kind, cp, err)
		}
	}
}

// TestSearch_DevDataset runs the dev-dataset search suite on every index engine: the
// embedded one (in memory and on disk), and Meilisearch when CHII_TEST_MEILISEARCH_URL names
// one (there is none on this machine).
func TestSearch_DevDataset(t *testing.T) {
	data, indexer := devData(t)
	t.Run("EmbeddedInMemory", func(t *testing.T) {
		ix, err := bleveindex.Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Close() })
		build(t, indexer(ix))
		contracttests.SearchDevData(t, ix, data)
	})
	t.Run("EmbeddedOnDisk", func(t *testing.T) {
		ix, err := bleveindex.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ix.Close() })
		build(t, indexer(ix))
		contracttests.SearchDevData(t, ix, data)
	})
	t.Run("Meilisearch", func(t *testing.T) {
		url := os.Getenv("CHII_TEST_MEILISEARCH_URL")
		if url == "" {
			t.Skip("no Meilisearch: set CHII_TEST_MEILISEARCH_URL to run the suite on it")
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		ix, err := meiliindex.New(ctx, meiliindex.Options{
			URL: url, Key: os.Getenv("CHII_TEST_MEILISEARCH_KEY"), IndexPrefix: "chii_test_" + hex.EncodeToString(b) + "_",
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ix.Close)
		if err := ix.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		build(t, indexer(ix))
		contracttests.SearchDevData(t, ix, data)
	})
}
