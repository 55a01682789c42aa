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

// MaxID is the greatest id of kind's table (0 when it is empty): where Reindex ends.
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

// ErrReindexStopped is wrapped by Reindex's error when ctx ended before the last id.
var ErrReindexStopped = errors.New("search index: reindex stopped before the last id")

// Reindex rebuilds kind's documents for the ids after from, up to the greatest id of the
// table (read once, at the start): it calls Sync for each range of batch ids (from+1 ..
// from+batch, then the next range), so every id of the walk ends exactly right — written,
// or deleted when it has no row, is merged, or is a banned subject. progress (optional) is
// told the last id done and the greatest id after each range.
//
// It returns the last id done, which a later call passes as from to resume (when from is at
// or past the greatest id there is nothing to do and from is returned). A failed Sync stops
// the walk with its error; ctx's end stops it before the next range with an error wrapping
// both ErrReindexStopped and ctx's error. batch <= 0 means DefaultReindexBatch.
func (x *SearchIndexer) Reindex(ctx context.Context, kind search.Kind, from uint32, batch int, progress func(done, max uint32)) (last uint32, err error) {
	if batch <= 0 {
		batch = DefaultReindexBatch
	}
	maxID, err := x.MaxID(ctx, kind)
	if err != nil {
		return from, fmt.Errorf("search index: reindex %s: greatest id: %w", kind, err)
	}
	last = from
	ids := make([]uint32, 0, min(uint64(batch), uint64(max(maxID, from)-from)))
	for last < maxID {
		if err := ctx.Err(); err != nil {
			return last, fmt.Errorf("%w (%s after id %d): %w", ErrReindexStopped, kind, last, err)
		}
		end := maxID
		if uint64(maxID-last) > uint64(batch) {
			end = last + uint32(batch)
		}
		ids = ids[:0]
		for id := last + 1; ; id++ {
			ids = append(ids, id)
			if id == end {
				break
			}
		}
		if err := x.Sync(ctx, kind, ids...); err != nil {
			return last, err
		}
		last = end
		if progress != nil {
			progress(last, maxID)
		}
	}
	return last, nil
}
