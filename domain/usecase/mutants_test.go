package usecase_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// These tests kill mutants gremlins found alive in domain/usecase (issue 9).

// A person collect publishes the person category (2), and an uncollect takes its +1 back.
func TestCollect_PersonCategoryAndUncollectCounter(t *testing.T) {
	s := seed()
	tl := inmem.NewTimelinePublisher()
	c := &usecase.Collect{Characters: s.Characters(), Persons: s.Persons(), UoW: s.UnitOfWork(), Timeline: tl, Clock: fixedClock{}}
	collects := func() uint32 {
		t.Helper()
		p, err := s.Persons().Get(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return p.Collects
	}
	before := collects()
	if err := c.Add(context.Background(), oldUser, mono.Person, 1); err != nil {
		t.Fatal(err)
	}
	if got := collects(); got != before+1 {
		t.Fatalf("collects after Add = %d, want %d", got, before+1)
	}
	msgs := tl.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d timeline messages, want 1", len(msgs))
	}
	var m struct {
		Message struct{ Cat, ID int } `json:"message"`
	}
	if err := json.Unmarshal(msgs[0].Value, &m); err != nil {
		t.Fatal(err)
	}
	if m.Message.Cat != 2 || m.Message.ID != 1 {
		t.Errorf("timeline message cat %d id %d, want cat 2 (person) id 1", m.Message.Cat, m.Message.ID)
	}
	if err := c.Remove(context.Background(), oldUser, mono.Person, 1); err != nil {
		t.Fatal(err)
	}
	if got := collects(); got != before {
		t.Errorf("collects after Remove = %d, want %d (back to before the collect)", got, before)
	}
	wantKind(t, c.Remove(context.Background(), oldUser, mono.Person, 1), domain.ErrNotFound, "person not collected")
	if got := collects(); got != before {
		t.Errorf("collects after a second Remove = %d, want %d", got, before)
	}
}

// The hard pagination rule: an offset past a non-empty list is invalid, offset == total is
// an empty page, and an empty list accepts any offset (bangumi's rule).
func TestCollections_OffsetRule(t *testing.T) {
	s := seed()
	c := &usecase.Collections{Users: s.Users(), Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(),
		Collections: s.SubjectCollections(), Monos: s.MonoCollects(), Clock: fixedClock{}}
	// user Old has 3 collections visible to itself; young has none.
	if _, err := c.ListSubjects(context.Background(), oldUser, "Old", 0, 0, usecase.Page{Limit: 10, Offset: 3}); err != nil {
		t.Errorf("offset == total: %v, want an empty page", err)
	}
	_, err := c.ListSubjects(context.Background(), oldUser, "Old", 0, 0, usecase.Page{Limit: 10, Offset: 4})
	wantKind(t, err, domain.ErrInvalid, "offset should be less than or equal to 3")
	if _, err := c.ListSubjects(context.Background(), anonymous, "young", 0, 0, usecase.Page{Limit: 10, Offset: 5}); err != nil {
		t.Errorf("an offset into an empty list: %v, want an empty page", err)
	}
}

// The lists of a merged person are not found, like bangumi's.
func TestPersons_MergedHasNoLists(t *testing.T) {
	s := seed()
	s.PutPerson(person.Person{ID: 3, Name: "merged", Redirect: 1})
	p := &usecase.Persons{Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(), Links: s.Links()}
	_, err := p.SubjectsOf(context.Background(), 3)
	wantKind(t, err, domain.ErrNotFound, "")
	_, err = p.CharactersOf(context.Background(), 3)
	wantKind(t, err, domain.ErrNotFound, "")
	if _, err := p.SubjectsOf(context.Background(), 1); err != nil {
		t.Errorf("an unmerged person's subjects: %v", err)
	}
}

// countingSubjects counts CountEpisodes calls.
type countingSubjects struct {
	ports.SubjectRepository
	counts int
}

func (c *countingSubjects) CountEpisodes(ctx context.Context, id uint32) (int64, error) {
	c.counts++
	return c.SubjectRepository.CountEpisodes(ctx, id)
}

// Without cached meta tags, the detail reads the episode count with them: no second statement.
func TestSubjects_GetCountsEpisodesWithTheMetaTags(t *testing.T) {
	s := seed()
	repo := &countingSubjects{SubjectRepository: s.Subjects()}
	uc := subjects(s, nil)
	uc.Subjects = repo
	d, err := uc.Get(context.Background(), anonymous, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.TotalEpisodes != 12 || repo.counts != 0 {
		t.Errorf("TotalEpisodes %d with %d separate counts, want 12 with none", d.TotalEpisodes, repo.counts)
	}
}
