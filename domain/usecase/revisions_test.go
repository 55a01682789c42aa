package usecase_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/usecase"
)

func TestRevisions_List(t *testing.T) {
	st := inmem.NewStore()
	for id := uint32(1); id <= 3; id++ {
		st.PutRevision(1, revision.Revision{ID: id, Type: 2, EntityID: 7, CreatedAt: time.Unix(int64(id), 0).UTC()})
	}
	uc := usecase.Revisions{Revisions: st.Revisions()}
	ctx := t.Context()

	t.Run("NoRevisionsIsAnEmptyPage", func(t *testing.T) {
		// Not even an offset check: bangumi answers 200 for any offset of an empty list.
		got, err := uc.List(ctx, revision.KindCharacter, 404, usecase.Page{Limit: 30, Offset: 99})
		if err != nil || got.Total != 0 || got.Items == nil || len(got.Items) != 0 {
			t.Errorf("List(empty) = %+v, %v; want an empty non-nil page", got, err)
		}
	})
	t.Run("OffsetPastTotalIsInvalid", func(t *testing.T) {
		_, err := uc.List(ctx, revision.KindCharacter, 7, usecase.Page{Limit: 30, Offset: 4})
		if !errors.Is(err, domain.ErrInvalid) || err.Error() != "offset should be less than or equal to 3" {
			t.Errorf("List(offset 4 of 3) error = %v", err)
		}
	})
	t.Run("NewestFirst", func(t *testing.T) {
		got, err := uc.List(ctx, revision.KindCharacter, 7, usecase.Page{Limit: 2, Offset: 1})
		if err != nil || got.Total != 3 || len(got.Items) != 2 || got.Items[0].ID != 2 || got.Items[1].ID != 1 {
			t.Errorf("List(limit 2, offset 1) = %+v, %v", got, err)
		}
	})
}

func TestRevisions_Get(t *testing.T) {
	st := inmem.NewStore()
	st.PutRevision(1, revision.Revision{ID: 1, Type: 2, EntityID: 7})
	st.PutRevisionText(1, []byte{0xff, 0x00}) // not DEFLATE
	uc := usecase.Revisions{Revisions: st.Revisions()}

	if _, err := uc.Get(t.Context(), revision.KindCharacter, 2); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
	_, err := uc.Get(t.Context(), revision.KindCharacter, 1)
	if err == nil || !errors.Is(err, revision.ErrCorrupt) {
		t.Fatalf("Get(corrupt) error = %v, want ErrCorrupt", err)
	}
	for _, kind := range []error{domain.ErrNotFound, domain.ErrInvalid, domain.ErrUnavailable} {
		if errors.Is(err, kind) {
			t.Errorf("Get(corrupt) error %v is a domain kind (%v): it must be an internal error (500)", err, kind)
		}
	}
}
