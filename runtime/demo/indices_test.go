package demo_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/demo"
)

// TestSeed_Indices: the demo's public index lists its three subjects to anyone; the index
// holding the NSFW game is hidden from anonymous callers and shown to the demo user.
func TestSeed_Indices(t *testing.T) {
	st := inmem.NewStore()
	now := time.Now()
	demo.Seed(st, now)
	uc := usecase.Indices{Indices: st.Indices()}
	page, err := uc.ListSubjects(t.Context(), auth.Auth{}, 1, 0, usecase.Page{Limit: 30})
	if err != nil || page.Total != 3 || len(page.Items) != 3 || page.Items[0].Subject.ID != 1 {
		t.Errorf("ListSubjects(1) = %+v, %v; want 3 subjects, subject 1 first", page, err)
	}
	if _, err := uc.Get(t.Context(), auth.Auth{}, 2); err == nil {
		t.Error("Get(2) as anonymous: no error, want not found (it lists an NSFW subject)")
	}
	u, err := st.Users().Get(t.Context(), demo.UserID)
	if err != nil {
		t.Fatal(err)
	}
	i, err := uc.Get(t.Context(), auth.Auth{UserID: u.ID, RegTime: u.RegTime}, 2)
	if err != nil || !i.NSFW || i.Creator.Username != demo.Username {
		t.Errorf("Get(2) as the demo user = %+v, %v; want the NSFW index by %s", i, err, demo.Username)
	}
}
