package usecase_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/domain/user"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

type fixedClock struct{}

func (fixedClock) Now() time.Time { return now }

var (
	anonymous = auth.Auth{}
	oldUser   = auth.Auth{UserID: 10, RegTime: now.AddDate(-3, 0, 0), Legacy: true}
	youngUser = auth.Auth{UserID: 11, RegTime: now.AddDate(0, 0, -1), Legacy: true}
)

func seed() *inmem.Store {
	s := inmem.NewStore()
	s.PutSubject(
		subject.Subject{ID: 1, Type: subject.TypeAnime, Name: "one"},
		subject.Subject{ID: 2, Type: subject.TypeAnime, Name: "nsfw", NSFW: true},
		subject.Subject{ID: 3, Type: subject.TypeAnime, Name: "merged", Redirect: 1},
		subject.Subject{ID: 4, Type: subject.TypeBook, Name: "book"},
	)
	s.PutEpisodes(1, 12, 2)
	s.PutMetaTags(1, subject.TypeAnime, "TV", "原创")
	s.PutRelation(
		subject.Relation{SubjectID: 1, RelatedID: 4, RelationType: 1003, Order: 2},
		subject.Relation{SubjectID: 1, RelatedID: 2, RelationType: 1, Order: 1},
		subject.Relation{SubjectID: 1, RelatedID: 999, RelationType: 1, Order: 0},
	)
	s.PutCharacter(
		character.Character{ID: 1, Name: "c1"},
		character.Character{ID: 2, Name: "c2 nsfw", NSFW: true},
		character.Character{ID: 3, Name: "c3 merged nsfw", NSFW: true, Redirect: 1},
	)
	s.PutAppearance(
		character.Appearance{CharacterID: 2, SubjectID: 1, Type: 2},
		character.Appearance{CharacterID: 1, SubjectID: 1, Type: 1},
		character.Appearance{CharacterID: 1, SubjectID: 4, Type: 1},
	)
	s.PutPerson(person.Person{ID: 1, Name: "p1"}, person.Person{ID: 2, Name: "p2"})
	s.PutCast(
		character.Cast{CharacterID: 1, PersonID: 2, SubjectID: 1},
		character.Cast{CharacterID: 1, PersonID: 1, SubjectID: 1},
		character.Cast{CharacterID: 1, PersonID: 77, SubjectID: 1}, // person row missing
	)
	s.PutCredit(person.Credit{PersonID: 1, SubjectID: 1, Position: 1}, person.Credit{PersonID: 88, SubjectID: 1, Position: 2})
	s.PutUser(user.User{ID: 10, Username: "Old"}, user.User{ID: 11, Username: "young"})
	s.PutSubjectCollection(
		user.SubjectCollection{ID: 1, UserID: 10, SubjectID: 1, Type: 2, UpdatedAt: now.Add(-time.Hour)},
		user.SubjectCollection{ID: 2, UserID: 10, SubjectID: 4, Type: 1, Private: 1, UpdatedAt: now},
		user.SubjectCollection{ID: 3, UserID: 10, SubjectID: 999, Type: 1, UpdatedAt: now.Add(-2 * time.Hour)},
	)
	s.PutMonoCollect(
		collect.MonoCollect{Category: mono.Character, TargetID: 1, UserID: 10, CreatedAt: now.Add(-time.Hour)},
		collect.MonoCollect{Category: mono.Character, TargetID: 5555, UserID: 10, CreatedAt: now},
	)
	return s
}

func subjects(s *inmem.Store, cache *inmem.Cache) *usecase.Subjects {
	uc := &usecase.Subjects{Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(), Links: s.Links(), Clock: fixedClock{}}
	if cache != nil {
		uc.Cache = cache
	}
	return uc
}

func wantKind(t *testing.T, err, kind error, msg string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, want kind %v", err, kind)
	}
	if msg != "" && domain.Message(err) != msg {
		t.Fatalf("message = %q, want %q", domain.Message(err), msg)
	}
}

func TestSubjects_Get(t *testing.T) {
	ctx := context.Background()
	uc := subjects(seed(), nil)

	t.Run("Detail", func(t *testing.T) {
		got, err := uc.Get(ctx, anonymous, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.TotalEpisodes != 12 {
			t.Errorf("TotalEpisodes = %d, want 12 (banned excluded)", got.TotalEpisodes)
		}
		if diff := cmp.Diff([]string{"TV", "原创"}, got.MetaTags); diff != "" {
			t.Errorf("MetaTags mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("MissingIsNotFound", func(t *testing.T) {
		_, err := uc.Get(ctx, anonymous, 404)
		wantKind(t, err, domain.ErrNotFound, domain.NotFoundMessage)
	})
	t.Run("NSFWHiddenFromAnonymousAndYoung", func(t *testing.T) {
		for _, v := range []auth.Auth{anonymous, youngUser} {
			_, err := uc.Get(ctx, v, 2)
			wantKind(t, err, domain.ErrNotFound, domain.NotFoundMessage)
		}
		if _, err := uc.Get(ctx, oldUser, 2); err != nil {
			t.Fatalf("old user: %v", err)
		}
	})
	t.Run("RedirectReturnsOnlySubject", func(t *testing.T) {
		got, err := uc.Get(ctx, anonymous, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject.Redirect != 1 || got.MetaTags != nil {
			t.Errorf("got %+v, want the merged subject only", got)
		}
	})
}

// Decision D1: a cached NSFW subject is never served to a viewer who may not see it.
func TestSubjects_CacheDoesNotLeakNSFW(t *testing.T) {
	ctx := context.Background()
	cache := inmem.NewCache(func() time.Time { return now })
	uc := subjects(seed(), cache)
	if _, err := uc.Get(ctx, oldUser, 2); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := cache.Get(ctx, "subject:2"); !ok {
		t.Fatal("subject 2 was not cached; the test would prove nothing")
	}
	_, err := uc.Get(ctx, anonymous, 2)
	wantKind(t, err, domain.ErrNotFound, "")
	if _, ok, _ := cache.Get(ctx, "subject:meta-tags:2"); !ok {
		t.Error("meta tags of subject 2 were not cached")
	}
}

func TestSubjects_Lists(t *testing.T) {
	ctx := context.Background()
	uc := subjects(seed(), nil)

	t.Run("RelatedSkipsMissingAndNSFW", func(t *testing.T) {
		_, rel, err := uc.Related(ctx, anonymous, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint32
		for _, r := range rel {
			ids = append(ids, r.Subject.ID)
		}
		if diff := cmp.Diff([]uint32{4}, ids); diff != "" {
			t.Errorf("anonymous related ids (-want +got):\n%s", diff)
		}
		_, rel, _ = uc.Related(ctx, oldUser, 1)
		if len(rel) != 2 || rel[0].Subject.ID != 2 {
			t.Errorf("old user related = %+v, want [2 4] by order", rel)
		}
	})
	t.Run("CharactersWithActorsAndZeroValues", func(t *testing.T) {
		_, chars, err := uc.CharactersOf(ctx, anonymous, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(chars) != 2 || chars[0].Character.ID != 1 || chars[1].Character.ID != 2 {
			t.Fatalf("characters = %+v, want ids 1, 2 (not NSFW-filtered, ordered by id)", chars)
		}
		var actors []uint32
		for _, a := range chars[0].Actors {
			actors = append(actors, a.ID)
		}
		if diff := cmp.Diff([]uint32{1, 2, 0}, actors); diff != "" {
			t.Errorf("actor ids (-want +got):\n%s", diff)
		}
		if chars[1].Actors == nil {
			t.Error("Actors is nil, want empty")
		}
	})
	t.Run("PersonsKeepMissingAsZero", func(t *testing.T) {
		_, ps, err := uc.PersonsOf(ctx, anonymous, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Person.ID != 1 || ps[1].Person.ID != 0 || ps[1].Credit.PersonID != 88 {
			t.Errorf("persons = %+v", ps)
		}
	})
	t.Run("ListsOfHiddenSubjectAreNotFound", func(t *testing.T) {
		_, _, err := uc.PersonsOf(ctx, anonymous, 2)
		wantKind(t, err, domain.ErrNotFound, "")
	})
}

func TestCharacters(t *testing.T) {
	ctx := context.Background()
	s := seed()
	uc := &usecase.Characters{Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(), Links: s.Links(), Clock: fixedClock{}}

	t.Run("RedirectBeforeNSFW", func(t *testing.T) {
		got, err := uc.Get(ctx, anonymous, 3)
		if err != nil || got.Redirect != 1 {
			t.Fatalf("Get(3) = %+v, %v; want the merged character", got, err)
		}
	})
	t.Run("NSFWHidden", func(t *testing.T) {
		_, err := uc.Get(ctx, anonymous, 2)
		wantKind(t, err, domain.ErrNotFound, "")
		if _, err := uc.Get(ctx, oldUser, 2); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("SubjectsOfMergedIsNotFound", func(t *testing.T) {
		_, err := uc.SubjectsOf(ctx, 3)
		wantKind(t, err, domain.ErrNotFound, "")
	})
	t.Run("PersonsWithAppearance", func(t *testing.T) {
		got, err := uc.PersonsOf(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Person.ID != 1 || got[0].Appearance.Type != 1 || got[0].Subject.ID != 1 {
			t.Fatalf("PersonsOf(1) = %+v", got)
		}
	})
	t.Run("CastOfMissingSubjectHasNoAppearance", func(t *testing.T) {
		s.PutAppearance(character.Appearance{CharacterID: 1, SubjectID: 404, Type: 1})
		s.PutCast(character.Cast{CharacterID: 1, PersonID: 1, SubjectID: 404})
		got, err := uc.PersonsOf(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if e.Cast.SubjectID == 404 && (e.Appearance != (character.Appearance{}) || e.Subject.ID != 0) {
				t.Errorf("cast of missing subject 404 = %+v, want zero subject and appearance", e)
			}
		}
	})
}

func TestPersons_CharactersOf(t *testing.T) {
	ctx := context.Background()
	s := seed()
	uc := &usecase.Persons{Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(), Links: s.Links()}
	got, err := uc.CharactersOf(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Character.ID != 1 || got[0].Person.ID != 2 || got[0].Appearance.Type != 1 {
		t.Fatalf("CharactersOf(2) = %+v", got)
	}
	_, err = uc.CharactersOf(ctx, 404)
	wantKind(t, err, domain.ErrNotFound, "")
}

func collections(s *inmem.Store) *usecase.Collections {
	return &usecase.Collections{
		Users: s.Users(), Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(),
		Collections: s.SubjectCollections(), Monos: s.MonoCollects(), Clock: fixedClock{},
	}
}

func TestCollections_ListSubjects(t *testing.T) {
	ctx := context.Background()
	uc := collections(seed())
	page := usecase.Page{Limit: 30}

	t.Run("OwnerSeesPrivate", func(t *testing.T) {
		got, err := uc.ListSubjects(ctx, oldUser, "old", 0, 0, page)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != 3 || len(got.Items) != 2 || got.Items[0].Subject.ID != 4 {
			t.Fatalf("got total %d items %+v; want 3 counted, missing subject dropped, newest first", got.Total, got.Items)
		}
	})
	t.Run("OthersDoNot", func(t *testing.T) {
		got, err := uc.ListSubjects(ctx, anonymous, "Old", 0, 0, page)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != 2 || len(got.Items) != 1 || got.Items[0].Subject.ID != 1 {
			t.Fatalf("got total %d items %+v", got.Total, got.Items)
		}
	})
	t.Run("OffsetPastTotal", func(t *testing.T) {
		_, err := uc.ListSubjects(ctx, anonymous, "old", 0, 0, usecase.Page{Limit: 30, Offset: 3})
		wantKind(t, err, domain.ErrInvalid, "offset should be less than or equal to 2")
		if _, err := uc.ListSubjects(ctx, anonymous, "old", 0, 0, usecase.Page{Limit: 30, Offset: 2}); err != nil {
			t.Fatalf("offset == total: %v", err)
		}
	})
	t.Run("UnknownUser", func(t *testing.T) {
		_, err := uc.ListSubjects(ctx, anonymous, "nobody", 0, 0, page)
		wantKind(t, err, domain.ErrNotFound, "user doesn't exist or has been removed")
	})
	t.Run("EmptyUsername", func(t *testing.T) {
		_, err := uc.ListSubjects(ctx, anonymous, "", 0, 0, page)
		wantKind(t, err, domain.ErrInvalid, "missing require parameters `username`")
	})
}

func TestCollections_GetSubject(t *testing.T) {
	ctx := context.Background()
	uc := collections(seed())
	_, err := uc.GetSubject(ctx, anonymous, "old", 4)
	wantKind(t, err, domain.ErrNotFound, "subject is not collected by user")
	if _, err := uc.GetSubject(ctx, oldUser, "old", 4); err != nil {
		t.Fatalf("owner: %v", err)
	}
	_, err = uc.GetSubject(ctx, anonymous, "old", 2)
	wantKind(t, err, domain.ErrNotFound, domain.NotFoundMessage)
}

func TestCollections_Monos(t *testing.T) {
	ctx := context.Background()
	uc := collections(seed())
	got, err := uc.ListMonos(ctx, "old", mono.Character, usecase.Page{Limit: 30})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 2 || len(got.Items) != 1 || got.Items[0].Character.ID != 1 {
		t.Fatalf("ListMonos = %+v; want 2 counted, the missing character dropped", got)
	}
	_, err = uc.GetMono(ctx, "old", mono.Person, 1)
	wantKind(t, err, domain.ErrNotFound, "person is not collected by user")
}

func TestAuthenticator(t *testing.T) {
	ctx := context.Background()
	s := seed()
	s.PutUser(user.User{ID: 20, Username: "scoped", RegTime: now.AddDate(-1, 0, 0)})
	scope := `{"write:indices":true}`
	s.PutToken("good", now.Add(time.Hour), auth.Token{UserID: "20", Scope: &scope})
	s.PutToken("expired", now.Add(-time.Hour), auth.Token{UserID: "20"})
	s.PutToken("zero-user", now.Add(time.Hour), auth.Token{UserID: "0"})
	s.PutToken("no-user-row", now.Add(time.Hour), auth.Token{UserID: "404"})
	uc := &usecase.Authenticator{Tokens: s.Tokens(), Users: s.Users(), Clock: fixedClock{}}

	a, err := uc.Authenticate(ctx, "good")
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != 20 || a.Legacy || !a.HasScope("write:indices") || a.HasScope(auth.ScopeWriteCollection) {
		t.Errorf("Authenticate(good) = %+v", a)
	}
	for _, tok := range []string{"expired", "zero-user", "no-user-row", "GOOD", "unknown"} {
		_, err := uc.Authenticate(ctx, tok)
		wantKind(t, err, domain.ErrUnauthorized, "access token has been expired or doesn't exist")
	}
}

// TestAuthenticator_UserBan: the user_ban permission of the member's group or of its own acl
// bans it (OR); undecodable group data grants nothing, an undecodable acl is an error.
func TestAuthenticator_UserBan(t *testing.T) {
	ctx := context.Background()
	s := seed()
	s.PutUserGroup(5, `a:1:{s:8:"user_ban";s:1:"1";}`)
	s.PutUserGroup(10, `{"subject_edit":"1"}`)
	s.PutUserGroup(11, `a:1:{`) // corrupt
	for _, u := range []user.User{
		{ID: 30, GroupID: 10},
		{ID: 31, GroupID: 5},
		{ID: 32, GroupID: 10, ACL: `{"user_ban":"1"}`},
		{ID: 33, GroupID: 11},
		{ID: 34, GroupID: 10, ACL: `{"user_ban":`},
		{ID: 35, GroupID: 10, ACL: `{"user_ban":"0"}`},
	} {
		s.PutUser(u)
		s.PutToken(strconv.Itoa(int(u.ID)), now.Add(time.Hour), auth.Token{UserID: strconv.Itoa(int(u.ID))})
	}
	uc := &usecase.Authenticator{Tokens: s.Tokens(), Users: s.Users(), Clock: fixedClock{}}
	for tok, want := range map[string]bool{"30": false, "31": true, "32": true, "33": false, "35": false} {
		a, err := uc.Authenticate(ctx, tok)
		if err != nil || a.Banned != want {
			t.Errorf("Authenticate(user %s) = Banned %v, %v; want %v", tok, a.Banned, err, want)
		}
	}
	if _, err := uc.Authenticate(ctx, "34"); err == nil || errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("Authenticate with an undecodable acl: %v, want an internal error", err)
	}
}
