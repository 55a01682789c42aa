package contracttests

import (
	"context"
	"testing"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
)

// TestMaxID checks MaxID of the subject, character and person repositories: the greatest id
// of each table (whatever the row's ban, NSFW or redirect state, and whatever the insertion
// order), 0 for an empty table, each table on its own.
func TestMaxID(t *testing.T, newRepos NewRepos) {
	type maxIDer interface {
		MaxID(ctx context.Context) (uint32, error)
	}
	check := func(t *testing.T, r Repos, wantSubject, wantCharacter, wantPerson uint32) {
		t.Helper()
		for _, c := range []struct {
			what string
			r    maxIDer
			want uint32
		}{
			{"Subjects.MaxID", r.Subjects, wantSubject},
			{"Characters.MaxID", r.Characters, wantCharacter},
			{"Persons.MaxID", r.Persons, wantPerson},
		} {
			got, err := c.r.MaxID(t.Context())
			must(t, c.what, err)
			if got != c.want {
				t.Errorf("%s() = %d, want %d", c.what, got, c.want)
			}
		}
	}

	t.Run("EmptyIsZero", func(t *testing.T) {
		check(t, newRepos(t, Fixture{}), 0, 0, 0)
	})
	t.Run("GreatestWhateverItsState", func(t *testing.T) {
		f := Fixture{
			// The greatest id of each table is a merged (and banned, NSFW) row, stored between
			// the others: a walk to MaxID must reach it to delete its document.
			Subjects: []subject.Subject{
				{ID: 3, Type: subject.TypeAnime, Name: "a"},
				{ID: 70000, Type: subject.TypeBook, Name: "merged", NSFW: true, Ban: 1, Redirect: 3},
				{ID: 12, Type: subject.TypeGame, Name: "b"},
			},
			Characters: []character.Character{
				{ID: 5, Name: "a"},
				{ID: 900, Name: "merged", NSFW: true, Ban: 1, Redirect: 5},
				{ID: 40, Name: "b"},
			},
			Persons: []person.Person{
				{ID: 2, Name: "a", Type: 1},
				{ID: 41, Name: "merged", Type: 1, Ban: 1, Redirect: 2},
				{ID: 7, Name: "b", Type: 1},
			},
		}
		check(t, newRepos(t, f), 70000, 900, 41)
	})
	t.Run("OneTableEmpty", func(t *testing.T) {
		check(t, newRepos(t, Fixture{Persons: []person.Person{{ID: 9, Name: "only", Type: 1}}}), 0, 0, 9)
	})
}
