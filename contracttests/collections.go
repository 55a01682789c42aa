package contracttests

import (
	"fmt"
	"testing"
	"time"

	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/user"
)

// Subject collections of user 1 (and one of user 2), in a scrambled order.
var (
	scAnime     = user.SubjectCollection{ID: 1, UserID: 1, SubjectID: 101, SubjectType: 2, Rate: 8, Type: 2, Comment: `great & <"fun">`, Tags: "a b", EpStatus: 12, UpdatedAt: readT0.Add(10 * time.Second)}
	scPrivate   = user.SubjectCollection{ID: 2, UserID: 1, SubjectID: 102, SubjectType: 4, Type: 1, UpdatedAt: readT0.Add(20 * time.Second), Private: 1}
	scGame      = user.SubjectCollection{ID: 3, UserID: 1, SubjectID: 103, SubjectType: 4, Type: 1, UpdatedAt: readT0.Add(20 * time.Second)}
	scTypeZero  = user.SubjectCollection{ID: 4, UserID: 1, SubjectID: 104, SubjectType: 2, Type: 0, UpdatedAt: readT0.Add(30 * time.Second)}
	scShadow    = user.SubjectCollection{ID: 5, UserID: 1, SubjectID: 105, SubjectType: 1, Type: 3, VolStatus: 4, UpdatedAt: readT0.Add(5 * time.Second), Private: 2}
	scGame2     = user.SubjectCollection{ID: 6, UserID: 1, SubjectID: 106, SubjectType: 4, Type: 1, UpdatedAt: readT0.Add(20 * time.Second)}
	scOtherUser = user.SubjectCollection{ID: 7, UserID: 2, SubjectID: 101, SubjectType: 2, Type: 2, UpdatedAt: readT0.Add(40 * time.Second)}
)

func subjectCollectionFixture() Fixture {
	return Fixture{SubjectCollections: []user.SubjectCollection{scGame2, scAnime, scTypeZero, scOtherUser, scGame, scShadow, scPrivate}}
}

// TestSubjectCollectionRepository checks a ports.SubjectCollectionRepository.
//
// List orders by last touch descending; collections touched at the same second come by id
// ascending when the filter has neither SubjectType nor Type, and by id descending when it
// has either (the order bangumi's server produced for each).
func TestSubjectCollectionRepository(t *testing.T, newRepos NewRepos) {
	r := newRepos(t, subjectCollectionFixture()).SubjectCollections
	ctx := t.Context()

	for _, tc := range []struct {
		name string
		f    user.SubjectCollectionFilter
		want []user.SubjectCollection
	}{
		{"Public", user.SubjectCollectionFilter{UserID: 1}, []user.SubjectCollection{scGame, scGame2, scAnime}},
		{"ShowPrivate", user.SubjectCollectionFilter{UserID: 1, ShowPrivate: true}, []user.SubjectCollection{scPrivate, scGame, scGame2, scAnime, scShadow}},
		{"SubjectType", user.SubjectCollectionFilter{UserID: 1, SubjectType: 4, ShowPrivate: true}, []user.SubjectCollection{scGame2, scGame, scPrivate}},
		{"Type", user.SubjectCollectionFilter{UserID: 1, Type: 1}, []user.SubjectCollection{scGame2, scGame}},
		{"SubjectTypeAndType", user.SubjectCollectionFilter{UserID: 1, SubjectType: 2, Type: 2}, []user.SubjectCollection{scAnime}},
		{"TypeZeroNeverCounts", user.SubjectCollectionFilter{UserID: 1, SubjectType: 2, ShowPrivate: true}, []user.SubjectCollection{scAnime}},
		{"OtherUser", user.SubjectCollectionFilter{UserID: 2}, []user.SubjectCollection{scOtherUser}},
		{"NoneIsEmpty", user.SubjectCollectionFilter{UserID: 404, ShowPrivate: true}, nil},
	} {
		t.Run("Count/"+tc.name, func(t *testing.T) {
			got, err := r.Count(ctx, tc.f)
			must(t, "Count", err)
			if got != int64(len(tc.want)) {
				t.Errorf("Count(%+v) = %d, want %d", tc.f, got, len(tc.want))
			}
		})
		t.Run("List/"+tc.name, func(t *testing.T) {
			got, err := r.List(ctx, tc.f, 100, 0)
			must(t, "List", err)
			assertEqual(t, fmt.Sprintf("List(%+v)", tc.f), tc.want, got)
		})
	}
	t.Run("List/Pages", func(t *testing.T) {
		f := user.SubjectCollectionFilter{UserID: 1, ShowPrivate: true}
		for _, tc := range []struct {
			limit, offset int
			want          []user.SubjectCollection
		}{
			{2, 0, []user.SubjectCollection{scPrivate, scGame}},
			{2, 2, []user.SubjectCollection{scGame2, scAnime}},
			{2, 4, []user.SubjectCollection{scShadow}},
			{2, 5, nil},
			{3, 1, []user.SubjectCollection{scGame, scGame2, scAnime}},
		} {
			got, err := r.List(ctx, f, tc.limit, tc.offset)
			must(t, "List", err)
			assertEqual(t, fmt.Sprintf("List(limit %d, offset %d)", tc.limit, tc.offset), tc.want, got)
		}
		got, err := r.List(ctx, user.SubjectCollectionFilter{UserID: 1, SubjectType: 4, Type: 1, ShowPrivate: true}, 1, 1)
		must(t, "List", err)
		assertEqual(t, "List(filtered, limit 1, offset 1)", []user.SubjectCollection{scGame}, got)
	})
	t.Run("Get/PrivateIsReturned", func(t *testing.T) {
		for _, want := range []user.SubjectCollection{scAnime, scPrivate, scShadow, scOtherUser} {
			got, err := r.Get(ctx, want.UserID, want.SubjectID)
			must(t, "Get", err)
			assertEqual(t, fmt.Sprintf("Get(%d, %d)", want.UserID, want.SubjectID), want, got)
		}
	})
	t.Run("Get/UnescapesComment", func(t *testing.T) {
		got, err := r.Get(ctx, 1, 101)
		must(t, "Get", err)
		if got.Comment != `great & <"fun">` {
			t.Errorf("Get(1, 101).Comment = %q, want it unescaped", got.Comment)
		}
	})
	t.Run("Get/TypeZeroIsNotFound", func(t *testing.T) {
		_, err := r.Get(ctx, 1, 104)
		assertNotFound(t, "Get(1, 104)", err)
	})
	t.Run("Get/MissingIsNotFound", func(t *testing.T) {
		for _, k := range [][2]uint32{{1, 999}, {2, 102}, {404, 101}} {
			_, err := r.Get(ctx, k[0], k[1])
			assertNotFound(t, fmt.Sprintf("Get(%d, %d)", k[0], k[1]), err)
		}
	})
}

// Character and person collects, in a scrambled order.
var (
	mcCrt3     = collect.MonoCollect{ID: 23, Category: mono.Character, TargetID: 3, UserID: 6162, CreatedAt: readT0.Add(30 * time.Second)}
	mcCrt1     = collect.MonoCollect{ID: 22, Category: mono.Character, TargetID: 1, UserID: 6162, CreatedAt: readT0.Add(20 * time.Second)}
	mcCrt32    = collect.MonoCollect{ID: 16, Category: mono.Character, TargetID: 32, UserID: 6162, CreatedAt: readT0.Add(20 * time.Second)}
	mcCrt32Dup = collect.MonoCollect{ID: 40, Category: mono.Character, TargetID: 32, UserID: 6162, CreatedAt: readT0.Add(5 * time.Second)}
	mcCrt7     = collect.MonoCollect{ID: 9, Category: mono.Character, TargetID: 7, UserID: 6162, CreatedAt: readT0.Add(40 * time.Second)}
	mcPrsn1    = collect.MonoCollect{ID: 38, Category: mono.Person, TargetID: 1, UserID: 6162, CreatedAt: readT0.Add(50 * time.Second)}
	mcPrsn3    = collect.MonoCollect{ID: 12, Category: mono.Person, TargetID: 3, UserID: 6162, CreatedAt: readT0}
	mcOther    = collect.MonoCollect{ID: 43, Category: mono.Character, TargetID: 3, UserID: 4, CreatedAt: readT0.Add(60 * time.Second)}
)

func monoCollectFixture() Fixture {
	return Fixture{MonoCollects: []collect.MonoCollect{mcCrt32, mcPrsn1, mcCrt3, mcOther, mcCrt7, mcCrt1, mcPrsn3, mcCrt32Dup}}
}

// TestMonoCollectReader checks a ports.MonoCollectReader.
func TestMonoCollectReader(t *testing.T, newRepos NewRepos) {
	r := newRepos(t, monoCollectFixture()).MonoCollects
	ctx := t.Context()

	for _, tc := range []struct {
		name string
		uid  uint32
		cat  mono.Category
		want []collect.MonoCollect
	}{
		{"Characters", 6162, mono.Character, []collect.MonoCollect{mcCrt7, mcCrt3, mcCrt1, mcCrt32, mcCrt32Dup}},
		{"Persons", 6162, mono.Person, []collect.MonoCollect{mcPrsn1, mcPrsn3}},
		{"OtherUser", 4, mono.Character, []collect.MonoCollect{mcOther}},
		{"NoneIsEmpty", 4, mono.Person, nil},
	} {
		t.Run("Count/"+tc.name, func(t *testing.T) {
			got, err := r.Count(ctx, tc.uid, tc.cat)
			must(t, "Count", err)
			if got != int64(len(tc.want)) {
				t.Errorf("Count(%d, %s) = %d, want %d", tc.uid, tc.cat, got, len(tc.want))
			}
		})
		t.Run("List/"+tc.name+"NewestFirst", func(t *testing.T) {
			got, err := r.List(ctx, tc.uid, tc.cat, 100, 0)
			must(t, "List", err)
			assertEqual(t, fmt.Sprintf("List(%d, %s)", tc.uid, tc.cat), tc.want, got)
		})
	}
	t.Run("List/Pages", func(t *testing.T) {
		for _, tc := range []struct {
			limit, offset int
			want          []collect.MonoCollect
		}{
			{2, 0, []collect.MonoCollect{mcCrt7, mcCrt3}},
			{2, 2, []collect.MonoCollect{mcCrt1, mcCrt32}},
			{2, 4, []collect.MonoCollect{mcCrt32Dup}},
			{2, 5, nil},
		} {
			got, err := r.List(ctx, 6162, mono.Character, tc.limit, tc.offset)
			must(t, "List", err)
			assertEqual(t, fmt.Sprintf("List(limit %d, offset %d)", tc.limit, tc.offset), tc.want, got)
		}
	})
	t.Run("Find/FirstRow", func(t *testing.T) {
		for _, want := range []collect.MonoCollect{mcCrt3, mcCrt32, mcPrsn1, mcOther} {
			got, err := r.Find(ctx, want.UserID, want.Category, want.TargetID)
			must(t, "Find", err)
			assertEqual(t, fmt.Sprintf("Find(%d, %s, %d)", want.UserID, want.Category, want.TargetID), want, got)
		}
	})
	t.Run("Find/MissingIsNotFound", func(t *testing.T) {
		for _, tc := range []struct {
			uid    uint32
			cat    mono.Category
			target uint32
		}{
			{6162, mono.Person, 7},    // collected as a character, not as a person
			{6162, mono.Character, 2}, // not collected
			{4, mono.Character, 1},    // collected by another user
		} {
			_, err := r.Find(ctx, tc.uid, tc.cat, tc.target)
			assertNotFound(t, fmt.Sprintf("Find(%d, %s, %d)", tc.uid, tc.cat, tc.target), err)
		}
	})
}
