package usecase_test

import (
	"errors"
	"testing"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
)

func TestIndices(t *testing.T) {
	st := inmem.NewStore()
	st.PutSubject(subject.Subject{ID: 1, Type: subject.TypeAnime}, subject.Subject{ID: 2, Type: subject.TypeGame, NSFW: true})
	st.PutIndex(index.Index{ID: 1, CreatorID: 7}, index.Index{ID: 2, CreatorID: 7, Privacy: index.Private},
		index.Index{ID: 3, CreatorID: 7}, index.Index{ID: 4, CreatorID: 7})
	st.PutIndexEntry(
		index.Entry{ID: 1, IndexID: 1, SubjectType: 2, TargetID: 1, Order: 1},
		index.Entry{ID: 2, IndexID: 1, SubjectType: 2, TargetID: 404, Order: 2},
		index.Entry{ID: 3, IndexID: 3, SubjectType: 4, TargetID: 2},
	)
	uc := usecase.Indices{Indices: st.Indices(), Clock: fixedClock{}}
	ctx := t.Context()
	anon := auth.Auth{}
	young := auth.Auth{UserID: 7, RegTime: now.AddDate(0, 0, -1)}
	old := auth.Auth{UserID: 8, RegTime: now.AddDate(-1, 0, 0)}
	notFound := func(t *testing.T, err error, msg string) {
		t.Helper()
		var de *domain.Error
		if !errors.Is(err, domain.ErrNotFound) || !errors.As(err, &de) || de.Msg != msg {
			t.Errorf("error = %v, want not found %q", err, msg)
		}
	}

	t.Run("GetHidesWhatTheViewerMayNotSee", func(t *testing.T) {
		for _, tc := range []struct {
			id     uint32
			viewer auth.Auth
			ok     bool
		}{{1, anon, true}, {2, anon, false}, {2, young, true}, {2, old, false}, {3, anon, false}, {3, young, false}, {3, old, true}, {404, old, false}} {
			_, err := uc.Get(ctx, tc.viewer, tc.id)
			if tc.ok && err != nil {
				t.Errorf("Get(%d) as %d: %v", tc.id, tc.viewer.UserID, err)
			}
			if !tc.ok {
				notFound(t, err, "index not found")
			}
		}
	})
	t.Run("ListSubjectsOfAHiddenIndexIsTheGenericNotFound", func(t *testing.T) {
		_, err := uc.ListSubjects(ctx, anon, 3, 0, usecase.Page{Limit: 30, Offset: 99})
		notFound(t, err, domain.NotFoundMessage)
	})
	t.Run("ListSubjectsEmptyPageThenOffsetCheck", func(t *testing.T) {
		got, err := uc.ListSubjects(ctx, anon, 4, 0, usecase.Page{Limit: 30, Offset: 99})
		if err != nil || got.Total != 0 || got.Items == nil {
			t.Errorf("ListSubjects(empty) = %+v, %v; want an empty page", got, err)
		}
		if _, err := uc.ListSubjects(ctx, anon, 1, 0, usecase.Page{Limit: 30, Offset: 3}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("offset past the total: %v, want invalid", err)
		}
		got, err = uc.ListSubjects(ctx, anon, 1, 2, usecase.Page{Limit: 30})
		if err != nil || got.Total != 2 || len(got.Items) != 2 || got.Items[1].Subject.ID != 0 {
			t.Errorf("ListSubjects(1, type 2) = %+v, %v; want both, the missing subject zero", got, err)
		}
	})
}
