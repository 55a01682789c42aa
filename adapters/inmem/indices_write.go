package inmem

import (
	"context"
	"slices"
	"time"

	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

var _ ports.IndexWriter = txIndices{}

// PutIndexCollect adds chii_index_collects rows.
func (s *Store) PutIndexCollect(cs ...index.Collect) {
	s.write(func(d *data) { d.indexCollects = append(d.indexCollects, cs...) })
}

// Indices returns the transaction's index writer.
func (t memTx) Indices() ports.IndexWriter { return txIndices{d: t.d} }

// txIndices reads and writes a transaction's copy of the indices; the transaction owns it.
// Times keep whole seconds, like the int columns of MySQL.
type txIndices struct{ d *data }

func seconds(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

func (r txIndices) Lock(_ context.Context, id uint32) (index.Index, error) {
	i, ok := r.d.indices[id]
	if !ok {
		return index.Index{}, notFound("index")
	}
	i.Creator, i.NSFW = index.Creator{}, false
	return i, nil
}

// Create gives the index the next id after the highest stored (MyISAM's AUTO_INCREMENT).
func (r txIndices) Create(_ context.Context, i index.Index) (uint32, error) {
	if r.d.indices == nil {
		r.d.indices = map[uint32]index.Index{}
	}
	var last uint32
	for id := range r.d.indices {
		last = max(last, id)
	}
	i.ID = last + 1
	i.Creator, i.NSFW = index.Creator{}, false
	i.CreatedAt, i.UpdatedAt = seconds(i.CreatedAt), seconds(i.UpdatedAt)
	r.d.indices[i.ID] = i
	return i.ID, nil
}

func (r txIndices) Edit(_ context.Context, id uint32, e index.Edit) error {
	i, ok := r.d.indices[id]
	if !ok {
		return nil
	}
	if e.Title != "" {
		i.Title = e.Title
	}
	if e.Desc != "" {
		i.Desc = e.Desc
	}
	r.d.indices[id] = i
	return nil
}

// listedEntry reports an entry of the index for the subject that is not removed, of any cat.
func listedEntry(e index.Entry, indexID, subjectID uint32) bool {
	return e.IndexID == indexID && e.TargetID == subjectID && !e.Removed
}

func (r txIndices) PutSubject(_ context.Context, e index.Entry) (bool, error) {
	updated := false
	for k, old := range r.d.indexEntries {
		if listedEntry(old, e.IndexID, e.TargetID) {
			old.Order, old.Comment = e.Order, e.Comment
			r.d.indexEntries[k] = old
			updated = true
		}
	}
	if updated {
		return false, nil
	}
	var last uint32
	for _, old := range r.d.indexEntries {
		last = max(last, old.ID)
	}
	e.ID, e.Cat, e.Removed, e.AddedAt = last+1, index.CatSubject, false, seconds(e.AddedAt)
	r.d.indexEntries = append(r.d.indexEntries, e)
	return true, nil
}

func (r txIndices) RemoveSubject(_ context.Context, indexID, subjectID uint32) (int64, error) {
	var n int64
	for k, e := range r.d.indexEntries {
		if listedEntry(e, indexID, subjectID) {
			r.d.indexEntries[k].Removed = true
			n++
		}
	}
	return n, nil
}

func (r txIndices) RecountSubjects(_ context.Context, indexID uint32, touched time.Time) error {
	i, ok := r.d.indices[indexID]
	if !ok {
		return nil
	}
	var n uint32
	for _, e := range r.d.indexEntries {
		if e.IndexID == indexID && !e.Removed {
			n++
		}
	}
	i.Total = n
	if !touched.IsZero() {
		i.UpdatedAt = seconds(touched)
	}
	r.d.indices[indexID] = i
	return nil
}

func (r txIndices) AddCollect(_ context.Context, c index.Collect) (bool, error) {
	for _, old := range r.d.indexCollects {
		if old.IndexID == c.IndexID && old.UserID == c.UserID {
			return false, nil
		}
	}
	c.CreatedAt = seconds(c.CreatedAt)
	r.d.indexCollects = append(r.d.indexCollects, c)
	return true, nil
}

func (r txIndices) RemoveCollects(_ context.Context, indexID, userID uint32) (int64, error) {
	before := len(r.d.indexCollects)
	r.d.indexCollects = slices.DeleteFunc(r.d.indexCollects, func(c index.Collect) bool {
		return c.IndexID == indexID && c.UserID == userID
	})
	return int64(before - len(r.d.indexCollects)), nil
}

func (r txIndices) RecountCollects(_ context.Context, indexID uint32) error {
	i, ok := r.d.indices[indexID]
	if !ok {
		return nil
	}
	users := map[uint32]bool{}
	for _, c := range r.d.indexCollects {
		if c.IndexID == indexID {
			users[c.UserID] = true
		}
	}
	i.Collects = uint32(len(users))
	r.d.indices[indexID] = i
	return nil
}

func (r txIndices) Collectors(_ context.Context, indexID uint32) ([]uint32, error) {
	out := []uint32{}
	for _, c := range r.d.indexCollects {
		if c.IndexID == indexID {
			out = append(out, c.UserID)
		}
	}
	slices.Sort(out)
	return out, nil
}
