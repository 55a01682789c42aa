package contracttests

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
)

// idLister is what the subject, character and person repositories share for a walk over
// their ids (the search reindex).
type idLister interface {
	MaxID(ctx context.Context) (uint32, error)
	IDsAfter(ctx context.Context, after uint32, limit int) ([]uint32, error)
}

// TestIDs checks MaxID and IDsAfter of the subject, character and person repositories, each
// table on its own. MaxID is the greatest id of the table, 0 for an empty one. IDsAfter lists
// the ids stored greater than after, ascending, at most limit of them; both count every row
// whatever its ban, NSFW or redirect state, and whatever the insertion order.
func TestIDs(t *testing.T, newRepos NewRepos) {
	tables := func(r Repos) []struct {
		name string
		r    idLister
	} {
		return []struct {
			name string
			r    idLister
		}{{"Subjects", r.Subjects}, {"Characters", r.Characters}, {"Persons", r.Persons}}
	}
	checkMax := func(t *testing.T, r Repos, want ...uint32) {
		t.Helper()
		for i, tb := range tables(r) {
			got, err := tb.r.MaxID(t.Context())
			must(t, tb.name+".MaxID", err)
			if got != want[i] {
				t.Errorf("%s.MaxID() = %d, want %d", tb.name, got, want[i])
			}
		}
	}
	checkAfter := func(t *testing.T, what string, r idLister, after uint32, limit int, want []uint32) {
		t.Helper()
		got, err := r.IDsAfter(t.Context(), after, limit)
		call := fmt.Sprintf("%s.IDsAfter(%d, %d)", what, after, limit)
		must(t, call, err)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", call, diff)
		}
	}

	t.Run("Empty", func(t *testing.T) {
		r := newRepos(t, Fixture{})
		checkMax(t, r, 0, 0, 0)
		for _, tb := range tables(r) {
			checkAfter(t, tb.name, tb.r, 0, 10, nil)
		}
	})

	// The greatest id of each table is a merged (and banned, NSFW) row, stored between the
	// others; a banned subject and an NSFW character sit in the middle: a walk must reach them
	// all to delete their documents.
	f := Fixture{
		Subjects: []subject.Subject{
			{ID: 3, Type: subject.TypeAnime, Name: "a"},
			{ID: 70000, Type: subject.TypeBook, Name: "merged", NSFW: true, Ban: 1, Redirect: 3},
			{ID: 12, Type: subject.TypeGame, Name: "b"},
			{ID: 500, Type: subject.TypeMusic, Name: "banned", Ban: 1},
		},
		Characters: []character.Character{
			{ID: 5, Name: "a"},
			{ID: 900, Name: "merged", NSFW: true, Ban: 1, Redirect: 5},
			{ID: 40, Name: "b", NSFW: true},
		},
		Persons: []person.Person{
			{ID: 2, Name: "a", Type: 1},
			{ID: 41, Name: "merged", Type: 1, Ban: 1, Redirect: 2},
			{ID: 7, Name: "b", Type: 1},
		},
	}
	t.Run("MaxIDWhateverItsState", func(t *testing.T) {
		checkMax(t, newRepos(t, f), 70000, 900, 41)
	})
	t.Run("IDsAfter", func(t *testing.T) {
		r := newRepos(t, f)
		for _, c := range []struct {
			name  string
			r     idLister
			after uint32
			limit int
			want  []uint32
		}{
			{"Subjects", r.Subjects, 0, 10, []uint32{3, 12, 500, 70000}},
			{"Subjects", r.Subjects, 0, 4, []uint32{3, 12, 500, 70000}},
			{"Subjects", r.Subjects, 0, 2, []uint32{3, 12}},
			{"Subjects", r.Subjects, 3, 2, []uint32{12, 500}}, // after an id stored: it is left out
			{"Subjects", r.Subjects, 13, 10, []uint32{500, 70000}},
			{"Subjects", r.Subjects, 500, 1, []uint32{70000}},
			{"Subjects", r.Subjects, 69999, 10, []uint32{70000}},
			{"Subjects", r.Subjects, 70000, 10, nil}, // past the end
			{"Subjects", r.Subjects, 1 << 31, 10, nil},
			{"Subjects", r.Subjects, 0, 0, nil},
			{"Characters", r.Characters, 0, 10, []uint32{5, 40, 900}},
			{"Characters", r.Characters, 0, 1, []uint32{5}},
			{"Characters", r.Characters, 5, 10, []uint32{40, 900}},
			{"Characters", r.Characters, 41, 10, []uint32{900}},
			{"Characters", r.Characters, 900, 10, nil},
			{"Persons", r.Persons, 0, 10, []uint32{2, 7, 41}},
			{"Persons", r.Persons, 1, 2, []uint32{2, 7}},
			{"Persons", r.Persons, 7, 10, []uint32{41}},
			{"Persons", r.Persons, 41, 10, nil},
		} {
			checkAfter(t, c.name, c.r, c.after, c.limit, c.want)
		}
	})
	t.Run("KeysetWalkVisitsEveryID", func(t *testing.T) {
		r := newRepos(t, f)
		var got []uint32
		var last uint32
		for range 10 {
			ids, err := r.Subjects.IDsAfter(t.Context(), last, 3)
			must(t, "Subjects.IDsAfter", err)
			if len(ids) == 0 {
				break
			}
			got, last = append(got, ids...), ids[len(ids)-1]
		}
		if diff := cmp.Diff([]uint32{3, 12, 500, 70000}, got); diff != "" {
			t.Errorf("walk by IDsAfter(last id, 3) (-want +got):\n%s", diff)
		}
	})
	t.Run("OneTableOnly", func(t *testing.T) {
		r := newRepos(t, Fixture{Persons: []person.Person{{ID: 9, Name: "only", Type: 1}}})
		checkMax(t, r, 0, 0, 9)
		checkAfter(t, "Subjects", r.Subjects, 0, 10, nil)
		checkAfter(t, "Characters", r.Characters, 0, 10, nil)
		checkAfter(t, "Persons", r.Persons, 0, 10, []uint32{9})
	})
}
