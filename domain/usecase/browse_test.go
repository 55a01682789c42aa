package usecase_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
)

func TestBrowse_List(t *testing.T) {
	st := inmem.NewStore()
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	st.PutSubject(
		subject.Subject{ID: 1, Type: subject.TypeAnime, Date: day},
		subject.Subject{ID: 2, Type: subject.TypeAnime, Date: day, NSFW: true},
		subject.Subject{ID: 3, Type: subject.TypeAnime, Date: day},
	)
	st.PutMetaTags(3, subject.TypeAnime, "TV")
	uc := usecase.Browse{Browser: st.Browser()}
	ctx := t.Context()
	anon := auth.Auth{}
	old := auth.Auth{UserID: 1, RegTime: day.AddDate(-1, 0, 0)}
	page := usecase.Page{Limit: 30}
	ids := func(p usecase.Paged[usecase.BrowseItem]) (out []uint32) {
		for _, it := range p.Items {
			out = append(out, it.Subject.ID)
		}
		return out
	}

	t.Run("TypeZeroIsAnEmptyPage", func(t *testing.T) {
		got, err := uc.List(ctx, old, subject.BrowseFilter{}, usecase.Page{Limit: 30, Offset: 99})
		if err != nil || got.Total != 0 || got.Items == nil || len(got.Items) != 0 {
			t.Errorf("List(type 0) = %+v, %v; want an empty non-nil page", got, err)
		}
	})
	t.Run("NSFWOnlyForViewersAllowed", func(t *testing.T) {
		got, err := uc.List(ctx, anon, subject.BrowseFilter{Type: subject.TypeAnime}, page)
		if err != nil || got.Total != 2 || len(ids(got)) != 2 || ids(got)[1] != 3 {
			t.Errorf("List(anonymous) = %v (total %d), %v; want 1, 3", ids(got), got.Total, err)
		}
		got, err = uc.List(ctx, old, subject.BrowseFilter{Type: subject.TypeAnime}, page)
		if err != nil || got.Total != 3 {
			t.Errorf("List(old account) = %v (total %d), %v; want 1, 2, 3", ids(got), got.Total, err)
		}
	})
	t.Run("MetaTagsNeverNil", func(t *testing.T) {
		got, err := uc.List(ctx, anon, subject.BrowseFilter{Type: subject.TypeAnime}, page)
		if err != nil || got.Items[0].MetaTags == nil || len(got.Items[1].MetaTags) != 1 {
			t.Errorf("List() items = %+v, %v", got.Items, err)
		}
	})
	t.Run("OffsetPastTotalIsInvalid", func(t *testing.T) {
		_, err := uc.List(ctx, anon, subject.BrowseFilter{Type: subject.TypeAnime}, usecase.Page{Limit: 30, Offset: 3})
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("List(offset 3 of 2) error = %v, want ErrInvalid", err)
		}
	})
}
