package ports

import (
	"context"

	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/timeline"
)

// UnitOfWork runs a function in one transaction.
type UnitOfWork interface {
	// Do commits if fn returns nil and rolls back if it returns an error or panics (the panic is re-raised).
	// fn may be retried: it must have no side effects outside tx.
	Do(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Tx hands out repositories bound to one transaction.
type Tx interface {
	MonoCollects() MonoCollectWriter
	Timeline() TimelineWriter
	SubjectCollections() SubjectCollectionWriter
	EpisodeProgress() EpisodeProgressWriter
	Indices() IndexWriter
}

// MonoCollectWriter changes users' character and person collections and the targets' counters.
// Its reads see the transaction's own writes; Find also sees every row committed before it
// runs (a locking read in SQL), so a check-then-insert under LockTarget cannot miss a row a
// concurrent transaction committed meanwhile.
type MonoCollectWriter interface {
	MonoCollectReader
	// LockTarget locks the character or person row until the transaction ends, serialising
	// concurrent collects of one target; it returns domain.ErrNotFound when the row is missing.
	LockTarget(ctx context.Context, cat mono.Category, targetID uint32) error
	// Add inserts a collect row (its ID is ignored).
	Add(ctx context.Context, c collect.MonoCollect) error
	// Remove deletes every row of the user for the target and returns how many there were.
	Remove(ctx context.Context, userID uint32, cat mono.Category, targetID uint32) (int64, error)
	// AddToCounter adds delta to the target's collects counter, never going below 0 (and never
	// failing because of it); a missing target is left alone without an error.
	AddToCounter(ctx context.Context, cat mono.Category, targetID uint32, delta int) error
}

// TimelineWriter reads and writes chii_timeline in one transaction, so that finding the
// "previous" row and inserting or merging is atomic.
type TimelineWriter interface {
	// Previous returns the newest row (highest ID) that f matches, locked until the transaction
	// ends: a locking read, which sees the latest committed rows and makes a concurrent
	// transaction that reads the same row wait, so merges into one row never lose an item.
	// found is false when no row matches; then nothing needs to be locked.
	Previous(ctx context.Context, f timeline.Filter) (row timeline.Row, found bool, err error)
	// Insert adds r (r.ID is ignored) and returns the new row's ID, higher than every existing one.
	Insert(ctx context.Context, r timeline.Row) (uint32, error)
	// Update replaces the memo, batch flag and source of row u.ID and changes nothing else;
	// a missing row is left alone without an error.
	Update(ctx context.Context, u timeline.Update) error
}
