package bleveindex

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/bangumi/chii/domain/search"
)

// An index directory of another schema version is dropped and created empty, so that the
// indexer rebuilds it (search spec §6: an index with 0 documents is initialised).
func TestOpen_OtherSchemaIsRecreated(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Upsert(context.Background(), search.Documents{
		Subjects: []search.SubjectDoc{{ID: 1, Name: "old"}},
		Persons:  []search.PersonDoc{{ID: 1, Name: "kept"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bleve.Open(filepath.Join(dir, search.KindSubject.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetInternal(schemaKey, []byte("chii-search-0")); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir)
	if err != nil {
		t.Fatalf("Open over an older schema: %v", err)
	}
	defer ix.Close()
	if n, _ := ix.Count(context.Background(), search.KindSubject); n != 0 {
		t.Errorf("subjects of an older schema: Count = %d; want 0 (recreated)", n)
	}
	if n, _ := ix.Count(context.Background(), search.KindPerson); n != 1 {
		t.Errorf("persons of the current schema: Count = %d; want 1 (kept)", n)
	}
}
