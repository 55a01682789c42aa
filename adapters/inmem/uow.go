package inmem

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.UnitOfWork        = UnitOfWork{}
	_ ports.Tx                = memTx{}
	_ ports.MonoCollectWriter = txMonoCollects{}
)

// maxMonoCounter is the largest collects counter (MySQL's unsigned mediumint, to which it clamps).
const maxMonoCounter = 1<<24 - 1

// UnitOfWork runs functions all-or-nothing on a Store.
//
// Transactions of one Store run one at a time. Each works on its own copy of the data it may
// change (characters, persons, collect rows, timeline rows, indices); readers keep reading the
// committed data meanwhile and see the copy only once fn has returned nil. Seeding a Store (Put*) while a transaction
// runs is not supported: the transaction's commit would overwrite it.
type UnitOfWork struct{ s *Store }

// UnitOfWork returns the store's unit of work.
func (s *Store) UnitOfWork() UnitOfWork { return UnitOfWork{s} }

// Do runs fn on a copy of the store's data and keeps the copy if fn returns nil. An error, a
// panic (re-raised) or a done ctx discard it.
func (u UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u.s.tx.Lock()
	defer u.s.tx.Unlock()

	var work data
	u.s.read(func(d *data) {
		work = data{
			characters:        cloneMap(d.characters),
			persons:           cloneMap(d.persons),
			monoCollects:      slices.Clone(d.monoCollects),
			lastMonoCollectID: d.lastMonoCollectID,
			timelineRows:      slices.Clone(d.timelineRows),
			lastTimelineID:    d.lastTimelineID,
			indices:           cloneMap(d.indices),
			indexEntries:      slices.Clone(d.indexEntries),
			indexCollects:     slices.Clone(d.indexCollects),
			// subject collections, their tags, counters and episode progress
			subjects:           cloneMap(d.subjects),
			subjectCollections: slices.Clone(d.subjectCollections),
			lastCollectionID:   d.lastCollectionID,
			userTags:           slices.Clone(d.userTags),
			tagResults:         cloneMap(d.tagResults),
			tagIDs:             cloneMap(d.tagIDs),
			progress:           cloneMap(d.progress),
		}
	})
	if err := fn(ctx, memTx{d: &work}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil { // like a SQL transaction whose context ended before Commit
		return err
	}
	u.s.write(func(d *data) {
		d.characters = work.characters
		d.persons = work.persons
		d.monoCollects = work.monoCollects
		d.lastMonoCollectID = work.lastMonoCollectID
		d.timelineRows = work.timelineRows
		d.lastTimelineID = work.lastTimelineID
		d.indices, d.indexEntries, d.indexCollects = work.indices, work.indexEntries, work.indexCollects
		d.subjects, d.subjectCollections, d.lastCollectionID = work.subjects, work.subjectCollections, work.lastCollectionID
		d.userTags, d.tagResults, d.tagIDs, d.progress = work.userTags, work.tagResults, work.tagIDs, work.progress
	})
	return nil
}

// memTx hands out repositories bound to one transaction's copy of the data.
type memTx struct{ d *data }

func (t memTx) MonoCollects() ports.MonoCollectWriter { return txMonoCollects{d: t.d} }

// txMonoCollects reads and writes a transaction's copy; the transaction owns it, so no lock.
type txMonoCollects struct{ d *data }

func (r txMonoCollects) exists(cat mono.Category, id uint32) (bool, error) {
	switch cat {
	case mono.Character:
		_, ok := r.d.characters[id]
		return ok, nil
	case mono.Person:
		_, ok := r.d.persons[id]
		return ok, nil
	}
	return false, fmt.Errorf("inmem: unknown mono category %d", cat)
}

// LockTarget reports a missing target; the transaction already holds the store's only writer slot.
func (r txMonoCollects) LockTarget(_ context.Context, cat mono.Category, targetID uint32) error {
	ok, err := r.exists(cat, targetID)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(cat.Noun())
	}
	return nil
}

func (r txMonoCollects) Count(_ context.Context, userID uint32, cat mono.Category) (int64, error) {
	return int64(len(r.d.monoCollectsOf(userID, cat))), nil
}

func (r txMonoCollects) List(_ context.Context, userID uint32, cat mono.Category, limit, offset int) ([]collect.MonoCollect, error) {
	return page(r.d.monoCollectsOf(userID, cat), limit, offset), nil
}

func (r txMonoCollects) Find(_ context.Context, userID uint32, cat mono.Category, targetID uint32) (collect.MonoCollect, error) {
	return r.d.findMonoCollect(userID, cat, targetID)
}

// Add appends the row with the next id; CreatedAt keeps whole seconds, like prsn_clt_dateline.
func (r txMonoCollects) Add(_ context.Context, c collect.MonoCollect) error {
	if c.Category != mono.Character && c.Category != mono.Person {
		return fmt.Errorf("inmem: unknown mono category %d", c.Category)
	}
	c.ID = 0
	c.CreatedAt = time.Unix(c.CreatedAt.Unix(), 0).UTC()
	r.d.addMonoCollect(c)
	return nil
}

func (r txMonoCollects) Remove(_ context.Context, userID uint32, cat mono.Category, targetID uint32) (int64, error) {
	before := len(r.d.monoCollects)
	r.d.monoCollects = slices.DeleteFunc(r.d.monoCollects, func(c collect.MonoCollect) bool {
		return c.UserID == userID && c.Category == cat && c.TargetID == targetID
	})
	return int64(before - len(r.d.monoCollects)), nil
}

func (r txMonoCollects) AddToCounter(_ context.Context, cat mono.Category, targetID uint32, delta int) error {
	switch cat {
	case mono.Character:
		if c, ok := r.d.characters[targetID]; ok {
			c.Collects = addToCounter(c.Collects, delta)
			r.d.characters[targetID] = c
		}
	case mono.Person:
		if p, ok := r.d.persons[targetID]; ok {
			p.Collects = addToCounter(p.Collects, delta)
			r.d.persons[targetID] = p
		}
	default:
		return fmt.Errorf("inmem: unknown mono category %d", cat)
	}
	return nil
}

func addToCounter(v uint32, delta int) uint32 {
	return uint32(min(max(int64(v)+int64(delta), 0), maxMonoCounter))
}
