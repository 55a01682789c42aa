package usecase

import (
	"context"
	"fmt"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/ports"
)

// Revisions serves the /v0/revisions endpoints (http-v0-more.md §8): no authentication, no
// NSFW gating.
type Revisions struct {
	Revisions ports.RevisionRepository
}

// List pages the revisions of entity entityID of kind k, newest (greatest id) first. An
// entity without revisions (or that does not exist) is an empty page; an offset past the
// total is invalid.
func (r *Revisions) List(ctx context.Context, k revision.Kind, entityID uint32, page Page) (Paged[revision.Revision], error) {
	out := Paged[revision.Revision]{Items: []revision.Revision{}, Page: page}
	var err error
	if out.Total, err = r.Revisions.Count(ctx, k, entityID); err != nil {
		return out, wrap("count revisions", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	if out.Items, err = r.Revisions.List(ctx, k, entityID, page.Limit, page.Offset); err != nil {
		return out, wrap("list revisions", err)
	}
	return out, nil
}

// RevisionDetail is a revision with the data of its stored text: every revision the text
// holds (bangumi shares one text between revisions), by revision id ascending. The slice of
// the revision's kind is set (possibly empty: a text of another shape has no data); subject
// revisions carry their data in Revision.Subject.
type RevisionDetail struct {
	Revision   revision.Revision
	Characters []revision.Entry[revision.Character]
	Persons    []revision.Entry[revision.Person]
	Episodes   []revision.Entry[revision.Episode]
}

// Get loads revision id of kind k and decodes its text. A missing revision (or text) is
// domain.ErrNotFound; a stored text that cannot be decoded is an internal error.
func (r *Revisions) Get(ctx context.Context, k revision.Kind, id uint32) (RevisionDetail, error) {
	rev, err := r.Revisions.Get(ctx, k, id)
	if err != nil {
		if isNotFound(err) {
			return RevisionDetail{}, domain.NotFound()
		}
		return RevisionDetail{}, wrap("load revision", err)
	}
	out := RevisionDetail{Revision: rev}
	switch k {
	case revision.KindCharacter:
		out.Characters, err = revision.DecodeCharacters(rev.Text)
	case revision.KindPerson:
		out.Persons, err = revision.DecodePersons(rev.Text)
	case revision.KindEpisode:
		out.Episodes, err = revision.DecodeEpisodes(rev.Text)
	}
	if err != nil {
		return RevisionDetail{}, fmt.Errorf("decode %s revision %d: %w", k, id, err)
	}
	return out, nil
}
