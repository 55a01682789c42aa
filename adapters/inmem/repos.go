package inmem

import (
	"cmp"
	"context"
	"slices"
	"time"

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

var (
	_ ports.SubjectRepository           = SubjectRepository{}
	_ ports.CharacterRepository         = CharacterRepository{}
	_ ports.PersonRepository            = PersonRepository{}
	_ ports.LinkRepository              = LinkRepository{}
	_ ports.UserRepository              = UserRepository{}
	_ ports.TokenRepository             = TokenRepository{}
	_ ports.SubjectCollectionRepository = SubjectCollectionRepository{}
	_ ports.MonoCollectReader           = MonoCollectRepository{}
)

func notFound(what string) error { return domain.Errorf(domain.ErrNotFound, "%s not found", what) }

func get[V any](s *Store, m func(d *data) map[uint32]V, id uint32, what string) (V, error) {
	var (
		v  V
		ok bool
	)
	s.read(func(d *data) { v, ok = m(d)[id] })
	if !ok {
		return v, notFound(what)
	}
	return v, nil
}

func getByIDs[V any](s *Store, m func(d *data) map[uint32]V, ids []uint32) map[uint32]V {
	out := make(map[uint32]V, len(ids))
	s.read(func(d *data) {
		for _, id := range ids {
			if v, ok := m(d)[id]; ok {
				out[id] = v
			}
		}
	})
	return out
}

// SubjectRepository reads subjects of a Store.
type SubjectRepository struct{ s *Store }

// Subjects returns the store's subject repository.
func (s *Store) Subjects() SubjectRepository { return SubjectRepository{s} }

func subjectsOf(d *data) map[uint32]subject.Subject { return d.subjects }

func (r SubjectRepository) Get(_ context.Context, id uint32) (subject.Subject, error) {
	return get(r.s, subjectsOf, id, "subject")
}

func (r SubjectRepository) GetByIDs(_ context.Context, ids []uint32) (map[uint32]subject.Subject, error) {
	return getByIDs(r.s, subjectsOf, ids), nil
}

func (r SubjectRepository) CountEpisodes(_ context.Context, id uint32) (int64, error) {
	var n int64
	r.s.read(func(d *data) { n = d.countEpisodes(ports.EpisodeFilter{SubjectID: id}) })
	return n, nil
}

func (r SubjectRepository) MetaTags(_ context.Context, id uint32, subjectType uint8) (out []string, _ error) {
	r.s.read(func(d *data) { out = d.metaTagsOf(id, subjectType) })
	return out, nil
}

func (d *data) metaTagsOf(id uint32, subjectType uint8) []string {
	var tags []metaTag
	if m, ok := d.metaTags[id]; ok && m.subjectType == subjectType {
		tags = slices.Clone(m.tags)
	}
	slices.SortStableFunc(tags, func(a, b metaTag) int { return cmp.Compare(a.id, b.id) })
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.name
	}
	return out
}

func (r SubjectRepository) EpisodesAndMetaTags(_ context.Context, id uint32, subjectType uint8) (n int64, tags []string, _ error) {
	r.s.read(func(d *data) {
		n, tags = d.countEpisodes(ports.EpisodeFilter{SubjectID: id}), d.metaTagsOf(id, subjectType)
	})
	return n, tags, nil
}

func (r SubjectRepository) Relations(_ context.Context, id uint32) (out []subject.Relation, _ error) {
	r.s.read(func(d *data) { out = d.relationsOf(id) })
	return out, nil
}

func (d *data) relationsOf(id uint32) []subject.Relation {
	var out []subject.Relation
	for _, rel := range d.relations {
		if rel.SubjectID == id {
			out = append(out, rel)
		}
	}
	slices.SortStableFunc(out, func(a, b subject.Relation) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.RelatedID, b.RelatedID), cmp.Compare(a.RelationType, b.RelationType))
	})
	return out
}

func (r SubjectRepository) RelatedSubjects(_ context.Context, id uint32) ([]ports.RelatedSubject, error) {
	var out []ports.RelatedSubject
	r.s.read(func(d *data) {
		for _, rel := range d.relationsOf(id) {
			if s, ok := d.subjects[rel.RelatedID]; ok {
				out = append(out, ports.RelatedSubject{Subject: s, Relation: rel})
			}
		}
	})
	return out, nil
}

// CharacterRepository reads characters of a Store.
type CharacterRepository struct{ s *Store }

// Characters returns the store's character repository.
func (s *Store) Characters() CharacterRepository { return CharacterRepository{s} }

func charactersOf(d *data) map[uint32]character.Character { return d.characters }

func (r CharacterRepository) Get(_ context.Context, id uint32) (character.Character, error) {
	return get(r.s, charactersOf, id, "character")
}

func (r CharacterRepository) GetByIDs(_ context.Context, ids []uint32) (map[uint32]character.Character, error) {
	return getByIDs(r.s, charactersOf, ids), nil
}

// PersonRepository reads persons of a Store.
type PersonRepository struct{ s *Store }

// Persons returns the store's person repository.
func (s *Store) Persons() PersonRepository { return PersonRepository{s} }

func personsOf(d *data) map[uint32]person.Person { return d.persons }

func (r PersonRepository) Get(_ context.Context, id uint32) (person.Person, error) {
	return get(r.s, personsOf, id, "person")
}

func (r PersonRepository) GetByIDs(_ context.Context, ids []uint32) (map[uint32]person.Person, error) {
	return getByIDs(r.s, personsOf, ids), nil
}

// LinkRepository reads the subject/character/person index rows of a Store.
type LinkRepository struct{ s *Store }

// Links returns the store's link repository.
func (s *Store) Links() LinkRepository { return LinkRepository{s} }

// A filter with no field set is ErrInvalid (as on MySQL); a non-nil empty CharacterIDs is
// set and selects no row.
func (r LinkRepository) Appearances(_ context.Context, f ports.AppearanceFilter) (out []character.Appearance, _ error) {
	if f.SubjectID == 0 && f.CharacterID == 0 && f.CharacterIDs == nil {
		return nil, domain.Errorf(domain.ErrInvalid, "appearance filter without a subject or character")
	}
	r.s.read(func(d *data) { out = d.appearancesBy(f) })
	return out, nil
}

func (d *data) appearancesBy(f ports.AppearanceFilter) []character.Appearance {
	ids := set(f.CharacterIDs)
	var out []character.Appearance
	for _, a := range d.appearances {
		if (f.SubjectID == 0 || a.SubjectID == f.SubjectID) &&
			(f.CharacterID == 0 || a.CharacterID == f.CharacterID) &&
			(ids == nil || ids[a.CharacterID]) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b character.Appearance) int {
		return cmp.Or(cmp.Compare(a.CharacterID, b.CharacterID), cmp.Compare(a.SubjectID, b.SubjectID))
	})
	return out
}

func (r LinkRepository) Casts(_ context.Context, f ports.CastFilter) (out []character.Cast, _ error) {
	if f.SubjectID == 0 && f.CharacterID == 0 && f.PersonID == 0 && f.CharacterIDs == nil {
		return nil, domain.Errorf(domain.ErrInvalid, "cast filter without a subject, character or person")
	}
	r.s.read(func(d *data) { out = d.castsBy(f) })
	return out, nil
}

func (d *data) castsBy(f ports.CastFilter) []character.Cast {
	ids := set(f.CharacterIDs)
	var out []character.Cast
	for _, c := range d.casts {
		if (f.SubjectID == 0 || c.SubjectID == f.SubjectID) &&
			(f.CharacterID == 0 || c.CharacterID == f.CharacterID) &&
			(f.PersonID == 0 || c.PersonID == f.PersonID) &&
			(ids == nil || ids[c.CharacterID]) {
			out = append(out, c)
		}
	}
	if f.PersonID != 0 {
		slices.SortStableFunc(out, func(a, b character.Cast) int {
			return cmp.Or(cmp.Compare(a.SubjectID, b.SubjectID), cmp.Compare(a.CharacterID, b.CharacterID))
		})
	} else {
		slices.SortStableFunc(out, func(a, b character.Cast) int {
			return cmp.Or(cmp.Compare(a.PersonID, b.PersonID), cmp.Compare(a.SubjectID, b.SubjectID), cmp.Compare(a.CharacterID, b.CharacterID))
		})
	}
	return out
}

func (r LinkRepository) Credits(_ context.Context, f ports.CreditFilter) (out []person.Credit, _ error) {
	if f.SubjectID == 0 && f.PersonID == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "credit filter without a subject or person")
	}
	r.s.read(func(d *data) { out = d.creditsBy(f) })
	return out, nil
}

func (d *data) creditsBy(f ports.CreditFilter) []person.Credit {
	var out []person.Credit
	for _, c := range d.credits {
		if (f.SubjectID == 0 || c.SubjectID == f.SubjectID) && (f.PersonID == 0 || c.PersonID == f.PersonID) {
			out = append(out, c)
		}
	}
	if f.PersonID != 0 {
		slices.SortStableFunc(out, func(a, b person.Credit) int {
			return cmp.Or(cmp.Compare(a.SubjectID, b.SubjectID), cmp.Compare(b.Position, a.Position))
		})
	}
	// By subject: storage (insertion) order, like the table bangumi's answers come from.
	return out
}

// The joined reads are the lists above with the linked entities looked up in the same read.

func (r LinkRepository) SubjectStaff(_ context.Context, subjectID uint32) ([]ports.StaffCredit, error) {
	var out []ports.StaffCredit
	r.s.read(func(d *data) {
		for _, c := range d.creditsBy(ports.CreditFilter{SubjectID: subjectID}) {
			out = append(out, ports.StaffCredit{Person: d.persons[c.PersonID], Credit: c})
		}
	})
	return out, nil
}

func (r LinkRepository) SubjectCharacters(_ context.Context, subjectID uint32) ([]ports.SubjectCharacter, error) {
	var out []ports.SubjectCharacter
	r.s.read(func(d *data) {
		apps := d.appearancesBy(ports.AppearanceFilter{SubjectID: subjectID})
		if len(apps) == 0 {
			return
		}
		var ids []uint32
		for _, a := range apps {
			ids = append(ids, a.CharacterID)
		}
		actors := map[uint32][]person.Person{}
		for _, c := range d.castsBy(ports.CastFilter{SubjectID: subjectID, CharacterIDs: ids}) {
			actors[c.CharacterID] = append(actors[c.CharacterID], d.persons[c.PersonID])
		}
		for _, a := range apps {
			out = append(out, ports.SubjectCharacter{
				Character: d.characters[a.CharacterID], Appearance: a, Actors: slices.Clone(actors[a.CharacterID]),
			})
		}
	})
	return out, nil
}

func (r LinkRepository) CharacterSubjects(_ context.Context, characterID uint32) ([]ports.CharacterSubject, error) {
	var out []ports.CharacterSubject
	r.s.read(func(d *data) {
		for _, a := range d.appearancesBy(ports.AppearanceFilter{CharacterID: characterID}) {
			if s, ok := d.subjects[a.SubjectID]; ok {
				out = append(out, ports.CharacterSubject{Subject: s, Appearance: a})
			}
		}
	})
	return out, nil
}

func (r LinkRepository) PersonSubjects(_ context.Context, personID uint32) ([]ports.PersonSubject, error) {
	var out []ports.PersonSubject
	r.s.read(func(d *data) {
		for _, c := range d.creditsBy(ports.CreditFilter{PersonID: personID}) {
			if s, ok := d.subjects[c.SubjectID]; ok {
				out = append(out, ports.PersonSubject{Subject: s, Credit: c})
			}
		}
	})
	return out, nil
}

func (r LinkRepository) CharacterCasts(_ context.Context, characterID uint32) (out []ports.CastEntry, _ error) {
	r.s.read(func(d *data) {
		out = d.castEntries(d.castsBy(ports.CastFilter{CharacterID: characterID}), func(e *ports.CastEntry) {
			e.Person = d.persons[e.Cast.PersonID]
		})
	})
	return out, nil
}

func (r LinkRepository) PersonCasts(_ context.Context, personID uint32) (out []ports.CastEntry, _ error) {
	r.s.read(func(d *data) {
		out = d.castEntries(d.castsBy(ports.CastFilter{PersonID: personID}), func(e *ports.CastEntry) {
			e.Character = d.characters[e.Cast.CharacterID]
		})
	})
	return out, nil
}

// castEntries adds to each cast its subject and the character's (first) appearance in it,
// looked up through the subject row, and the other entity (set).
func (d *data) castEntries(casts []character.Cast, set func(e *ports.CastEntry)) []ports.CastEntry {
	type pair struct{ crt, subject uint32 }
	appOf := map[pair]character.Appearance{}
	for _, a := range d.appearances {
		k := pair{a.CharacterID, a.SubjectID}
		if _, dup := appOf[k]; !dup {
			appOf[k] = a
		}
	}
	out := make([]ports.CastEntry, 0, len(casts))
	for _, c := range casts {
		e := ports.CastEntry{Cast: c}
		set(&e)
		if s, ok := d.subjects[c.SubjectID]; ok {
			e.Subject = s
			e.Appearance = appOf[pair{c.CharacterID, s.ID}]
		}
		out = append(out, e)
	}
	return out
}

func set(ids []uint32) map[uint32]bool {
	if ids == nil {
		return nil
	}
	m := make(map[uint32]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// UserRepository reads users of a Store.
type UserRepository struct{ s *Store }

// Users returns the store's user repository.
func (s *Store) Users() UserRepository { return UserRepository{s} }

func (r UserRepository) Get(_ context.Context, id uint32) (user.User, error) {
	var (
		u     user.User
		found bool
	)
	r.s.read(func(d *data) {
		if u, found = d.users[id]; found {
			u.GroupPermissions = d.userGroups[u.GroupID]
		}
	})
	if !found {
		return u, notFound("user")
	}
	return u, nil
}

func (r UserRepository) GetByUsername(_ context.Context, username string) (user.User, error) {
	var (
		u     user.User
		found bool
	)
	m := newUsernameMatcher(username)
	r.s.read(func(d *data) {
		for _, v := range d.users {
			if m.match(v.Username) && (!found || v.ID < u.ID) {
				u, found = v, true
			}
		}
		u.GroupPermissions = d.userGroups[u.GroupID]
	})
	if !found {
		return u, notFound("user")
	}
	return u, nil
}

// TokenRepository finds access tokens of a Store.
type TokenRepository struct{ s *Store }

// Tokens returns the store's token repository.
func (s *Store) Tokens() TokenRepository { return TokenRepository{s} }

func (r TokenRepository) Find(_ context.Context, token string, now time.Time) (auth.Token, error) {
	var (
		t     auth.Token
		found bool
	)
	r.s.read(func(d *data) {
		for _, st := range d.tokens {
			if st.value == token && st.expires.After(now) {
				t, found = st.token, true
				return
			}
		}
	})
	if !found {
		return t, notFound("token")
	}
	return t, nil
}

// SubjectCollectionRepository reads subject collections of a Store.
type SubjectCollectionRepository struct{ s *Store }

// SubjectCollections returns the store's subject collection repository.
func (s *Store) SubjectCollections() SubjectCollectionRepository {
	return SubjectCollectionRepository{s}
}

func (r SubjectCollectionRepository) filter(f user.SubjectCollectionFilter) []user.SubjectCollection {
	var out []user.SubjectCollection
	r.s.read(func(d *data) {
		for _, rec := range d.subjectCollections {
			c := rec.SubjectCollection
			if c.UserID == f.UserID && c.Type != 0 &&
				(f.SubjectType == 0 || c.SubjectType == f.SubjectType) &&
				(f.Type == 0 || c.Type == f.Type) &&
				(f.ShowPrivate || c.Private == 0) {
				out = append(out, c)
			}
		}
	})
	// Ties on last touch: id ascending without a type filter, descending with one (what the
	// recorded server answered; see ports.SubjectCollectionRepository).
	desc := f.SubjectType != 0 || f.Type != 0
	slices.SortStableFunc(out, func(a, b user.SubjectCollection) int {
		byID := cmp.Compare(a.ID, b.ID)
		if desc {
			byID = -byID
		}
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), byID)
	})
	return out
}

func (r SubjectCollectionRepository) Count(_ context.Context, f user.SubjectCollectionFilter) (int64, error) {
	return int64(len(r.filter(f))), nil
}

func (r SubjectCollectionRepository) List(_ context.Context, f user.SubjectCollectionFilter, limit, offset int) ([]user.SubjectCollection, error) {
	return page(r.filter(f), limit, offset), nil
}

func (r SubjectCollectionRepository) Get(_ context.Context, userID, subjectID uint32) (user.SubjectCollection, error) {
	var (
		c     user.SubjectCollection
		found bool
	)
	r.s.read(func(d *data) {
		for _, rec := range d.subjectCollections {
			v := rec.SubjectCollection
			if v.UserID == userID && v.SubjectID == subjectID && v.Type != 0 && (!found || v.ID < c.ID) {
				c, found = v, true
			}
		}
	})
	if !found {
		return c, notFound("collection")
	}
	return c, nil
}

func page[T any](rows []T, limit, offset int) []T {
	if offset >= len(rows) {
		return []T{}
	}
	rows = rows[offset:]
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	return rows
}

// MonoCollectRepository reads character and person collects of a Store.
type MonoCollectRepository struct{ s *Store }

// MonoCollects returns the store's collect repository.
func (s *Store) MonoCollects() MonoCollectRepository { return MonoCollectRepository{s} }

func (r MonoCollectRepository) Count(_ context.Context, userID uint32, cat mono.Category) (n int64, err error) {
	r.s.read(func(d *data) { n = int64(len(d.monoCollectsOf(userID, cat))) })
	return n, nil
}

func (r MonoCollectRepository) List(_ context.Context, userID uint32, cat mono.Category, limit, offset int) (out []collect.MonoCollect, err error) {
	r.s.read(func(d *data) { out = page(d.monoCollectsOf(userID, cat), limit, offset) })
	return out, nil
}

func (r MonoCollectRepository) Find(_ context.Context, userID uint32, cat mono.Category, targetID uint32) (c collect.MonoCollect, err error) {
	r.s.read(func(d *data) { c, err = d.findMonoCollect(userID, cat, targetID) })
	return c, err
}

// monoCollectsOf lists a user's collects of one category, newest first.
func (d *data) monoCollectsOf(userID uint32, cat mono.Category) []collect.MonoCollect {
	var out []collect.MonoCollect
	for _, c := range d.monoCollects {
		if c.UserID == userID && c.Category == cat {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b collect.MonoCollect) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out
}

// findMonoCollect returns the user's first (lowest id) collect row of the target.
func (d *data) findMonoCollect(userID uint32, cat mono.Category, targetID uint32) (collect.MonoCollect, error) {
	var (
		c     collect.MonoCollect
		found bool
	)
	for _, v := range d.monoCollects {
		if v.UserID == userID && v.Category == cat && v.TargetID == targetID && (!found || v.ID < c.ID) {
			c, found = v, true
		}
	}
	if !found {
		return c, notFound("collect")
	}
	return c, nil
}
