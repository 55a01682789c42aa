package usecase

import (
	"context"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Characters serves the /v0/characters endpoints.
type Characters struct {
	Subjects   ports.SubjectRepository
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository
	Links      ports.LinkRepository
	Clock      ports.Clock // optional
}

func (c *Characters) load(ctx context.Context, id uint32) (character.Character, error) {
	crt, err := c.Characters.Get(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return crt, domain.NotFound()
		}
		return crt, wrap("load character", err)
	}
	return crt, nil
}

// Get returns a character. A merged character is returned as is (the caller redirects)
// before the NSFW rule applies; an NSFW character is not found for viewers who may not see it.
func (c *Characters) Get(ctx context.Context, viewer auth.Auth, id uint32) (character.Character, error) {
	crt, err := c.load(ctx, id)
	if err != nil || crt.Redirect != 0 {
		return crt, err
	}
	if !crt.VisibleTo(viewer.AllowNSFW(clockOrSystem(c.Clock).Now())) {
		return character.Character{}, domain.NotFound()
	}
	return crt, nil
}

// Image returns the character whose image is asked for (no NSFW or redirect handling).
func (c *Characters) Image(ctx context.Context, id uint32) (character.Character, error) {
	return c.load(ctx, id)
}

// CharacterSubject is a subject a character appears in.
type CharacterSubject struct {
	Subject    subject.Subject
	Appearance character.Appearance
}

// SubjectsOf lists the subjects a character appears in; missing subjects are skipped.
func (c *Characters) SubjectsOf(ctx context.Context, id uint32) ([]CharacterSubject, error) {
	crt, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if crt.Redirect != 0 {
		return nil, domain.NotFound()
	}
	subjects, err := c.Links.CharacterSubjects(ctx, id)
	if err != nil {
		return nil, wrap("list subjects", err)
	}
	out := make([]CharacterSubject, len(subjects))
	for i, cs := range subjects {
		out[i] = CharacterSubject(cs)
	}
	return out, nil
}

// CastEntry is one cast row with the entities it links; missing rows are zero values.
// Appearance is the character's appearance in that subject (zero when there is none or when
// the subject row is missing).
type CastEntry struct {
	Character  character.Character
	Person     person.Person
	Subject    subject.Subject
	Cast       character.Cast
	Appearance character.Appearance
}

// PersonsOf lists who casts a character, subject by subject.
func (c *Characters) PersonsOf(ctx context.Context, id uint32) ([]CastEntry, error) {
	crt, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	casts, err := c.Links.CharacterCasts(ctx, id)
	if err != nil {
		return nil, wrap("list casts", err)
	}
	return castEntries(casts, func(e *CastEntry) { e.Character = crt }), nil
}

// castEntries converts the cast entries a LinkRepository read, with the entity the list is read
// by (which the repository leaves zero) set by set.
func castEntries(casts []ports.CastEntry, set func(e *CastEntry)) []CastEntry {
	out := make([]CastEntry, len(casts))
	for i, e := range casts {
		out[i] = CastEntry(e)
		set(&out[i])
	}
	return out
}
