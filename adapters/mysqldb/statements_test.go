package mysqldb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// statementFixture has 60 subjects, characters and persons (ids 1..60), linked to each other.
func statementFixture() contracttests.Fixture {
	var f contracttests.Fixture
	for id := uint32(1); id <= 60; id++ {
		f.Subjects = append(f.Subjects, subject.Subject{ID: id, Type: subject.TypeAnime, Name: fmt.Sprint("s", id),
			Tags: []subject.Tag{{Name: "t", Count: 1}}, RateCounts: [10]uint32{1}})
		f.Characters = append(f.Characters, character.Character{ID: id, Name: fmt.Sprint("c", id)})
		f.Persons = append(f.Persons, person.Person{ID: id, Name: fmt.Sprint("p", id)})
		f.Appearances = append(f.Appearances, character.Appearance{CharacterID: id, SubjectID: 1})
		f.Casts = append(f.Casts, character.Cast{CharacterID: id, PersonID: id, SubjectID: 1})
		f.Credits = append(f.Credits, person.Credit{PersonID: id, SubjectID: 1, Position: 1})
	}
	return f
}

func seqIDs(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}

// TestStatements_ConstantPerCall counts the statements each repository call sends to MySQL:
// GetByIDs runs one statement for 1 id and for 50 ids (no N+1), none for no ids.
func TestStatements_ConstantPerCall(t *testing.T) {
	dsn, db := testenv.MySQL(t)
	loadFixture(t, db, statementFixture())
	counted, cc := countingDB(t, dsn)
	r := readRepos(counted)
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		want int64
		call func() error
	}{
		{"Subjects.Get", 1, func() error { _, err := r.Subjects.Get(ctx, 1); return err }},
		{"Subjects.GetByIDs/0", 0, func() error { _, err := r.Subjects.GetByIDs(ctx, nil); return err }},
		{"Subjects.GetByIDs/1", 1, func() error { _, err := r.Subjects.GetByIDs(ctx, seqIDs(1)); return err }},
		{"Subjects.GetByIDs/50", 1, func() error { _, err := r.Subjects.GetByIDs(ctx, seqIDs(50)); return err }},
		{"Subjects.CountEpisodes", 1, func() error { _, err := r.Subjects.CountEpisodes(ctx, 1); return err }},
		{"Subjects.MetaTags", 1, func() error { _, err := r.Subjects.MetaTags(ctx, 1, 2); return err }},
		{"Subjects.EpisodesAndMetaTags", 1, func() error { _, _, err := r.Subjects.EpisodesAndMetaTags(ctx, 1, 2); return err }},
		{"Subjects.Relations", 1, func() error { _, err := r.Subjects.Relations(ctx, 1); return err }},
		{"Subjects.RelatedSubjects", 1, func() error { _, err := r.Subjects.RelatedSubjects(ctx, 1); return err }},
		{"Characters.Get", 1, func() error { _, err := r.Characters.Get(ctx, 1); return err }},
		{"Characters.GetByIDs/1", 1, func() error { _, err := r.Characters.GetByIDs(ctx, seqIDs(1)); return err }},
		{"Characters.GetByIDs/50", 1, func() error { _, err := r.Characters.GetByIDs(ctx, seqIDs(50)); return err }},
		{"Persons.Get", 1, func() error { _, err := r.Persons.Get(ctx, 1); return err }},
		{"Persons.GetByIDs/1", 1, func() error { _, err := r.Persons.GetByIDs(ctx, seqIDs(1)); return err }},
		{"Persons.GetByIDs/50", 1, func() error { _, err := r.Persons.GetByIDs(ctx, seqIDs(50)); return err }},
		{"Links.Appearances", 1, func() error {
			_, err := r.Links.Appearances(ctx, ports.AppearanceFilter{CharacterIDs: seqIDs(50)})
			return err
		}},
		{"Links.Casts", 1, func() error {
			_, err := r.Links.Casts(ctx, ports.CastFilter{SubjectID: 1, CharacterIDs: seqIDs(50)})
			return err
		}},
		{"Links.Credits", 1, func() error { _, err := r.Links.Credits(ctx, ports.CreditFilter{SubjectID: 1}); return err }},
		// The joined reads: one statement for the 60 links of subject 1 and their rows.
		{"Links.SubjectStaff", 1, func() error { l, err := r.Links.SubjectStaff(ctx, 1); return atLeast(60, l, err) }},
		{"Links.SubjectCharacters", 1, func() error { l, err := r.Links.SubjectCharacters(ctx, 1); return atLeast(60, l, err) }},
		{"Links.CharacterSubjects", 1, func() error { l, err := r.Links.CharacterSubjects(ctx, 1); return atLeast(1, l, err) }},
		{"Links.PersonSubjects", 1, func() error { l, err := r.Links.PersonSubjects(ctx, 1); return atLeast(1, l, err) }},
		{"Links.CharacterCasts", 1, func() error { l, err := r.Links.CharacterCasts(ctx, 1); return atLeast(1, l, err) }},
		{"Links.PersonCasts", 1, func() error { l, err := r.Links.PersonCasts(ctx, 1); return atLeast(1, l, err) }},
		{"Users.GetByUsername", 1, func() error {
			_, err := r.Users.GetByUsername(ctx, "nobody")
			return ignoreNotFound(err)
		}},
		{"SubjectCollections.List", 1, func() error {
			_, err := r.SubjectCollections.List(ctx, user.SubjectCollectionFilter{UserID: 1}, 30, 0)
			return err
		}},
		{"MonoCollects.List", 1, func() error { _, err := r.MonoCollects.List(ctx, 1, mono.Character, 30, 0); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc.Reset()
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			if got := cc.Count(); got != tc.want {
				t.Errorf("%s ran %d statements, want %d:\n%q", tc.name, got, tc.want, cc.Statements())
			}
		})
	}
}

// TestStatements_GetByIDsSameCountForOneAndFifty checks the result sizes too, so the counts
// above cannot come from a call that found nothing.
func TestStatements_GetByIDsSameCountForOneAndFifty(t *testing.T) {
	dsn, db := testenv.MySQL(t)
	loadFixture(t, db, statementFixture())
	counted, cc := countingDB(t, dsn)
	r := readRepos(counted)
	ctx := context.Background()

	counts := map[int]int64{}
	for _, n := range []int{1, 50} {
		cc.Reset()
		got, err := r.Subjects.GetByIDs(ctx, seqIDs(n))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("GetByIDs(%d ids) found %d subjects", n, len(got))
		}
		counts[n] = cc.Count()
	}
	if counts[1] != counts[50] || counts[1] != 1 {
		t.Errorf("GetByIDs ran %d statements for 1 id and %d for 50, want 1 each", counts[1], counts[50])
	}
}

// atLeast checks that a list call found at least n rows, so that a count of one statement
// cannot come from a call that found nothing.
func atLeast[T any](n int, rows []T, err error) error {
	if err == nil && len(rows) < n {
		err = fmt.Errorf("%d rows, want at least %d", len(rows), n)
	}
	return err
}

func ignoreNotFound(err error) error {
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	return nil
}
