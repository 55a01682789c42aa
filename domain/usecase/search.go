package usecase

import (
	"context"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Search serves the /v0/search endpoints (search spec §1–§4): it turns a request into a query
// (domain/search: validation, decision D3), asks the index for a page of ids and loads those
// rows in one read, in the index's order.
type Search struct {
	Index      ports.SearchIndex
	Subjects   ports.SubjectRepository
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository
	Clock      ports.Clock // optional
}

// SearchPage is one page of search results. Total is the index's count of matching documents
// (an estimate on Meilisearch), so Items may be shorter than Limit even when more match: a hit
// whose row no longer exists is left out.
type SearchPage[T any] struct {
	Items  []T
	Total  int64
	Limit  int
	Offset int
}

// FindSubjects answers POST /v0/search/subjects. limit and offset were validated by the caller
// (the soft pagination helper). Subjects are loaded whatever their NSFW, ban or redirect
// state: NSFW visibility is the query's filter (D3), as in bangumi.
func (s *Search) FindSubjects(ctx context.Context, viewer auth.Auth, r search.SubjectRequest, limit, offset int) (SearchPage[subject.Subject], error) {
	q, err := search.SubjectQuery(r, viewer.AllowNSFW(clockOrSystem(s.Clock).Now()), limit, offset)
	if err != nil {
		return SearchPage[subject.Subject]{}, err
	}
	return find(ctx, s.Index, q, "load subjects", s.Subjects.GetByIDs)
}

// FindCharacters answers POST /v0/search/characters, with the NSFW rule of FindSubjects.
func (s *Search) FindCharacters(ctx context.Context, viewer auth.Auth, r search.CharacterRequest, limit, offset int) (SearchPage[character.Character], error) {
	q, err := search.CharacterQuery(r, viewer.AllowNSFW(clockOrSystem(s.Clock).Now()), limit, offset)
	if err != nil {
		return SearchPage[character.Character]{}, err
	}
	return find(ctx, s.Index, q, "load characters", s.Characters.GetByIDs)
}

// FindPersons answers POST /v0/search/persons (persons are never NSFW-gated).
func (s *Search) FindPersons(ctx context.Context, r search.PersonRequest, limit, offset int) (SearchPage[person.Person], error) {
	q, err := search.PersonQuery(r, limit, offset)
	if err != nil {
		return SearchPage[person.Person]{}, err
	}
	return find(ctx, s.Index, q, "load persons", s.Persons.GetByIDs)
}

// find runs q on the index and loads its hits with one call of load (none when there is no
// hit), keeping the index's order and leaving out the ids load did not find. An index error
// keeps its kind when it has one (domain.ErrUnavailable: a 503) and is an internal error
// otherwise.
func find[T any](
	ctx context.Context, index ports.SearchIndex, q search.Query, what string,
	load func(context.Context, []uint32) (map[uint32]T, error),
) (SearchPage[T], error) {
	res, err := index.Search(ctx, q)
	if err != nil {
		return SearchPage[T]{}, wrap("search "+q.Kind.String(), err)
	}
	page := SearchPage[T]{Items: make([]T, 0, len(res.IDs)), Total: res.Total, Limit: q.Limit, Offset: q.Offset}
	if len(res.IDs) == 0 {
		return page, nil
	}
	rows, err := load(ctx, uniq(res.IDs))
	if err != nil {
		return SearchPage[T]{}, wrap(what, err)
	}
	for _, id := range res.IDs {
		if v, ok := rows[id]; ok {
			page.Items = append(page.Items, v)
		}
	}
	return page, nil
}
