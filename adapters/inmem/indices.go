package inmem

import (
	"cmp"
	"context"
	"slices"

	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

var _ ports.IndexRepository = IndexRepository{}

// PutIndex adds or replaces chii_index rows (Creator and NSFW are ignored: they are read from
// the members and the entries).
func (s *Store) PutIndex(idxs ...index.Index) {
	s.write(func(d *data) {
		if d.indices == nil {
			d.indices = map[uint32]index.Index{}
		}
		for _, i := range idxs {
			i.Creator, i.NSFW = index.Creator{}, false
			d.indices[i.ID] = i
		}
	})
}

// PutIndexEntry adds chii_index_related rows.
func (s *Store) PutIndexEntry(es ...index.Entry) {
	s.write(func(d *data) { d.indexEntries = append(d.indexEntries, es...) })
}

// IndexRepository reads the indices of a Store.
type IndexRepository struct{ s *Store }

// Indices returns the store's index repository.
func (s *Store) Indices() IndexRepository { return IndexRepository{s} }

func (r IndexRepository) Get(_ context.Context, id uint32) (index.Index, error) {
	var (
		out   index.Index
		found bool
	)
	r.s.read(func(d *data) {
		if out, found = d.indices[id]; !found {
			return
		}
		if u, ok := d.users[out.CreatorID]; ok {
			out.Creator = index.Creator{Username: u.Username, Nickname: u.Nickname}
		}
		for _, e := range d.indexEntries {
			if e.IndexID == id && e.Listed(0) && d.subjects[e.TargetID].NSFW {
				out.NSFW = true
				return
			}
		}
	})
	if !found {
		return index.Index{}, notFound("index")
	}
	return out, nil
}

func (r IndexRepository) CountSubjects(_ context.Context, id uint32, subjectType uint8) (n int64, err error) {
	r.s.read(func(d *data) {
		for _, e := range d.indexEntries {
			if e.IndexID == id && e.Listed(subjectType) {
				n++
			}
		}
	})
	return n, nil
}

func (r IndexRepository) ListSubjects(_ context.Context, id uint32, subjectType uint8, limit, offset int) ([]index.Subject, error) {
	var out []index.Subject
	r.s.read(func(d *data) {
		for _, e := range d.indexEntries {
			if e.IndexID == id && e.Listed(subjectType) {
				out = append(out, index.Subject{Entry: e, Subject: d.subjects[e.TargetID]}) // zero when missing
			}
		}
	})
	slices.SortFunc(out, func(a, b index.Subject) int {
		return cmp.Or(cmp.Compare(a.Entry.Order, b.Entry.Order), cmp.Compare(a.Entry.ID, b.Entry.ID))
	})
	return page(out, limit, offset), nil
}
