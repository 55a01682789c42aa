package usecase

import (
	"context"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// Collections serves /v0/users/{username}/collections*.
type Collections struct {
	Users       ports.UserRepository
	Subjects    ports.SubjectRepository
	Characters  ports.CharacterRepository
	Persons     ports.PersonRepository
	Collections ports.SubjectCollectionRepository
	Monos       ports.MonoCollectReader
	Clock       ports.Clock // optional
}

// SubjectCollectionItem is a subject collection with its subject.
type SubjectCollectionItem struct {
	Collection user.SubjectCollection
	Subject    subject.Subject
}

// Paged is one page of a list with the total count of the unpaged list.
type Paged[T any] struct {
	Items []T
	Total int64
	Page  Page
}

func (c *Collections) user(ctx context.Context, username string) (user.User, error) {
	if username == "" {
		return user.User{}, domain.Errorf(domain.ErrInvalid, "missing require parameters `username`")
	}
	u, err := c.Users.GetByUsername(ctx, username)
	if err != nil {
		if isNotFound(err) {
			return u, domain.Errorf(domain.ErrNotFound, "user doesn't exist or has been removed")
		}
		return u, wrap("load user", err)
	}
	return u, nil
}

// ListSubjects lists a user's subject collections; private ones only for the owner.
// Collections whose subject row is missing are dropped from Items but still counted.
func (c *Collections) ListSubjects(ctx context.Context, viewer auth.Auth, username string, subjectType, collectionType uint8, page Page) (Paged[SubjectCollectionItem], error) {
	out := Paged[SubjectCollectionItem]{Items: []SubjectCollectionItem{}, Page: page}
	u, err := c.user(ctx, username)
	if err != nil {
		return out, err
	}
	f := user.SubjectCollectionFilter{UserID: u.ID, SubjectType: subjectType, Type: collectionType, ShowPrivate: viewer.UserID == u.ID}
	if out.Total, err = c.Collections.Count(ctx, f); err != nil {
		return out, wrap("count collections", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	rows, err := c.Collections.List(ctx, f, page.Limit, page.Offset)
	if err != nil {
		return out, wrap("list collections", err)
	}
	ids := make([]uint32, len(rows))
	for i, r := range rows {
		ids[i] = r.SubjectID
	}
	subjects, err := c.Subjects.GetByIDs(ctx, uniq(ids))
	if err != nil {
		return out, wrap("load subjects", err)
	}
	for _, r := range rows {
		if s, ok := subjects[r.SubjectID]; ok {
			out.Items = append(out.Items, SubjectCollectionItem{Collection: r, Subject: s})
		}
	}
	return out, nil
}

// GetSubject returns one subject collection of a user.
func (c *Collections) GetSubject(ctx context.Context, viewer auth.Auth, username string, subjectID uint32) (SubjectCollectionItem, error) {
	if username == "" {
		return SubjectCollectionItem{}, domain.Errorf(domain.ErrInvalid, "missing require parameters `username`")
	}
	s, err := c.Subjects.Get(ctx, subjectID)
	if err != nil {
		if isNotFound(err) {
			return SubjectCollectionItem{}, domain.NotFound()
		}
		return SubjectCollectionItem{}, wrap("load subject", err)
	}
	if !s.VisibleTo(viewer.AllowNSFW(clockOrSystem(c.Clock).Now())) {
		return SubjectCollectionItem{}, domain.NotFound()
	}
	u, err := c.user(ctx, username)
	if err != nil {
		return SubjectCollectionItem{}, err
	}
	notCollected := domain.Errorf(domain.ErrNotFound, "subject is not collected by user")
	col, err := c.Collections.Get(ctx, u.ID, subjectID)
	if err != nil {
		if isNotFound(err) {
			return SubjectCollectionItem{}, notCollected
		}
		return SubjectCollectionItem{}, wrap("load collection", err)
	}
	if col.IsPrivate() && viewer.UserID != u.ID {
		return SubjectCollectionItem{}, notCollected
	}
	return SubjectCollectionItem{Collection: col, Subject: s}, nil
}

// MonoCollectionItem is a collected character or person; exactly one of Character and Person is set.
type MonoCollectionItem struct {
	Collect   collect.MonoCollect
	Character character.Character
	Person    person.Person
}

// ListMonos lists the characters (cat = mono.Character) or persons a user collected, newest first.
// Rows whose target is missing are dropped from Items but still counted.
func (c *Collections) ListMonos(ctx context.Context, username string, cat mono.Category, page Page) (Paged[MonoCollectionItem], error) {
	out := Paged[MonoCollectionItem]{Items: []MonoCollectionItem{}, Page: page}
	u, err := c.user(ctx, username)
	if err != nil {
		return out, err
	}
	if out.Total, err = c.Monos.Count(ctx, u.ID, cat); err != nil {
		return out, wrap("count collects", err)
	}
	if out.Total == 0 {
		return out, nil
	}
	if err := checkOffset(page, out.Total); err != nil {
		return out, err
	}
	rows, err := c.Monos.List(ctx, u.ID, cat, page.Limit, page.Offset)
	if err != nil {
		return out, wrap("list collects", err)
	}
	items, err := c.hydrateMonos(ctx, cat, rows)
	if err != nil {
		return out, err
	}
	out.Items = items
	return out, nil
}

// GetMono returns one character or person collection of a user.
func (c *Collections) GetMono(ctx context.Context, username string, cat mono.Category, targetID uint32) (MonoCollectionItem, error) {
	u, err := c.user(ctx, username)
	if err != nil {
		return MonoCollectionItem{}, err
	}
	notCollected := domain.Errorf(domain.ErrNotFound, "%s is not collected by user", cat.Noun())
	row, err := c.Monos.Find(ctx, u.ID, cat, targetID)
	if err != nil {
		if isNotFound(err) {
			return MonoCollectionItem{}, notCollected
		}
		return MonoCollectionItem{}, wrap("load collect", err)
	}
	items, err := c.hydrateMonos(ctx, cat, []collect.MonoCollect{row})
	if err != nil {
		return MonoCollectionItem{}, err
	}
	if len(items) == 0 {
		return MonoCollectionItem{}, domain.NotFound()
	}
	return items[0], nil
}

func (c *Collections) hydrateMonos(ctx context.Context, cat mono.Category, rows []collect.MonoCollect) ([]MonoCollectionItem, error) {
	ids := make([]uint32, len(rows))
	for i, r := range rows {
		ids[i] = r.TargetID
	}
	ids = uniq(ids)
	out := make([]MonoCollectionItem, 0, len(rows))
	switch cat {
	case mono.Character:
		chars, err := c.Characters.GetByIDs(ctx, ids)
		if err != nil {
			return nil, wrap("load characters", err)
		}
		for _, r := range rows {
			if crt, ok := chars[r.TargetID]; ok {
				out = append(out, MonoCollectionItem{Collect: r, Character: crt})
			}
		}
	case mono.Person:
		persons, err := c.Persons.GetByIDs(ctx, ids)
		if err != nil {
			return nil, wrap("load persons", err)
		}
		for _, r := range rows {
			if p, ok := persons[r.TargetID]; ok {
				out = append(out, MonoCollectionItem{Collect: r, Person: p})
			}
		}
	}
	return out, nil
}
