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
	apps, err := c.Links.Appearances(ctx, ports.AppearanceFilter{CharacterID: id})
	if err != nil {
		return nil, wrap("list appearances", err)
	}
	ids := make([]uint32, len(apps))
	for i, a := range apps {
		ids[i] = a.SubjectID
	}
	subjects, err := c.Subjects.GetByIDs(ctx, uniq(ids))
	if err != nil {
		return nil, wrap("load subjects", err)
	}
	out := make([]CharacterSubject, 0, len(apps))
	for _, a := range apps {
		if s, ok := subjects[a.SubjectID]; ok {
			out = append(out, CharacterSubject{Subject: s, Appearance: a})
		}
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
	casts, err := c.Links.Casts(ctx, ports.CastFilter{CharacterID: id})
	if err != nil {
		return nil, wrap("list casts", err)
	}
	return hydrateCasts(ctx, casts, map[uint32]character.Character{id: crt}, c.Subjects, c.Persons, c.Links, nil)
}

// hydrateCasts loads the persons, subjects (and characters when chars is nil) of casts and the
// appearances of their characters, with a constant number of repository calls.
func hydrateCasts(ctx context.Context, casts []character.Cast, chars map[uint32]character.Character,
	subjects ports.SubjectRepository, persons ports.PersonRepository, links ports.LinkRepository,
	characters ports.CharacterRepository,
) ([]CastEntry, error) {
	out := make([]CastEntry, 0, len(casts))
	if len(casts) == 0 {
		return out, nil
	}
	var personIDs, subjectIDs, crtIDs []uint32
	for _, c := range casts {
		personIDs = append(personIDs, c.PersonID)
		subjectIDs = append(subjectIDs, c.SubjectID)
		crtIDs = append(crtIDs, c.CharacterID)
	}
	crtIDs = uniq(crtIDs)
	var err error
	if chars == nil {
		if chars, err = characters.GetByIDs(ctx, crtIDs); err != nil {
			return nil, wrap("load characters", err)
		}
	}
	ps, err := persons.GetByIDs(ctx, uniq(personIDs))
	if err != nil {
		return nil, wrap("load persons", err)
	}
	ss, err := subjects.GetByIDs(ctx, uniq(subjectIDs))
	if err != nil {
		return nil, wrap("load subjects", err)
	}
	apps, err := links.Appearances(ctx, ports.AppearanceFilter{CharacterIDs: crtIDs})
	if err != nil {
		return nil, wrap("list appearances", err)
	}
	type pair struct{ crt, subject uint32 }
	appOf := make(map[pair]character.Appearance, len(apps))
	for _, a := range apps {
		k := pair{a.CharacterID, a.SubjectID}
		if _, dup := appOf[k]; !dup {
			appOf[k] = a
		}
	}
	for _, c := range casts {
		e := CastEntry{Character: chars[c.CharacterID], Person: ps[c.PersonID], Cast: c}
		// The appearance is looked up through the loaded subject, as bangumi does: a cast whose
		// subject row is missing has no appearance (its staff label is "").
		if sub, ok := ss[c.SubjectID]; ok {
			e.Subject = sub
			e.Appearance = appOf[pair{c.CharacterID, sub.ID}]
		}
		out = append(out, e)
	}
	return out, nil
}
