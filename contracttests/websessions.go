package contracttests

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/ports"
)

// WebSessionRow is one session of the website as a test stores it (times in Unix seconds).
type WebSessionRow struct {
	Key                  string
	UserID               uint32
	CreatedAt, ExpiredAt int64
}

// NewWebSessions returns a repository holding rows, and a reader of a session's expiry (ok
// false when the key is not stored).
type NewWebSessions func(t *testing.T, rows []WebSessionRow) (repo ports.WebSessionRepository, expiredAt func(key string) (int64, bool))

// TestWebSessionRepository is the suite of ports.WebSessionRepository.
func TestWebSessionRepository(t *testing.T, newRepo NewWebSessions) {
	rows := []WebSessionRow{
		{Key: "a-live", UserID: 1, CreatedAt: 1000, ExpiredAt: 5000},
		{Key: "b-expired", UserID: 1, CreatedAt: 2000, ExpiredAt: 1500},
		{Key: "c-same-second", UserID: 1, CreatedAt: 3000, ExpiredAt: 9000},
		{Key: "d-later-login", UserID: 1, CreatedAt: 3001, ExpiredAt: 9000},
		{Key: "e-other-user", UserID: 2, CreatedAt: 1000, ExpiredAt: 9000},
	}
	want := func(t *testing.T, expiredAt func(string) (int64, bool), exp map[string]int64) {
		t.Helper()
		got := map[string]int64{}
		for k := range exp {
			v, ok := expiredAt(k)
			if !ok {
				t.Fatalf("session %s is gone, want it kept (expired, not deleted)", k)
			}
			got[k] = v
		}
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("expired_at (-want +got):\n%s", diff)
		}
	}
	t.Run("RevokesTheSessionsCreatedUpToTheChange", func(t *testing.T) {
		repo, expiredAt := newRepo(t, rows)
		keys, err := repo.Revoke(t.Context(), 1, time.Unix(3000, 500e6), time.Unix(3500, 0))
		if err != nil {
			t.Fatalf("Revoke() error = %v", err)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"a-live", "b-expired", "c-same-second"}, keys); diff != "" {
			t.Errorf("Revoke() keys (-want +got):\n%s", diff)
		}
		want(t, expiredAt, map[string]int64{
			"a-live": 3500, "b-expired": 1500, "c-same-second": 3500, "d-later-login": 9000, "e-other-user": 9000,
		})

		// Handled again later: the same keys, and no expiry moves (none is after the new time).
		keys, err = repo.Revoke(t.Context(), 1, time.Unix(3000, 0), time.Unix(3600, 0))
		slices.Sort(keys)
		if err != nil || !slices.Equal(keys, []string{"a-live", "b-expired", "c-same-second"}) {
			t.Errorf("Revoke() again = %v, %v", keys, err)
		}
		want(t, expiredAt, map[string]int64{"a-live": 3500, "b-expired": 1500, "c-same-second": 3500, "d-later-login": 9000})
	})
	t.Run("ZeroCreatedByRevokesEverySession", func(t *testing.T) {
		repo, expiredAt := newRepo(t, rows)
		keys, err := repo.Revoke(t.Context(), 1, time.Time{}, time.Unix(3500, 0))
		slices.Sort(keys)
		if err != nil || !slices.Equal(keys, []string{"a-live", "b-expired", "c-same-second", "d-later-login"}) {
			t.Errorf("Revoke() = %v, %v", keys, err)
		}
		want(t, expiredAt, map[string]int64{"d-later-login": 3500, "e-other-user": 9000})
	})
	t.Run("NoSessionIsNoKey", func(t *testing.T) {
		repo, _ := newRepo(t, rows)
		keys, err := repo.Revoke(t.Context(), 3, time.Time{}, time.Unix(3500, 0))
		if err != nil || len(keys) != 0 {
			t.Errorf("Revoke() of a user without sessions = %v, %v; want none", keys, err)
		}
	})
}
