package inmem

import (
	"cmp"
	"context"
	"slices"

	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/ports"
)

var _ ports.RevisionRepository = RevisionRepository{}

// storedRevision is a chii_rev_history row (textID names its chii_rev_text row) or a
// chii_subject_revisions row (subject).
type storedRevision struct {
	rev     revision.Revision // Creator and Text are filled on read
	textID  uint32
	subject bool
}

// PutRevision adds chii_rev_history rows whose text is the chii_rev_text row textID.
func (s *Store) PutRevision(textID uint32, revs ...revision.Revision) {
	s.write(func(d *data) {
		for _, r := range revs {
			d.revisions = append(d.revisions, storedRevision{rev: r, textID: textID})
		}
	})
}

// PutSubjectRevision adds chii_subject_revisions rows (EntityID is rev_subject_id).
func (s *Store) PutSubjectRevision(revs ...revision.Revision) {
	s.write(func(d *data) {
		for _, r := range revs {
			d.revisions = append(d.revisions, storedRevision{rev: r, subject: true})
		}
	})
}

// PutRevisionText adds or replaces the chii_rev_text row id (stored DEFLATE + PHP data).
func (s *Store) PutRevisionText(id uint32, text []byte) {
	s.write(func(d *data) {
		if d.revisionTexts == nil {
			d.revisionTexts = map[uint32][]byte{}
		}
		d.revisionTexts[id] = slices.Clone(text)
	})
}

// RevisionRepository reads the revisions of a Store.
type RevisionRepository struct{ s *Store }

// Revisions returns the store's revision repository.
func (s *Store) Revisions() RevisionRepository { return RevisionRepository{s} }

// of reports whether sr is a revision of kind k.
func of(sr storedRevision, k revision.Kind) bool {
	if k == revision.KindSubject {
		return sr.subject
	}
	return !sr.subject && k.HasType(sr.rev.Type)
}

// withCreator returns sr's revision with its creator (zero when the member is missing).
func (d *data) withCreator(sr storedRevision) revision.Revision {
	r := sr.rev
	r.Text = nil
	r.Creator = revision.Creator{}
	if u, ok := d.users[r.CreatorID]; ok {
		r.Creator = revision.Creator{Username: u.Username, Nickname: u.Nickname}
	}
	return r
}

func (r RevisionRepository) Count(_ context.Context, k revision.Kind, entityID uint32) (n int64, err error) {
	r.s.read(func(d *data) {
		for _, sr := range d.revisions {
			if of(sr, k) && sr.rev.EntityID == entityID {
				n++
			}
		}
	})
	return n, nil
}

func (r RevisionRepository) List(_ context.Context, k revision.Kind, entityID uint32, limit, offset int) ([]revision.Revision, error) {
	var out []revision.Revision
	r.s.read(func(d *data) {
		for _, sr := range d.revisions {
			if of(sr, k) && sr.rev.EntityID == entityID {
				out = append(out, d.withCreator(sr))
			}
		}
	})
	slices.SortFunc(out, func(a, b revision.Revision) int { return cmp.Compare(b.ID, a.ID) })
	return page(out, limit, offset), nil
}

func (r RevisionRepository) Get(_ context.Context, k revision.Kind, id uint32) (revision.Revision, error) {
	var (
		out   revision.Revision
		found bool
	)
	r.s.read(func(d *data) {
		for _, sr := range d.revisions {
			if sr.rev.ID != id || !of(sr, k) {
				continue
			}
			if !sr.subject {
				text, ok := d.revisionTexts[sr.textID]
				if !ok {
					return
				}
				out = d.withCreator(sr)
				out.Text = slices.Clone(text)
			} else {
				out = d.withCreator(sr)
			}
			found = true
			return
		}
	})
	if !found {
		return revision.Revision{}, notFound("revision")
	}
	return out, nil
}
