package usecase

import (
	"context"
	"strconv"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Cache lifetimes (bangumi's).
const (
	SubjectCacheTTL  = 60 * time.Second // a subject
	MetaTagsCacheTTL = 24 * time.Hour   // a subject's wiki meta tags
)

// Subjects serves the /v0/subjects endpoints.
type Subjects struct {
	Subjects   ports.SubjectRepository
	Characters ports.CharacterRepository
	Persons    ports.PersonRepository
	Links      ports.LinkRepository
	Cache      ports.Cache // optional
	Clock      ports.Clock // optional
}

// SubjectDetail is a subject with the values computed for its detail page.
// When Subject.Redirect != 0 the other fields are not loaded.
type SubjectDetail struct {
	Subject       subject.Subject
	TotalEpisodes int64
	MetaTags      []string
}

// load returns a subject the viewer may see. The cache holds subjects regardless of NSFW;
// visibility is decided after the lookup (decision D1).
func (s *Subjects) load(ctx context.Context, viewer auth.Auth, id uint32) (subject.Subject, error) {
	sub, err := cached(ctx, s.Cache, "subject:"+strconv.FormatUint(uint64(id), 10), SubjectCacheTTL,
		func() (subject.Subject, error) { return s.Subjects.Get(ctx, id) })
	if err != nil {
		if isNotFound(err) {
			return subject.Subject{}, domain.NotFound()
		}
		return subject.Subject{}, wrap("load subject", err)
	}
	if !sub.VisibleTo(viewer.AllowNSFW(clockOrSystem(s.Clock).Now())) {
		return subject.Subject{}, domain.NotFound()
	}
	return sub, nil
}

// Get returns the subject detail; a merged subject comes back with only Subject set.
// The episode count and the meta tags are read together, unless the meta tags are cached.
func (s *Subjects) Get(ctx context.Context, viewer auth.Auth, id uint32) (SubjectDetail, error) {
	sub, err := s.load(ctx, viewer, id)
	if err != nil {
		return SubjectDetail{}, err
	}
	if sub.Redirect != 0 {
		return SubjectDetail{Subject: sub}, nil
	}
	var (
		eps     int64
		counted bool
	)
	tags, err := cached(ctx, s.Cache, "subject:meta-tags:"+strconv.FormatUint(uint64(id), 10), MetaTagsCacheTTL,
		func() (tags []string, err error) {
			eps, tags, err = s.Subjects.EpisodesAndMetaTags(ctx, id, sub.Type)
			counted = err == nil
			return tags, err
		})
	if err != nil {
		return SubjectDetail{}, wrap("episodes and meta tags", err)
	}
	if !counted {
		if eps, err = s.Subjects.CountEpisodes(ctx, id); err != nil {
			return SubjectDetail{}, wrap("count episodes", err)
		}
	}
	return SubjectDetail{Subject: sub, TotalEpisodes: eps, MetaTags: tags}, nil
}

// Image returns the subject whose image is asked for (merged subjects are not followed).
func (s *Subjects) Image(ctx context.Context, viewer auth.Auth, id uint32) (subject.Subject, error) {
	return s.load(ctx, viewer, id)
}

// SubjectPerson is a staff credit of a subject; Person is zero when its row is missing.
type SubjectPerson struct {
	Person person.Person
	Credit person.Credit
}

// PersonsOf lists the staff of a subject.
func (s *Subjects) PersonsOf(ctx context.Context, viewer auth.Auth, id uint32) (subject.Subject, []SubjectPerson, error) {
	sub, err := s.load(ctx, viewer, id)
	if err != nil {
		return sub, nil, err
	}
	staff, err := s.Links.SubjectStaff(ctx, id)
	if err != nil {
		return sub, nil, wrap("list staff", err)
	}
	out := make([]SubjectPerson, len(staff))
	for i, sp := range staff {
		out[i] = SubjectPerson(sp)
	}
	return sub, out, nil
}

// SubjectCharacter is a character appearing in a subject with the persons casting it.
// Character is zero when its row is missing; an actor whose row is missing is a zero Person.
type SubjectCharacter struct {
	Character  character.Character
	Appearance character.Appearance
	Actors     []person.Person
}

// CharactersOf lists the characters of a subject with their actors.
func (s *Subjects) CharactersOf(ctx context.Context, viewer auth.Auth, id uint32) (subject.Subject, []SubjectCharacter, error) {
	sub, err := s.load(ctx, viewer, id)
	if err != nil {
		return sub, nil, err
	}
	chars, err := s.Links.SubjectCharacters(ctx, id)
	if err != nil {
		return sub, nil, wrap("list characters", err)
	}
	out := make([]SubjectCharacter, len(chars))
	for i, sc := range chars {
		out[i] = SubjectCharacter(sc)
		if out[i].Actors == nil {
			out[i].Actors = []person.Person{}
		}
	}
	return sub, out, nil
}

// RelatedSubject is a subject related to another one.
type RelatedSubject struct {
	Subject  subject.Subject
	Relation subject.Relation
}

// Related lists the subjects related to a subject; related subjects the viewer may not see
// or that are missing are skipped.
func (s *Subjects) Related(ctx context.Context, viewer auth.Auth, id uint32) (subject.Subject, []RelatedSubject, error) {
	sub, err := s.load(ctx, viewer, id)
	if err != nil {
		return sub, nil, err
	}
	related, err := s.Subjects.RelatedSubjects(ctx, id)
	if err != nil {
		return sub, nil, wrap("list related subjects", err)
	}
	allow := viewer.AllowNSFW(clockOrSystem(s.Clock).Now())
	out := make([]RelatedSubject, 0, len(related))
	for _, rs := range related {
		if rs.Subject.VisibleTo(allow) {
			out = append(out, RelatedSubject(rs))
		}
	}
	return sub, out, nil
}
