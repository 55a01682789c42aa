package usecase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/ports"
)

var _ ports.ChangeNotifier = (*SearchIndexer)(nil)

// DefaultChangedTimeout bounds SearchIndexer.Changed when its Timeout is zero.
const DefaultChangedTimeout = 5 * time.Second

// DefaultReindexBatch is the number of ids per step of Reindex when its batch is not positive.
const DefaultReindexBatch = 1000

// SearchIndexer keeps a search index equal to the repositories: it reads the rows of the ids
// it is told about and writes their whole documents (decision D4), or deletes the ids that
// must not be in the index (missing rows, merged entities, banned or locked subjects).
//
// Sync is the step shared by the canal worker (per batch of change events), the in-process
// notifications (Changed) and the rebuild (Reindex).
type SearchIndexer struct {
	Index      ports.SearchIndex
	Subjects   ports.SubjectRepository
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository

	// Timeout bounds one call of Changed; zero means DefaultChangedTimeout.
	Timeout time.Duration
	// OnError, when set, is told every error of Changed (which cannot return it): the runtime
	// logs and counts them. Use cases never log.
	OnError func(error)
}

// Sync makes the index's documents of kind with these ids equal to the repository: it reads
// the rows in one GetByIDs, writes the documents of every row that belongs in the index in
// one Upsert (whole documents), and deletes every other id (no row, merged, banned or locked
// subject) in one Delete. Duplicate ids count once; no ids is a no-op. Any error is returned
// (the index may then be partly updated): the caller retries, and a retry converges.
func (x *SearchIndexer) Sync(ctx context.Context, kind search.Kind, ids ...uint32) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	var (
		docs search.Documents
		gone []uint32
		err  error
	)
	switch kind {
	case search.KindSubject:
		docs.Subjects, gone, err = documents(ctx, x.Subjects.GetByIDs, search.SubjectDocument, ids)
	case search.KindCharacter:
		docs.Characters, gone, err = documents(ctx, x.Characters.GetByIDs, search.CharacterDocument, ids)
	case search.KindPerson:
		docs.Persons, gone, err = documents(ctx, x.Persons.GetByIDs, search.PersonDocument, ids)
	default:
		return fmt.Errorf("search index: sync: unknown kind %v", kind)
	}
	if err != nil {
		return fmt.Errorf("search index: sync %s: read %d ids: %w", kind, len(ids), err)
	}
	if docs.Len() > 0 {
		if err := x.Index.Upsert(ctx, docs); err != nil {
			return fmt.Errorf("search index: sync %s: write %d documents: %w", kind, docs.Len(), err)
		}
	}
	if len(gone) > 0 {
		if err := x.Index.Delete(ctx, kind, gone...); err != nil {
			return fmt.Errorf("search index: sync %s: delete %d ids: %w", kind, len(gone), err)
		}
	}
	return nil
}

// documents reads ids with get and builds the document of each row found that belongs in the
// index (in the order of ids); gone lists the other ids.
func documents[E, D any](
	ctx context.Context,
	get func(context.Context, []uint32) (map[uint32]E, error),
	build func(E) (D, bool),
	ids []uint32,
) (docs []D, gone []uint32, err error) {
	rows, err := get(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if row, ok := rows[id]; ok {
			if doc, index := build(row); index {
				docs = append(docs, doc)
				continue
			}
		}
		gone = append(gone, id)
	}
	return docs, gone, nil
}

// uniqueIDs returns ids without duplicates, in ascending order.
func uniqueIDs(ids []uint32) []uint32 {
	if len(ids) < 2 {
		return ids
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Changed implements ports.ChangeNotifier for changes made in this process (the API's
// writes, the demo server): it syncs the changed subjects, characters and persons (a collect
// changes the target's collect count, which its document holds) and ignores user changes.
// It runs on its own bounded time (Timeout), detached from ctx's cancellation: the change is
// committed, so the index follows it even when the request that made it has gone. It never
// fails the caller: every error goes to OnError.
func (x *SearchIndexer) Changed(ctx context.Context, changes ...ports.Change) {
	byKind := map[search.Kind][]uint32{}
	for _, c := range changes {
		if k, ok := entityKind(c.Entity); ok {
			byKind[k] = append(byKind[k], c.ID)
		}
	}
	if len(byKind) == 0 {
		return
	}
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = DefaultChangedTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	for _, k := range search.Kinds {
		if ids, ok := byKind[k]; ok {
			if err := x.Sync(ctx, k, ids...); err != nil && x.OnError != nil {
				x.OnError(fmt.Errorf("search index: after a change of %s %v: %w", k, uniqueIDs(ids), err))
			}
		}
	}
}

// entityKind maps a changed entity to the index of its documents.
func entityKind(e ports.Entity) (search.Kind, bool) {
	switch e {
	case ports.EntitySubject:
		return search.KindSubject, true
	case ports.EntityCharacter:
		return search.KindCharacter, true
	case ports.EntityPerson:
		return search.KindPerson, true
	}
	return 0, false
}

// MaxID is the greatest id of kind's table (0 when it is empty): how far Reindex has to go.
func (x *SearchIndexer) MaxID(ctx context.Context, kind search.Kind) (uint32, error) {
	switch kind {
	case search.KindSubject:
		return x.Subjects.MaxID(ctx)
	case search.KindCharacter:
		return x.Characters.MaxID(ctx)
	case search.KindPerson:
		return x.Persons.MaxID(ctx)
	}
	return 0, fmt.Errorf("search index: unknown kind %v", kind)
}

// idsAfter lists the ids of kind's rows after after, ascending, at most limit.
func (x *SearchIndexer) idsAfter(ctx context.Context, kind search.Kind, after uint32, limit int) ([]uint32, error) {
	switch kind {
	case search.KindSubject:
		return x.Subjects.IDsAfter(ctx, after, limit)
	case search.KindCharacter:
		return x.Characters.IDsAfter(ctx, after, limit)
	case search.KindPerson:
		return x.Persons.IDsAfter(ctx, after, limit)
	}
	return nil, fmt.Errorf("search index: unknown kind %v", kind)
}

// ErrReindexStopped is wrapped by Reindex's error when ctx ended before the last id.
var ErrReindexStopped = errors.New("search index: reindex stopped before the last id")

// Reindex rebuilds kind's documents for the rows whose id is after from. It walks the ids that
// exist, by keyset: the next batch ids of the table after the last one done (IDsAfter), then
// one Sync of them, which writes every row that belongs in the index and deletes the others
// (merged entities, banned or locked subjects), until no id is left.
//
// It walks the rows, not every number up to the greatest id, because bangumi's ids are sparse
// (its dev data holds 101 subjects up to id 406,604): a walk of the numbers makes hundreds of
// near-empty batches, each a task on Meilisearch, and thousands of deletes of ids that never
// had a document. Walking the rows is enough because bangumi never deletes a subject, a
// character or a person: it merges it (a redirect), and a merged row is still walked, so its
// document is deleted here. A row deleted anyway leaves the index through its change event
// (the canal worker syncs the id, and Sync deletes an id without a row), not through Reindex.
//
// progress (optional) is told after each batch the last id done and the greatest id of the
// table, read once at the start to show how far the walk has gone (never less than the id
// done: a row added during the walk is walked too).
//
// It returns the last id done, which a later call passes as from to resume (when no row is
// after from there is nothing to do and from is returned). A failed read or Sync stops the
// walk with its error; ctx's end stops it before the next batch with an error wrapping both
// ErrReindexStopped and ctx's error. batch <= 0 means DefaultReindexBatch.
func (x *SearchIndexer) Reindex(ctx context.Context, kind search.Kind, from uint32, batch int, progress func(done, max uint32)) (last uint32, err error) {
	if batch <= 0 {
		batch = DefaultReindexBatch
	}
	maxID, err := x.MaxID(ctx, kind)
	if err != nil {
		return from, fmt.Errorf("search index: reindex %s: greatest id: %w", kind, err)
	}
	last = from
	for {
		if err := ctx.Err(); err != nil {
			return last, fmt.Errorf("%w (%s after id %d): %w", ErrReindexStopped, kind, last, err)
		}
		ids, err := x.idsAfter(ctx, kind, last, batch)
		if err != nil {
			return last, fmt.Errorf("search index: reindex %s: ids after %d: %w", kind, last, err)
		}
		if len(ids) == 0 {
			return last, nil
		}
		if ids[0] <= last {
			// A repository breaking IDsAfter's contract would walk the same ids forever.
			return last, fmt.Errorf("search index: reindex %s: ids after %d start at %d", kind, last, ids[0])
		}
		if err := x.Sync(ctx, kind, ids...); err != nil {
			return last, err
		}
		last = ids[len(ids)-1]
		if progress != nil {
			progress(last, max(maxID, last))
		}
		if len(ids) < batch {
			return last, nil // a short batch is the last one
		}
	}
}
