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
	subjects, err := p.Links.PersonSubjects(ctx, id)
	if err != nil {
		return nil, wrap("list subjects", err)
	}
	out := make([]PersonSubject, len(subjects))
	for i, ps := range subjects {
		out[i] = PersonSubject(ps)
	}
	return out, nil
}

// CharactersOf lists the characters a person casts, subject by subject.
func (p *Persons) CharactersOf(ctx context.Context, id uint32) ([]CastEntry, error) {
	prsn, err := p.getUnmerged(ctx, id)
	if err != nil {
		return nil, err
	}
	casts, err := p.Links.PersonCasts(ctx, id)
	if err != nil {
		return nil, wrap("list casts", err)
	}
	return castEntries(casts, func(e *CastEntry) { e.Person = prsn }), nil
}
