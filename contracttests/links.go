package contracttests

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// Rows of the index tables, in a scrambled order.
var (
	appA5S100 = character.Appearance{CharacterID: 5, SubjectID: 100, SubjectType: 2, Type: 1}
	appA2S100 = character.Appearance{CharacterID: 2, SubjectID: 100, SubjectType: 2, Type: 2, Order: 3}
	appA2S50  = character.Appearance{CharacterID: 2, SubjectID: 50, SubjectType: 1, Type: 1}
	appA9S100 = character.Appearance{CharacterID: 9, SubjectID: 100, SubjectType: 2, Type: 6, Order: 1}
	appA2S75  = character.Appearance{CharacterID: 2, SubjectID: 75, SubjectType: 4, Type: 3}
	appA5S50  = character.Appearance{CharacterID: 5, SubjectID: 50, SubjectType: 1, Type: 2}

	castC5P30S100 = character.Cast{CharacterID: 5, PersonID: 30, SubjectID: 100, SubjectType: 2}
	castC2P31S100 = character.Cast{CharacterID: 2, PersonID: 31, SubjectID: 100, SubjectType: 2}
	castC2P30S100 = character.Cast{CharacterID: 2, PersonID: 30, SubjectID: 100, SubjectType: 2}
	castC9P20S100 = character.Cast{CharacterID: 9, PersonID: 20, SubjectID: 100, SubjectType: 2}
	castC2P30S50  = character.Cast{CharacterID: 2, PersonID: 30, SubjectID: 50, SubjectType: 1}
	castC5P30S50  = character.Cast{CharacterID: 5, PersonID: 30, SubjectID: 50, SubjectType: 1}
	castC2P31S75  = character.Cast{CharacterID: 2, PersonID: 31, SubjectID: 75, SubjectType: 4}

	creditP40S100Pos71 = person.Credit{PersonID: 40, SubjectID: 100, SubjectType: 2, Position: 71, AppearEps: "1-3"}
	creditP3S100Pos1   = person.Credit{PersonID: 3, SubjectID: 100, SubjectType: 2, Position: 1}
	creditP3S200Pos4   = person.Credit{PersonID: 3, SubjectID: 200, SubjectType: 2, Position: 4}
	creditP40S100Pos3  = person.Credit{PersonID: 40, SubjectID: 100, SubjectType: 2, Position: 3}
	creditP12S100Pos71 = person.Credit{PersonID: 12, SubjectID: 100, SubjectType: 2, Position: 71}
	creditP3S100Pos2   = person.Credit{PersonID: 3, SubjectID: 100, SubjectType: 2, Position: 2}
	creditP40S150Pos2  = person.Credit{PersonID: 40, SubjectID: 150, SubjectType: 1, Position: 2, AppearEps: "ep 2"}
)

func linkFixture() Fixture {
	return Fixture{
		Appearances: []character.Appearance{appA5S100, appA2S100, appA2S50, appA9S100, appA2S75, appA5S50},
		Casts:       []character.Cast{castC5P30S100, castC2P31S100, castC2P30S100, castC9P20S100, castC2P30S50, castC5P30S50, castC2P31S75},
		Credits: []person.Credit{
			creditP40S100Pos71, creditP3S100Pos1, creditP3S200Pos4, creditP40S100Pos3,
			creditP12S100Pos71, creditP3S100Pos2, creditP40S150Pos2,
		},
	}
}

// TestLinkRepository checks a ports.LinkRepository: filters and orders of each list.
//
// Credits by subject come in storage order: the order the rows were stored, which for a
// fresh store is the order of Fixture.Credits (no column reproduces bangumi's order there).
func TestLinkRepository(t *testing.T, newRepos NewRepos) {
	r := newRepos(t, linkFixture()).Links
	ctx := t.Context()

	for _, tc := range []struct {
		name string
		f    ports.AppearanceFilter
		want []character.Appearance
	}{
		{"Appearances/BySubjectOrderedByCharacter", ports.AppearanceFilter{SubjectID: 100}, []character.Appearance{appA2S100, appA5S100, appA9S100}},
		{"Appearances/ByCharacterOrderedBySubject", ports.AppearanceFilter{CharacterID: 2}, []character.Appearance{appA2S50, appA2S75, appA2S100}},
		{"Appearances/ByCharacterIDsOrderedByCharacterThenSubject", ports.AppearanceFilter{CharacterIDs: []uint32{9, 2, 404}}, []character.Appearance{appA2S50, appA2S75, appA2S100, appA9S100}},
		{"Appearances/BySubjectAndCharacter", ports.AppearanceFilter{SubjectID: 50, CharacterID: 5}, []character.Appearance{appA5S50}},
		{"Appearances/NoneIsEmpty", ports.AppearanceFilter{SubjectID: 404}, nil},
		// An empty set of characters selects no row, alone or with another field.
		{"Appearances/EmptyCharacterIDsIsEmpty", ports.AppearanceFilter{CharacterIDs: []uint32{}}, nil},
		{"Appearances/BySubjectAndEmptyCharacterIDsIsEmpty", ports.AppearanceFilter{SubjectID: 100, CharacterIDs: []uint32{}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Appearances(ctx, tc.f)
			must(t, "Appearances", err)
			assertEqual(t, "Appearances", tc.want, got)
		})
	}

	for _, tc := range []struct {
		name string
		f    ports.CastFilter
		want []character.Cast
	}{
		{"Casts/BySubjectAndCharactersOrderedByPerson", ports.CastFilter{SubjectID: 100, CharacterIDs: []uint32{5, 2}}, []character.Cast{castC2P30S100, castC5P30S100, castC2P31S100}},
		{"Casts/ByCharacterOrderedByPersonThenSubject", ports.CastFilter{CharacterID: 2}, []character.Cast{castC2P30S50, castC2P30S100, castC2P31S75, castC2P31S100}},
		{"Casts/ByPersonOrderedBySubjectThenCharacter", ports.CastFilter{PersonID: 30}, []character.Cast{castC2P30S50, castC5P30S50, castC2P30S100, castC5P30S100}},
		{"Casts/ByCharacterAndPerson", ports.CastFilter{CharacterID: 2, PersonID: 31}, []character.Cast{castC2P31S75, castC2P31S100}},
		{"Casts/NoneIsEmpty", ports.CastFilter{PersonID: 404}, nil},
		{"Casts/BySubjectAndEmptyCharacterIDsIsEmpty", ports.CastFilter{SubjectID: 100, CharacterIDs: []uint32{}}, nil},
		{"Casts/ByPersonAndEmptyCharacterIDsIsEmpty", ports.CastFilter{PersonID: 30, CharacterIDs: []uint32{}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Casts(ctx, tc.f)
			must(t, "Casts", err)
			assertEqual(t, "Casts", tc.want, got)
		})
	}

	for _, tc := range []struct {
		name string
		f    ports.CreditFilter
		want []person.Credit
	}{
		{"Credits/BySubjectInStorageOrder", ports.CreditFilter{SubjectID: 100}, []person.Credit{
			creditP40S100Pos71, creditP3S100Pos1, creditP40S100Pos3, creditP12S100Pos71, creditP3S100Pos2,
		}},
		{"Credits/ByPersonOrderedBySubjectThenPositionDescending", ports.CreditFilter{PersonID: 3}, []person.Credit{
			creditP3S100Pos2, creditP3S100Pos1, creditP3S200Pos4,
		}},
		{"Credits/ByPersonKeepsEpisodes", ports.CreditFilter{PersonID: 40}, []person.Credit{
			creditP40S100Pos71, creditP40S100Pos3, creditP40S150Pos2,
		}},
		{"Credits/NoneIsEmpty", ports.CreditFilter{SubjectID: 404}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Credits(ctx, tc.f)
			must(t, "Credits", err)
			assertEqual(t, "Credits", tc.want, got)
		})
	}

	// A filter with no field set would list a whole table: it is a caller's mistake.
	t.Run("EmptyFilterIsInvalid", func(t *testing.T) {
		_, err := r.Appearances(ctx, ports.AppearanceFilter{})
		assertInvalid(t, "Appearances({})", err)
		_, err = r.Casts(ctx, ports.CastFilter{})
		assertInvalid(t, "Casts({})", err)
		_, err = r.Credits(ctx, ports.CreditFilter{})
		assertInvalid(t, "Credits({})", err)
	})

	t.Run("Joined", func(t *testing.T) { testJoinedReads(t, newRepos) })
}

// assertInvalid fails tb unless err wraps domain.ErrInvalid.
func assertInvalid(tb testing.TB, what string, err error) {
	tb.Helper()
	if !errors.Is(err, domain.ErrInvalid) {
		tb.Errorf("%s: error %v, want domain.ErrInvalid", what, err)
	}
}

// joinedFixture is linkFixture with some of the rows it links: subjects 50, 100 and 200
// (75 and 150 are missing), characters 2 and 9 (5 is missing), persons 3, 20, 30 and 40 (12
// and 31 are missing). NSFW, banned and merged rows are returned as they are.
func joinedFixture() Fixture {
	f := linkFixture()
	f.Subjects = []subject.Subject{subj50, subj100, subj200}
	f.Characters = []character.Character{crt2, crt9}
	f.Persons = []person.Person{prsn3, prsn20, prsn30, prsn40}
	f.Relations = []subject.Relation{
		{SubjectID: 100, RelatedID: 75, RelationType: 1, Order: 0}, // missing subject
		{SubjectID: 100, RelatedID: 200, RelationType: 3, Order: 2},
		{SubjectID: 100, RelatedID: 50, RelationType: 2, Order: 2},
	}
	return f
}

var (
	subj50  = subject.Subject{ID: 50, Type: 1, Name: "book & <50>", Infobox: "{{Infobox\n|x= a & b\n}}", Tags: []subject.Tag{{Name: "t", Count: 2}}}
	subj100 = subject.Subject{ID: 100, Type: 2, Name: "anime", NSFW: true, Ban: 1, RateCounts: [10]uint32{9: 4}, Rank: 7}
	subj200 = subject.Subject{ID: 200, Type: 2, Name: "merged", Redirect: 100}
	crt2    = character.Character{ID: 2, Name: "c & 2", Role: 1, Summary: "s &amp;", Fields: mono.Fields{Gender: 2}}
	crt9    = character.Character{ID: 9, Name: "nsfw merged", NSFW: true, Redirect: 2, Ban: 1}
	prsn3   = person.Person{ID: 3, Name: "p & 3", Type: 1, Career: person.Career{Seiyu: true}, Fields: mono.Fields{BirthYear: 1980}}
	prsn20  = person.Person{ID: 20, Name: "p20 merged", Redirect: 3}
	prsn30  = person.Person{ID: 30, Name: "p30", Type: 2, Image: "a/b.jpg"}
	prsn40  = person.Person{ID: 40, Name: "p40 nsfw", NSFW: true}
)

// testJoinedReads checks the joined reads of the LinkRepository and SubjectRepository: each
// is its list with the linked rows, a missing one zero or left out.
func testJoinedReads(t *testing.T, newRepos NewRepos) {
	r := newRepos(t, joinedFixture())
	ctx := t.Context()

	t.Run("SubjectStaff/StorageOrderMissingPersonIsZero", func(t *testing.T) {
		got, err := r.Links.SubjectStaff(ctx, 100)
		must(t, "SubjectStaff(100)", err)
		assertEqual(t, "SubjectStaff(100)", []ports.StaffCredit{
			{Person: prsn40, Credit: creditP40S100Pos71},
			{Person: prsn3, Credit: creditP3S100Pos1},
			{Person: prsn40, Credit: creditP40S100Pos3},
			{Credit: creditP12S100Pos71},
			{Person: prsn3, Credit: creditP3S100Pos2},
		}, got)
	})
	t.Run("SubjectCharacters/ActorsByPersonMissingAreZero", func(t *testing.T) {
		got, err := r.Links.SubjectCharacters(ctx, 100)
		must(t, "SubjectCharacters(100)", err)
		assertEqual(t, "SubjectCharacters(100)", []ports.SubjectCharacter{
			{Character: crt2, Appearance: appA2S100, Actors: []person.Person{prsn30, {}}}, // person 31 is missing
			{Appearance: appA5S100, Actors: []person.Person{prsn30}},                      // character 5 is missing
			{Character: crt9, Appearance: appA9S100, Actors: []person.Person{prsn20}},
		}, got)
		got, err = r.Links.SubjectCharacters(ctx, 75) // subject 75 is missing, and so is person 31
		must(t, "SubjectCharacters(75)", err)
		assertEqual(t, "SubjectCharacters(75)", []ports.SubjectCharacter{
			{Character: crt2, Appearance: appA2S75, Actors: []person.Person{{}}},
		}, got)
	})
	t.Run("CharacterSubjects/SkipsMissingSubjects", func(t *testing.T) {
		got, err := r.Links.CharacterSubjects(ctx, 2)
		must(t, "CharacterSubjects(2)", err)
		assertEqual(t, "CharacterSubjects(2)", []ports.CharacterSubject{
			{Subject: subj50, Appearance: appA2S50}, {Subject: subj100, Appearance: appA2S100},
		}, got)
	})
	t.Run("PersonSubjects/SkipsMissingSubjects", func(t *testing.T) {
		got, err := r.Links.PersonSubjects(ctx, 40)
		must(t, "PersonSubjects(40)", err)
		assertEqual(t, "PersonSubjects(40)", []ports.PersonSubject{
			{Subject: subj100, Credit: creditP40S100Pos71}, {Subject: subj100, Credit: creditP40S100Pos3},
		}, got)
	})
	t.Run("CharacterCasts/WithPersonSubjectAndAppearance", func(t *testing.T) {
		got, err := r.Links.CharacterCasts(ctx, 2)
		must(t, "CharacterCasts(2)", err)
		assertEqual(t, "CharacterCasts(2)", []ports.CastEntry{
			{Person: prsn30, Subject: subj50, Cast: castC2P30S50, Appearance: appA2S50},
			{Person: prsn30, Subject: subj100, Cast: castC2P30S100, Appearance: appA2S100},
			{Cast: castC2P31S75}, // person and subject missing: no appearance either
			{Subject: subj100, Cast: castC2P31S100, Appearance: appA2S100},
		}, got)
	})
	t.Run("PersonCasts/WithCharacterSubjectAndAppearance", func(t *testing.T) {
		got, err := r.Links.PersonCasts(ctx, 30)
		must(t, "PersonCasts(30)", err)
		assertEqual(t, "PersonCasts(30)", []ports.CastEntry{
			{Character: crt2, Subject: subj50, Cast: castC2P30S50, Appearance: appA2S50},
			{Subject: subj50, Cast: castC5P30S50, Appearance: appA5S50}, // character 5 is missing
			{Character: crt2, Subject: subj100, Cast: castC2P30S100, Appearance: appA2S100},
			{Subject: subj100, Cast: castC5P30S100, Appearance: appA5S100},
		}, got)
	})
	t.Run("RelatedSubjects/SkipsMissingSubjects", func(t *testing.T) {
		got, err := r.Subjects.RelatedSubjects(ctx, 100)
		must(t, "RelatedSubjects(100)", err)
		assertEqual(t, "RelatedSubjects(100)", []ports.RelatedSubject{
			{Subject: subj50, Relation: subject.Relation{SubjectID: 100, RelatedID: 50, RelationType: 2, Order: 2}},
			{Subject: subj200, Relation: subject.Relation{SubjectID: 100, RelatedID: 200, RelationType: 3, Order: 2}},
		}, got)
	})
	t.Run("NoneIsEmpty", func(t *testing.T) {
		for name, n := range map[string]func() (int, error){
			"SubjectStaff":      func() (int, error) { l, err := r.Links.SubjectStaff(ctx, 404); return len(l), err },
			"SubjectCharacters": func() (int, error) { l, err := r.Links.SubjectCharacters(ctx, 404); return len(l), err },
			"CharacterSubjects": func() (int, error) { l, err := r.Links.CharacterSubjects(ctx, 404); return len(l), err },
			"PersonSubjects":    func() (int, error) { l, err := r.Links.PersonSubjects(ctx, 404); return len(l), err },
			"CharacterCasts":    func() (int, error) { l, err := r.Links.CharacterCasts(ctx, 404); return len(l), err },
			"PersonCasts":       func() (int, error) { l, err := r.Links.PersonCasts(ctx, 404); return len(l), err },
			"RelatedSubjects":   func() (int, error) { l, err := r.Subjects.RelatedSubjects(ctx, 50); return len(l), err },
		} {
			got, err := n()
			must(t, name, err)
			if got != 0 {
				t.Errorf("%s = %d rows, want none", name, got)
			}
		}
	})
	t.Run("SameAsListsAndGetByIDs", func(t *testing.T) {
		CheckJoinedReads(t, r, []uint32{50, 75, 100, 150, 200, 404}, []uint32{2, 5, 9, 404}, []uint32{3, 12, 20, 30, 31, 40, 404})
	})
}

// CheckJoinedReads checks that every joined read of r equals its list completed with
// GetByIDs, as the use cases did before the joins (missing rows zero or left out, the cast's
// appearance looked up through its subject), for the given subject, character and person ids.
// Adapters may run it on larger data sets than the contract fixtures.
func CheckJoinedReads(t *testing.T, r Repos, subjectIDs, characterIDs, personIDs []uint32) {
	t.Helper()
	ctx := t.Context()
	subjects := func(ids []uint32) map[uint32]subject.Subject {
		m, err := r.Subjects.GetByIDs(ctx, ids)
		must(t, "Subjects.GetByIDs", err)
		return m
	}
	characters := func(ids []uint32) map[uint32]character.Character {
		m, err := r.Characters.GetByIDs(ctx, ids)
		must(t, "Characters.GetByIDs", err)
		return m
	}
	persons := func(ids []uint32) map[uint32]person.Person {
		m, err := r.Persons.GetByIDs(ctx, ids)
		must(t, "Persons.GetByIDs", err)
		return m
	}
	check := func(what string, id uint32, want, got any, err error) {
		t.Helper()
		must(t, fmt.Sprintf("%s(%d)", what, id), err)
		assertEqual(t, fmt.Sprintf("%s(%d)", what, id), want, got)
	}

	for _, id := range subjectIDs {
		credits, err := r.Links.Credits(ctx, ports.CreditFilter{SubjectID: id})
		must(t, "Credits", err)
		ps := persons(idsOf(credits, func(c person.Credit) uint32 { return c.PersonID }))
		var staff []ports.StaffCredit
		for _, c := range credits {
			staff = append(staff, ports.StaffCredit{Person: ps[c.PersonID], Credit: c})
		}
		got, err := r.Links.SubjectStaff(ctx, id)
		check("SubjectStaff", id, staff, got, err)

		apps, err := r.Links.Appearances(ctx, ports.AppearanceFilter{SubjectID: id})
		must(t, "Appearances", err)
		var chars []ports.SubjectCharacter
		if len(apps) > 0 {
			crtIDs := idsOf(apps, func(a character.Appearance) uint32 { return a.CharacterID })
			cs := characters(crtIDs)
			casts, err := r.Links.Casts(ctx, ports.CastFilter{SubjectID: id, CharacterIDs: crtIDs})
			must(t, "Casts", err)
			ps := persons(idsOf(casts, func(c character.Cast) uint32 { return c.PersonID }))
			actors := map[uint32][]person.Person{}
			for _, c := range casts {
				actors[c.CharacterID] = append(actors[c.CharacterID], ps[c.PersonID])
			}
			for _, a := range apps {
				chars = append(chars, ports.SubjectCharacter{Character: cs[a.CharacterID], Appearance: a, Actors: actors[a.CharacterID]})
			}
		}
		gotChars, err := r.Links.SubjectCharacters(ctx, id)
		check("SubjectCharacters", id, chars, gotChars, err)

		rels, err := r.Subjects.Relations(ctx, id)
		must(t, "Relations", err)
		ss := subjects(idsOf(rels, func(rel subject.Relation) uint32 { return rel.RelatedID }))
		var related []ports.RelatedSubject
		for _, rel := range rels {
			if s, ok := ss[rel.RelatedID]; ok {
				related = append(related, ports.RelatedSubject{Subject: s, Relation: rel})
			}
		}
		gotRelated, err := r.Subjects.RelatedSubjects(ctx, id)
		check("RelatedSubjects", id, related, gotRelated, err)

		typ := subjects([]uint32{id})[id].Type // as the subject detail asks (0 for a missing subject)
		eps, err := r.Subjects.CountEpisodes(ctx, id)
		must(t, "CountEpisodes", err)
		tags, err := r.Subjects.MetaTags(ctx, id, typ)
		must(t, "MetaTags", err)
		gotEps, gotTags, err := r.Subjects.EpisodesAndMetaTags(ctx, id, typ)
		check("EpisodesAndMetaTags", id, []any{eps, tags}, []any{gotEps, gotTags}, err)
	}

	// castEntries completes casts as the use cases did: the subject and the character's
	// appearance in it (looked up through the subject row), and the other side by set.
	castEntries := func(casts []character.Cast, set func(e *ports.CastEntry)) []ports.CastEntry {
		crtIDs := idsOf(casts, func(c character.Cast) uint32 { return c.CharacterID })
		appOf := map[[2]uint32]character.Appearance{}
		if len(crtIDs) > 0 {
			apps, err := r.Links.Appearances(ctx, ports.AppearanceFilter{CharacterIDs: crtIDs})
			must(t, "Appearances", err)
			for _, a := range apps {
				if _, dup := appOf[[2]uint32{a.CharacterID, a.SubjectID}]; !dup {
					appOf[[2]uint32{a.CharacterID, a.SubjectID}] = a
				}
			}
		}
		ss := subjects(idsOf(casts, func(c character.Cast) uint32 { return c.SubjectID }))
		var out []ports.CastEntry
		for _, c := range casts {
			e := ports.CastEntry{Cast: c}
			set(&e)
			if s, ok := ss[c.SubjectID]; ok {
				e.Subject, e.Appearance = s, appOf[[2]uint32{c.CharacterID, s.ID}]
			}
			out = append(out, e)
		}
		return out
	}

	for _, id := range characterIDs {
		apps, err := r.Links.Appearances(ctx, ports.AppearanceFilter{CharacterID: id})
		must(t, "Appearances", err)
		ss := subjects(idsOf(apps, func(a character.Appearance) uint32 { return a.SubjectID }))
		var want []ports.CharacterSubject
		for _, a := range apps {
			if s, ok := ss[a.SubjectID]; ok {
				want = append(want, ports.CharacterSubject{Subject: s, Appearance: a})
			}
		}
		got, err := r.Links.CharacterSubjects(ctx, id)
		check("CharacterSubjects", id, want, got, err)

		casts, err := r.Links.Casts(ctx, ports.CastFilter{CharacterID: id})
		must(t, "Casts", err)
		ps := persons(idsOf(casts, func(c character.Cast) uint32 { return c.PersonID }))
		wantCasts := castEntries(casts, func(e *ports.CastEntry) { e.Person = ps[e.Cast.PersonID] })
		gotCasts, err := r.Links.CharacterCasts(ctx, id)
		check("CharacterCasts", id, wantCasts, gotCasts, err)
	}

	for _, id := range personIDs {
		credits, err := r.Links.Credits(ctx, ports.CreditFilter{PersonID: id})
		must(t, "Credits", err)
		ss := subjects(idsOf(credits, func(c person.Credit) uint32 { return c.SubjectID }))
		var want []ports.PersonSubject
		for _, c := range credits {
			if s, ok := ss[c.SubjectID]; ok {
				want = append(want, ports.PersonSubject{Subject: s, Credit: c})
			}
		}
		got, err := r.Links.PersonSubjects(ctx, id)
		check("PersonSubjects", id, want, got, err)

		casts, err := r.Links.Casts(ctx, ports.CastFilter{PersonID: id})
		must(t, "Casts", err)
		cs := characters(idsOf(casts, func(c character.Cast) uint32 { return c.CharacterID }))
		wantCasts := castEntries(casts, func(e *ports.CastEntry) { e.Character = cs[e.Cast.CharacterID] })
		gotCasts, err := r.Links.PersonCasts(ctx, id)
		check("PersonCasts", id, wantCasts, gotCasts, err)
	}
}

// idsOf lists id(row) of every row, without duplicates.
func idsOf[T any](rows []T, id func(T) uint32) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for _, r := range rows {
		if v := id(r); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
