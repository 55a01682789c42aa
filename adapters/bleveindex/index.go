// Package bleveindex is the embedded search index: ports.SearchIndex on bleve (scorch), in
// process, in memory or in a directory. It is the default index; Meilisearch is the other.
//
// # Layout
//
// One bleve index per kind (subjects, characters, persons), in a subdirectory of that name.
// Like Meilisearch's three indexes, each kind has its own mapping (only its own fields), its
// own term statistics (so relevance is computed among documents of one kind, as on
// Meilisearch), ids that cannot collide with another kind's, an exact Count (bleve's
// DocCount), and it can be rebuilt alone by removing its directory. The price: an Upsert
// carrying several kinds is one bleve batch per kind, atomic per kind, not across kinds; every
// document is written whole, so repeating a failed call is safe.
//
// # Durability
//
// Upsert and Delete are one bleve batch per kind. On a directory index, scorch's Batch without
// the "unsafe_batch" option does not return before the persister has written the batch: see
// Scorch.prepareSegment in bleve v2.6.3 (index/scorch/scorch.go), which waits on
// introduction.persisted when !s.unsafeBatch; the persister (index/scorch/persister.go)
// closes that channel after persistSnapshot, which fsyncs the new segment file (zapx
// PersistSegmentBase) and commits and syncs the bolt root (rootBolt.Sync). So when they return
// nil the change is on disk and visible to Search. An in-memory index (dir "") is scorch
// without a path: visible on return, gone with the process.
//
// # Matching
//
// A keyword is analysed like the names: words by the unicode tokenizer, lower case, full-width
// folded, Han/Kana/Hangul runs cut into bigrams. A document matches when every analysed term of
// the keyword (at most maxTerms) is in its name or its aliases; a Latin word of 5 to 8
// letters also matches a term one edit away, of 9 or more two edits away (Meilisearch's typo
// thresholds). A document whose whole name or one whole alias equals the keyword (case and
// width folded) gets a large boost, so exact matches come first. Names and aliases are indexed
// with CJK unigrams as well, so a one-character keyword finds the character anywhere.
//
// Filters never change relevance (they are the keyword query's unscored Filter). String equality is
// case-insensitive, as on Meilisearch. A subject's unknown date (0) is not indexed, as bangumi's
// document omits it, so it satisfies no date condition.
package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/ports"
)

var _ ports.SearchIndex = (*Index)(nil)

// schemaKey is the internal key under which each bleve index records schemaVersion.
var schemaKey = []byte("chii_schema")

// Index is the embedded search index. Its methods are safe for concurrent use.
type Index struct {
	kinds map[search.Kind]bleve.Index
	// Analysers of the keyword (the same in every kind's mapping).
	query analysis.Analyzer
	exact analysis.Analyzer
	// keyword analyses the values of tag, meta_tag and career conditions.
	keyword analysis.Analyzer
}

// Open opens the index stored in dir, creating it if missing; dir "" is an index in memory.
// A kind's index written with another schema version is removed and created empty, so that
// the indexer rebuilds it.
func Open(dir string) (*Index, error) {
	ix := &Index{kinds: make(map[search.Kind]bleve.Index, len(search.Kinds))}
	for _, kind := range search.Kinds {
		b, err := openKind(dir, kind)
		if err != nil {
			_ = ix.Close()
			return nil, fmt.Errorf("bleveindex: open %s: %w", kind, err)
		}
		ix.kinds[kind] = b
	}
	m := ix.kinds[search.KindSubject].Mapping()
	ix.query = m.AnalyzerNamed(analyzerQuery)
	ix.exact = m.AnalyzerNamed(analyzerExact)
	ix.keyword = m.AnalyzerNamed(analyzerKeyword)
	if ix.query == nil || ix.exact == nil || ix.keyword == nil {
		_ = ix.Close()
		return nil, errors.New("bleveindex: mapping lacks its analysers")
	}
	return ix, nil
}

func openKind(dir string, kind search.Kind) (bleve.Index, error) {
	m, err := newMapping(kind)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	if dir == "" {
		// scorch without a path keeps its segments in memory (bleve.NewMemOnly would be the
		// older upsidedown engine: another engine than the one on disk).
		b, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
		if err != nil {
			return nil, err
		}
		if err := b.SetInternal(schemaKey, []byte(schemaVersion)); err != nil {
			_ = b.Close()
			return nil, err
		}
		return b, nil
	}
	path := filepath.Join(dir, kind.String())
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err == nil {
		b, err := bleve.Open(path)
		if err != nil {
			return nil, err
		}
		v, err := b.GetInternal(schemaKey)
		if err == nil && string(v) == schemaVersion {
			return b, nil
		}
		_ = b.Close()
		if err != nil {
			return nil, fmt.Errorf("read schema version: %w", err)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("remove index of schema %q: %w", v, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b, err := bleve.New(path, m)
	if err != nil {
		return nil, err
	}
	if err := b.SetInternal(schemaKey, []byte(schemaVersion)); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// Close closes every kind's index. An Index must not be used after Close.
func (ix *Index) Close() error {
	var errs []error
	for _, kind := range search.Kinds {
		if b := ix.kinds[kind]; b != nil {
			if err := b.Close(); err != nil {
				errs = append(errs, fmt.Errorf("bleveindex: close %s: %w", kind, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (ix *Index) kind(k search.Kind) (bleve.Index, error) {
	b, ok := ix.kinds[k]
	if !ok {
		return nil, domain.Errorf(domain.ErrInvalid, "unknown search index %s", k)
	}
	return b, nil
}

// Upsert writes whole documents (D4): bleve's Batch.Index replaces the stored document of the
// same id, every field of it. One batch per kind, durable on return (see the package doc).
func (ix *Index) Upsert(ctx context.Context, docs search.Documents) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(docs.Subjects) > 0 {
		if err := ix.write(ctx, search.KindSubject, len(docs.Subjects), func(b *bleve.Batch) error {
			for _, d := range docs.Subjects {
				if err := b.Index(docID(d.ID), subjectEntry(d)); err != nil {
					return fmt.Errorf("subject %d: %w", d.ID, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if len(docs.Characters) > 0 {
		if err := ix.write(ctx, search.KindCharacter, len(docs.Characters), func(b *bleve.Batch) error {
			for _, d := range docs.Characters {
				if err := b.Index(docID(d.ID), characterEntry(d)); err != nil {
					return fmt.Errorf("character %d: %w", d.ID, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if len(docs.Persons) > 0 {
		if err := ix.write(ctx, search.KindPerson, len(docs.Persons), func(b *bleve.Batch) error {
			for _, d := range docs.Persons {
				if err := b.Index(docID(d.ID), personEntry(d)); err != nil {
					return fmt.Errorf("person %d: %w", d.ID, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the documents of kind with these ids, in one batch; missing ids are no error.
func (ix *Index) Delete(ctx context.Context, kind search.Kind, ids ...uint32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := ix.kind(kind); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return ix.write(ctx, kind, len(ids), func(b *bleve.Batch) error {
		for _, id := range ids {
			b.Delete(docID(id))
		}
		return nil
	})
}

// write fills one batch of kind's index and applies it.
func (ix *Index) write(ctx context.Context, kind search.Kind, n int, fill func(*bleve.Batch) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := ix.kind(kind)
	if err != nil {
		return err
	}
	batch := b.NewBatch()
	if err := fill(batch); err != nil {
		return fmt.Errorf("bleveindex: %w", err)
	}
	if err := b.Batch(batch); err != nil {
		return fmt.Errorf("bleveindex: write %d %s: %w", n, kind, err)
	}
	return nil
}

// Count is the number of documents of kind.
func (ix *Index) Count(ctx context.Context, kind search.Kind) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b, err := ix.kind(kind)
	if err != nil {
		return 0, err
	}
	n, err := b.DocCount()
	if err != nil {
		return 0, fmt.Errorf("bleveindex: count %s: %w", kind, err)
	}
	return int64(n), nil
}
