package demo_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/demo"
)

// TestSeed_Episodes: the demo anime lists its fifteen visible episodes, main ones first, and
// the demo user sees its marks on them.
func TestSeed_Episodes(t *testing.T) {
	st := inmem.NewStore()
	demo.Seed(st, time.Now())
	uc := usecase.Episodes{Episodes: st.Episodes(), Subjects: st.Subjects()}
	page, err := uc.List(t.Context(), auth.Auth{}, ports.EpisodeFilter{SubjectID: 1}, usecase.Page{Limit: 100})
	if err != nil || page.Total != 15 || len(page.Items) != 15 || page.Items[0].Ep != 1 || page.Items[11].Ep != 12 {
		t.Fatalf("List(subject 1) = %+v, %v; want 15 episodes, 1 to 12 first", page, err)
	}
	d, err := st.Subjects().CountEpisodes(t.Context(), 1)
	if err != nil || d != 15 {
		t.Errorf("CountEpisodes(1) = %d, %v; want 15 (the subject's total_episodes)", d, err)
	}
	u, err := st.Users().Get(t.Context(), demo.UserID)
	if err != nil {
		t.Fatal(err)
	}
	marks, err := uc.ListMarked(t.Context(), auth.Auth{UserID: u.ID, RegTime: u.RegTime}, ports.EpisodeFilter{SubjectID: 1}, usecase.Page{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []episode.Status
	for _, m := range marks.Items {
		got = append(got, m.Status)
	}
	want := []episode.Status{episode.StatusDone, episode.StatusDone, episode.StatusDone, episode.StatusWish, episode.StatusNone}
	if len(got) != len(want) {
		t.Fatalf("marks = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("marks = %v, want %v", got, want)
		}
	}
	if marks.Items[0].UpdatedAt == 0 || marks.Items[2].UpdatedAt != 0 {
		t.Errorf("updated_at = %d and %d, want a time for episode 101 and 0 for 103 (no time stored)", marks.Items[0].UpdatedAt, marks.Items[2].UpdatedAt)
	}
}
