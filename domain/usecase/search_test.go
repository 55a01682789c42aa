package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// fakeIndex answers every query with the configured result or error and records the queries.
type fakeIndex struct {
	mu      sync.Mutex
	result  search.Result
	err     error
	queries []search.Query
}

func (f *fakeIndex) Upsert(context.Context, search.Documents) error       { return nil }
func (f *fakeIndex) Delete(context.Context, search.Kind, ...uint32) error { return nil }
func (f *fakeIndex) Count(context.Context, search.Kind) (int64, error)    { return 0, nil }
func (f *fakeIndex) Search(_ context.Context, q search.Query) (search.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	return f.result, f.err
}

func (f *fakeIndex) lastQuery(t *testing.T) search.Query {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		t.Fatal("the index was not asked")
	}
	return f.queries[len(f.queries)-1]
}

var _ ports.SearchIndex = (*fakeIndex)(nil)

// byIDsCalls records the GetByIDs calls of the counting repositories below.
type byIDsCalls struct {
	mu    sync.Mutex
	calls [][]uint32
	err   error // returned instead of reading, when set
}

func (c *byIDsCalls) record(ids []uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, slices.Clone(ids))
	return c.err
}

func (c *byIDsCalls) list() [][]uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

type byIDsSubjects struct {
	ports.SubjectRepository
	*byIDsCalls
}

func (r byIDsSubjects) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]subject.Subject, error) {
	if err := r.record(ids); err != nil {
		return nil, err
	}
	return r.SubjectRepository.GetByIDs(ctx, ids)
}

type byIDsCharacters struct {
	ports.CharacterRepository
	*byIDsCalls
}

func (r byIDsCharacters) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]character.Character, error) {
	if err := r.record(ids); err != nil {
		return nil, err
	}
	return r.CharacterRepository.GetByIDs(ctx, ids)
}

type byIDsPersons struct {
	ports.PersonRepository
	*byIDsCalls
}

func (r byIDsPersons) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]person.Person, error) {
	if err := r.record(ids); err != nil {
		return nil, err
	}
	return r.PersonRepository.GetByIDs(ctx, ids)
}

type searchFixture struct {
	uc    *usecase.Search
	index *fakeIndex
	calls *byIDsCalls
}

func newSearch(st *inmem.Store) searchFixture {
	f := searchFixture{index: &fakeIndex{}, calls: &byIDsCalls{}}
	f.uc = &usecase.Search{
		Index:      f.index,
		Subjects:   byIDsSubjects{st.Subjects(), f.calls},
		Characters: byIDsCharacters{st.Characters(), f.calls},
		Persons:    byIDsPersons{st.Persons(), f.calls},
		Clock:      fixedClock{},
	}
	return f
}

func ids[T any](items []T, id func(T) uint32) []uint32 {
	out := make([]uint32, len(items))
	for i, v := range items {
		out[i] = id(v)
	}
	return out
}

func TestSearch_FindSubjects_Hydration(t *testing.T) {
	st := seed()
	t.Run("HitOrderKeptMissingSkipped", func(t *testing.T) {
		f := newSearch(st)
		// 2 is NSFW and 3 merged: search hydrates them as they are (the index filtered).
		f.index.result = search.Result{IDs: []uint32{4, 999, 2, 1, 3}, Total: 42}
		page, err := f.uc.FindSubjects(t.Context(), oldUser, search.SubjectRequest{Keyword: "k"}, 5, 15)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(page.Items, func(s subject.Subject) uint32 { return s.ID })
		if diff := cmp.Diff([]uint32{4, 2, 1, 3}, got); diff != "" {
			t.Errorf("items mismatch (-want +got):\n%s", diff)
		}
		if page.Total != 42 || page.Limit != 5 || page.Offset != 15 {
			t.Errorf("total, limit, offset = %d, %d, %d; want 42, 5, 15", page.Total, page.Limit, page.Offset)
		}
		if diff := cmp.Diff([][]uint32{{4, 999, 2, 1, 3}}, f.calls.list()); diff != "" {
			t.Errorf("GetByIDs calls mismatch (-want +got):\n%s", diff)
		}
		q := f.index.lastQuery(t)
		if q.Kind != search.KindSubject || q.Keyword != "k" || q.Limit != 5 || q.Offset != 15 {
			t.Errorf("query = %+v; want subjects, keyword k, limit 5, offset 15", q)
		}
	})
	t.Run("NoHitNoRead", func(t *testing.T) {
		f := newSearch(st)
		f.index.result = search.Result{Total: 3} // past the end of the hits
		page, err := f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{}, 10, 30)
		if err != nil {
			t.Fatal(err)
		}
		if page.Items == nil || len(page.Items) != 0 || page.Total != 3 {
			t.Errorf("page = %+v; want no item (not nil) and total 3", page)
		}
		if n := len(f.calls.list()); n != 0 {
			t.Errorf("GetByIDs called %d times; want 0", n)
		}
	})
	t.Run("DuplicateHitsReadOnce", func(t *testing.T) {
		f := newSearch(st)
		f.index.result = search.Result{IDs: []uint32{1, 4, 1}, Total: 3}
		page, err := f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]uint32{1, 4, 1}, ids(page.Items, func(s subject.Subject) uint32 { return s.ID })); diff != "" {
			t.Errorf("items mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]uint32{{1, 4}}, f.calls.list()); diff != "" {
			t.Errorf("GetByIDs calls mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSearch_FindCharactersAndPersons(t *testing.T) {
	st := seed()
	t.Run("Characters", func(t *testing.T) {
		f := newSearch(st)
		f.index.result = search.Result{IDs: []uint32{3, 77, 1, 2}, Total: 4}
		page, err := f.uc.FindCharacters(t.Context(), oldUser, search.CharacterRequest{Keyword: "c"}, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]uint32{3, 1, 2}, ids(page.Items, func(c character.Character) uint32 { return c.ID })); diff != "" {
			t.Errorf("items mismatch (-want +got):\n%s", diff)
		}
		if n := len(f.calls.list()); n != 1 {
			t.Errorf("GetByIDs called %d times; want 1", n)
		}
		if q := f.index.lastQuery(t); q.Kind != search.KindCharacter {
			t.Errorf("query kind = %v; want characters", q.Kind)
		}
	})
	t.Run("Persons", func(t *testing.T) {
		f := newSearch(st)
		f.index.result = search.Result{IDs: []uint32{2, 88, 1}, Total: 9}
		page, err := f.uc.FindPersons(t.Context(), search.PersonRequest{Career: []string{"seiyu"}}, 2, 4)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]uint32{2, 1}, ids(page.Items, func(p person.Person) uint32 { return p.ID })); diff != "" {
			t.Errorf("items mismatch (-want +got):\n%s", diff)
		}
		if page.Total != 9 || page.Limit != 2 || page.Offset != 4 {
			t.Errorf("total, limit, offset = %d, %d, %d; want 9, 2, 4", page.Total, page.Limit, page.Offset)
		}
		if n := len(f.calls.list()); n != 1 {
			t.Errorf("GetByIDs called %d times; want 1", n)
		}
		want := search.Filter{{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("seiyu")}}}
		if diff := cmp.Diff(want, f.index.lastQuery(t).Filter); diff != "" {
			t.Errorf("filter mismatch (-want +got):\n%s", diff)
		}
	})
}

// TestSearch_NSFW: the viewer's NSFW right reaches the query (D3), decided with the use case's
// clock. The dates are literal: 2026-04-01 is 61 days before now (2026-06-01), 2026-04-03 is 59.
func TestSearch_NSFW(t *testing.T) {
	noNSFW := search.Clause{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(false)}}
	viewers := []struct {
		name  string
		a     auth.Auth
		allow bool
	}{
		{"Anonymous", auth.Auth{}, false},
		{"59DaysOld", auth.Auth{UserID: 20, RegTime: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC), Legacy: true}, false},
		{"61DaysOld", auth.Auth{UserID: 21, RegTime: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Legacy: true}, true},
	}
	st := seed()
	for _, v := range viewers {
		t.Run(v.name, func(t *testing.T) {
			var want search.Filter
			if !v.allow {
				want = search.Filter{noNSFW}
			}
			f := newSearch(st)
			if _, err := f.uc.FindSubjects(t.Context(), v.a, search.SubjectRequest{}, 10, 0); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, f.index.lastQuery(t).Filter); diff != "" {
				t.Errorf("subjects filter mismatch (-want +got):\n%s", diff)
			}
			if _, err := f.uc.FindCharacters(t.Context(), v.a, search.CharacterRequest{}, 10, 0); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, f.index.lastQuery(t).Filter); diff != "" {
				t.Errorf("characters filter mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSearch_Errors(t *testing.T) {
	st := seed()
	t.Run("InvalidRequestNeverReachesTheIndex", func(t *testing.T) {
		f := newSearch(st)
		_, err := f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{Sort: "newest"}, 10, 0)
		wantKind(t, err, domain.ErrInvalid, "sort not supported")
		_, err = f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{Filter: search.SubjectFilter{Rank: []string{"1"}}}, 10, 0)
		wantKind(t, err, domain.ErrInvalid, `invalid rank filter: "1", should be in the format of "^(>|<|>=|<=|=) *\d+$"`)
		if n := len(f.index.queries); n != 0 {
			t.Errorf("the index was asked %d times; want 0", n)
		}
	})
	indexErr := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name    string
		err     error
		unavail bool
	}{
		{"IndexFails", indexErr, false},
		{"IndexUnavailable", fmt.Errorf("meilisearch: %w: %w", domain.ErrUnavailable, indexErr), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSearch(st)
			f.index.err = tc.err
			calls := []func() error{
				func() error {
					_, err := f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{}, 10, 0)
					return err
				},
				func() error {
					_, err := f.uc.FindCharacters(t.Context(), anonymous, search.CharacterRequest{}, 10, 0)
					return err
				},
				func() error { _, err := f.uc.FindPersons(t.Context(), search.PersonRequest{}, 10, 0); return err },
			}
			for _, call := range calls {
				err := call()
				if !errors.Is(err, indexErr) {
					t.Fatalf("err = %v; want it to wrap the index's error", err)
				}
				if got := errors.Is(err, domain.ErrUnavailable); got != tc.unavail {
					t.Errorf("errors.Is(%v, ErrUnavailable) = %v; want %v", err, got, tc.unavail)
				}
				for _, kind := range []error{domain.ErrInvalid, domain.ErrNotFound} {
					if errors.Is(err, kind) {
						t.Errorf("err = %v is %v; want an internal error", err, kind)
					}
				}
			}
			if n := len(f.calls.list()); n != 0 {
				t.Errorf("GetByIDs called %d times after an index error; want 0", n)
			}
		})
	}
	t.Run("HydrationFails", func(t *testing.T) {
		f := newSearch(st)
		f.index.result = search.Result{IDs: []uint32{1}, Total: 1}
		dbErr := fmt.Errorf("mysql: %w", domain.ErrUnavailable)
		f.calls.err = dbErr
		_, err := f.uc.FindSubjects(t.Context(), anonymous, search.SubjectRequest{}, 10, 0)
		if !errors.Is(err, dbErr) || !errors.Is(err, domain.ErrUnavailable) {
			t.Errorf("err = %v; want it to wrap the repository's error", err)
		}
	})
}
