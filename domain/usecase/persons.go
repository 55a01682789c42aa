package usecase

import (
	"context"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Persons serves the /v0/persons endpoints. Persons are never NSFW-gated.
type Persons struct {
	Subjects   ports.SubjectRepository
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository
	Links      ports.LinkRepository
}

// Get returns a person, merged or not (the caller redirects).
func (p *Persons) Get(ctx context.Context, id uint32) (person.Person, error) {
	prsn, err := p.Persons.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return prsn, domain.NotFound()
		}
		return prsn, wrap("load person", err)
	}
	return prsn, nil
}

func (p *Persons) getUnmerged(ctx context.Context, id uint32) (person.Person, error) {
	prsn, err := p.Get(ctx, id)
	if err == nil && prsn.Redirect != 0 {
		return person.Person{}, domain.NotFound()
	}
	return prsn, err
}

// PersonSubject is a subject a person is credited on.
type PersonSubject struct {
	Subject subject.Subject
	Credit  person.Credit
}

// SubjectsOf lists the subjects a person is credited on; missing subjects are skipped.
func (p *Persons) SubjectsOf(ctx context.Context, id uint32) ([]PersonSubject, error) {
	if _, err := p.getUnmerged(ctx, id); err != nil {
		return nil, err
	}
	credits, err := p.Links.Credits(ctx, ports.CreditFilter{PersonID: id})
	if err != nil {
		return nil, wrap("list credits", err)
	}
	ids := make([]uint32, len(credits))
	for i, c := range credits {
		ids[i] = c.SubjectID
	}
	subjects, err := p.Subjects.GetByIDs(ctx, uniq(ids))
	if err != nil {
		return nil, wrap("load subjects", err)
	}
	out := make([]PersonSubject, 0, len(credits))
	for _, c := range credits {
		if s, ok := subjects[c.SubjectID]; ok {
			out = append(out, PersonSubject{Subject: s, Credit: c})
		}
	}
	return out, nil
}

// CharactersOf lists the characters a person casts, subject by subject.
func (p *Persons) CharactersOf(ctx context.Context, id uint32) ([]CastEntry, error) {
	prsn, err := p.getUnmerged(ctx, id)
	if err != nil {
		return nil, err
	}
	casts, err := p.Links.Casts(ctx, ports.CastFilter{PersonID: id})
	if err != nil {
		return nil, wrap("list casts", err)
	}
	entries, err := hydrateCasts(ctx, casts, nil, p.Subjects, singlePerson{prsn}, p.Links, p.Characters)
	return entries, err
}

// singlePerson serves the one person already loaded, saving a query.
type singlePerson struct{ p person.Person }

func (s singlePerson) Get(_ context.Context, id uint32) (person.Person, error) {
	if id == s.p.ID {
		return s.p, nil
	}
	return person.Person{}, domain.NotFound()
}

func (s singlePerson) GetByIDs(_ context.Context, ids []uint32) (map[uint32]person.Person, error) {
	out := make(map[uint32]person.Person, 1)
	for _, id := range ids {
		if id == s.p.ID {
			out[id] = s.p
		}
	}
	return out, nil
}
