package demo_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/demo"
)

// TestSeed_Revisions: the demo's edit history lists and decodes (the stored texts are valid).
func TestSeed_Revisions(t *testing.T) {
	st := inmem.NewStore()
	demo.Seed(st, time.Now())
	uc := usecase.Revisions{Revisions: st.Revisions()}
	for _, tc := range []struct {
		k     revision.Kind
		id    uint32
		n     int64
		rev   uint32
		items int
	}{
		{revision.KindSubject, 1, 2, 2, 0},
		{revision.KindCharacter, 1, 2, 2, 2},
		{revision.KindPerson, 1, 1, 3, 1},
	} {
		page, err := uc.List(t.Context(), tc.k, tc.id, usecase.Page{Limit: 30})
		if err != nil || page.Total != tc.n {
			t.Errorf("List(%s, %d) = %d, %v; want %d", tc.k, tc.id, page.Total, err, tc.n)
		}
		d, err := uc.Get(t.Context(), tc.k, tc.rev)
		if err != nil {
			t.Fatalf("Get(%s, %d): %v", tc.k, tc.rev, err)
		}
		if n := len(d.Characters) + len(d.Persons); n != tc.items {
			t.Errorf("Get(%s, %d) has %d items of data, want %d: %+v", tc.k, tc.rev, n, tc.items, d)
		}
		if d.Revision.Creator.Username != demo.Username {
			t.Errorf("Get(%s, %d).Creator = %+v", tc.k, tc.rev, d.Revision.Creator)
		}
	}
}
