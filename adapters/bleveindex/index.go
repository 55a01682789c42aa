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
// carrying several kinds writes each kind separately, so it is not atomic across kinds; every
// document is written whole, so repeating a failed call is safe.
//
// # Durability
//
// Upsert writes a kind's documents as one bleve batch, or a few concurrent ones for a large
// call; Delete as one batch. On a directory index, scorch's Batch without the "unsafe_batch"
// option does not return before the persister has written the batch: see
// Scorch.prepareSegment in bleve v2.6.3 (index/scorch/scorch.go), which waits on
// introduction.persisted when !s.unsafeBatch; the persister (index/scorch/persister.go)
// closes that channel after persistSnapshot, which fsyncs the new segment file (zapx
// PersistSegmentBase) and commits and syncs the bolt root (rootBolt.Sync). Upsert returns
// after all its batches did, so when Upsert or Delete returns nil the change is on disk and
// visible to Search. An in-memory index (dir "") is scorch without a path: visible on return,
// gone with the process.
//
// # Matching
//
// A keyword is analysed like the names: words by the unicode tokenizer, lower case, full-width
// folded, Han/Kana/Hangul runs cut into bigrams. A document matches when every analysed term
// of the keyword (at most maxTerms) is in its name or its aliases. A Latin word of 5 letters
// or more also matches a word one edit away with the same first letter (Meilisearch's rule for
// one typo; its second typo from 9 letters is left out, as a distance-2 automaton walked over
// every segment's dictionary cost ~10 ms a query). A document whose whole name or one whole
// alias equals the keyword (case and width folded) gets a large boost, so exact matches come
// first. Names and aliases are indexed with CJK unigrams as well, so a one-character keyword
// finds the character anywhere. A keyword of separators only ("!!!") finds only a name or
// alias that is exactly it; a blank keyword is the placeholder search.
//
// Filters never change relevance (they are the keyword query's unscored Filter). String
// equality is case-insensitive, as on Meilisearch. A subject's unknown date (0) is not
// indexed, as bangumi's document omits it, so it satisfies no date condition.
//
// # Cost
//
// BenchmarkReindex200k and BenchmarkSearch (bench_test.go) measure it; see their output.
package bleveindex

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bbolterrors "go.etcd.io/bbolt/errors"

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

// lockWait bounds the wait for a directory another process has open.
const lockWait = 2 * time.Second

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
		// A directory is owned by one process at a time (bolt's file lock); another process
		// waits at most lockWait, then gets an error saying so instead of hanging.
		b, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": lockWait.String()})
		if errors.Is(err, bbolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%s is in use by another process (a running chii server?): %w", path, err)
		}
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
// same id, every field of it; of several documents with one id in a call, the last is written.
// A kind's documents are written as one batch, or, from 2×minParallelBatch documents, as up
// to GOMAXPROCS batches applied concurrently: a batch builds its segment on one core and then
// waits for the persister, so concurrent batches overlap that wait (a 1,000-document call
// took about half the time). Durable on return either way (see the package doc); a failed
// call may have written some of its documents, and repeating it is safe.
func (ix *Index) Upsert(ctx context.Context, docs search.Documents) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := upsertKind(ctx, ix, search.KindSubject, docs.Subjects,
		func(d search.SubjectDoc) uint32 { return d.ID }, subjectEntry); err != nil {
		return err
	}
	if err := upsertKind(ctx, ix, search.KindCharacter, docs.Characters,
		func(d search.CharacterDoc) uint32 { return d.ID }, characterEntry); err != nil {
		return err
	}
	return upsertKind(ctx, ix, search.KindPerson, docs.Persons,
		func(d search.PersonDoc) uint32 { return d.ID }, personEntry)
}

// minParallelBatch is the smallest batch Upsert splits a call into.
const minParallelBatch = 250

func upsertKind[D any](ctx context.Context, ix *Index, kind search.Kind, docs []D, id func(D) uint32, entry func(D) map[string]any) error {
	if len(docs) == 0 {
		return nil
	}
	// The last document of each id, in call order: concurrent batches must not race on an id.
	last := make(map[uint32]int, len(docs))
	for i, d := range docs {
		last[id(d)] = i
	}
	if len(last) < len(docs) {
		kept := make([]D, 0, len(last))
		for i, d := range docs {
			if last[id(d)] == i {
				kept = append(kept, d)
			}
		}
		docs = kept
	}
	parts := min(runtime.GOMAXPROCS(0), len(docs)/minParallelBatch)
	if parts <= 1 {
		return write(ctx, ix, kind, docs, id, entry)
	}
	size := (len(docs) + parts - 1) / parts
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		chunk := docs[p*size : min((p+1)*size, len(docs))]
		wg.Go(func() { errs[p] = write(ctx, ix, kind, chunk, id, entry) })
	}
	wg.Wait()
	return errors.Join(errs...)
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
	b, _ := ix.kind(kind)
	batch := b.NewBatch()
	for _, id := range ids {
		batch.Delete(docID(id))
	}
	if err := b.Batch(batch); err != nil {
		return fmt.Errorf("bleveindex: delete %d %s: %w", len(ids), kind, err)
	}
	return nil
}

// write applies one batch writing docs to kind's index.
func write[D any](ctx context.Context, ix *Index, kind search.Kind, docs []D, id func(D) uint32, entry func(D) map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := ix.kind(kind)
	if err != nil {
		return err
	}
	batch := b.NewBatch()
	for _, d := range docs {
		if err := batch.Index(docID(id(d)), entry(d)); err != nil {
			return fmt.Errorf("bleveindex: %s %d: %w", kind, id(d), err)
		}
	}
	if err := b.Batch(batch); err != nil {
		return fmt.Errorf("bleveindex: write %d %s: %w", len(docs), kind, err)
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
