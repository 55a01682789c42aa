package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// withNSFWAgeUsers adds accounts registered around the 60-day NSFW threshold before testNow
// (2026-11-26 23:38:50 UTC), each with a token named after it. The dates are literal: the test
// must fail when auth.NSFWAge or its comparison changes.
func withNSFWAgeUsers() apiOption {
	return func(_ *Deps, st *inmem.Store) {
		forever := time.Date(2037, 12, 31, 0, 0, 0, 0, time.UTC)
		for _, u := range []struct {
			id    uint32
			token string
			reg   time.Time
		}{
			{910059, "nsfw_age_59_days", time.Date(2026, 9, 28, 23, 38, 50, 0, time.UTC)},
			{910060, "nsfw_age_60_days_less_1s", time.Date(2026, 9, 27, 23, 38, 51, 0, time.UTC)},
			{910061, "nsfw_age_60_days", time.Date(2026, 9, 27, 23, 38, 50, 0, time.UTC)},
			{910062, "nsfw_age_61_days", time.Date(2026, 9, 26, 23, 38, 50, 0, time.UTC)},
			{910063, "nsfw_age_3_days", time.Date(2026, 11, 23, 23, 38, 50, 0, time.UTC)},
		} {
			st.PutUser(user.User{ID: u.id, Username: u.token, GroupID: 10, RegTime: u.reg})
			st.PutToken(u.token, forever, auth.Token{UserID: strconv.FormatUint(uint64(u.id), 10)})
		}
	}
}

func TestNSFWAgeThreshold_HTTP(t *testing.T) {
	if got := testNow.Sub(time.Date(2026, 9, 27, 23, 38, 50, 0, time.UTC)); got != 1440*time.Hour {
		t.Fatalf("the exact-boundary account is %v old at testNow, want 1440h (60 days)", got)
	}
	api := newTestAPI(t, withNSFWAgeUsers())
	for _, tc := range []struct {
		token string
		nsfw  bool
	}{
		{"nsfw_age_3_days", false},
		{"nsfw_age_59_days", false},
		{"nsfw_age_60_days_less_1s", false},
		{"nsfw_age_60_days", true}, // the rule is "at least 60 days": the boundary is allowed
		{"nsfw_age_61_days", true},
	} {
		for _, path := range []string{"/v0/subjects/363612", "/v0/characters/90001"} {
			want := http.StatusNotFound
			if tc.nsfw {
				want = http.StatusOK
			}
			if w := api.get(t, path, bearer(tc.token)...); w.Code != want {
				t.Errorf("GET %s as %s = %d, want %d\n%s", path, tc.token, w.Code, want, w.Body.String())
			}
		}
	}
}

// unreachableCollect is a collect use case whose repositories and unit of work count every call.
type unreachableCollect struct {
	calls atomic.Int64
}

type scopeCountingCharacters struct {
	ports.CharacterRepository
	calls *atomic.Int64
}

func (c scopeCountingCharacters) Get(ctx context.Context, id uint32) (character.Character, error) {
	c.calls.Add(1)
	return c.CharacterRepository.Get(ctx, id)
}

type scopeCountingPersons struct {
	ports.PersonRepository
	calls *atomic.Int64
}

func (c scopeCountingPersons) Get(ctx context.Context, id uint32) (person.Person, error) {
	c.calls.Add(1)
	return c.PersonRepository.Get(ctx, id)
}

type scopeCountingUoW struct {
	ports.UnitOfWork
	calls *atomic.Int64
}

func (u scopeCountingUoW) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	u.calls.Add(1)
	return u.UnitOfWork.Do(ctx, fn)
}

func (u *unreachableCollect) option() apiOption {
	return func(d *Deps, st *inmem.Store) {
		d.Collect.Characters = scopeCountingCharacters{st.Characters(), &u.calls}
		d.Collect.Persons = scopeCountingPersons{st.Persons(), &u.calls}
		d.Collect.UoW = scopeCountingUoW{st.UnitOfWork(), &u.calls}
	}
}

// TestCollectRoutes_ScopeCheckedByRoute shows that a token without write:collection is stopped
// by the route's needScope middleware: the handler never runs (an invalid id would be its 400)
// and the use case touches neither its repositories nor its unit of work.
func TestCollectRoutes_ScopeCheckedByRoute(t *testing.T) {
	uc := &unreachableCollect{}
	api := newTestAPI(t, uc.option())
	for _, method := range []string{http.MethodPost, http.MethodDelete} {
		for _, path := range []string{
			"/v0/characters/2/collect", "/v0/persons/1/collect",
			// The handler answers 400 for these ids; 403 means it was not reached.
			"/v0/characters/abc/collect", "/v0/characters/0/collect", "/v0/persons/abc/collect", "/v0/persons/0/collect",
		} {
			w := api.do(t, request{method: method, path: path, headers: map[string]string{"Authorization": "Bearer " + tokenReadonly}})
			if want := errJSON(403, `"insufficient token scope"`, path, method); w.Code != http.StatusForbidden || strings.TrimSpace(w.Body.String()) != want {
				t.Errorf("%s %s with a token without write:collection = %d %s, want 403 %s", method, path, w.Code, w.Body.String(), want)
			}
		}
	}
	if n := uc.calls.Load(); n != 0 {
		t.Errorf("the collect use case read a repository or ran a transaction %d times for tokens without scope, want 0", n)
	}
	// The doubles do count: a token with the scope reaches them.
	if w := api.do(t, request{method: http.MethodPost, path: "/v0/characters/2/collect", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}); w.Code != http.StatusNoContent {
		t.Fatalf("POST with write:collection = %d %s", w.Code, w.Body.String())
	}
	if uc.calls.Load() == 0 {
		t.Error("the counting doubles saw no call from an allowed collect; the test would prove nothing")
	}
}
