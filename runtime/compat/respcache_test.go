package compat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/server"
)

// TestResponseCache_TwoInstancesOnMySQLAndRedis runs two API instances, as two server
// processes would be composed, on one MySQL database and one Redis: each with its own
// in-process tier, both on the Redis tier and its invalidations.
func TestResponseCache_TwoInstancesOnMySQLAndRedis(t *testing.T) {
	t.Parallel()
	api := startAPI(t, apiOptions{noCache: true}) // loads the database; its handler is not used
	client, prefix := testenv.Redis(t)
	newInstance := func() (string, *httpapi.ResponseCache) {
		rc := httpapi.NewResponseCache(httpapi.ResponseCacheOptions{Shared: rediscache.NewTaggedStore(client, prefix)})
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if err := rc.Run(ctx); err != nil {
			t.Fatalf("subscribe: %v", err)
		}
		a := server.MySQLAdapters(api.DB)
		a.Cache = inmem.NewCache(nil)
		a.Timeline = inmem.NewTimelinePublisher()
		a.Responses = rc
		srv := httptest.NewServer(server.NewAPI(a, server.APIOptions{Version: "compat"}))
		t.Cleanup(srv.Close)
		return srv.URL, rc
	}
	a, _ := newInstance()
	b, rcB := newInstance()

	t.Run("NSFWNeverCrossesViewerClasses", func(t *testing.T) {
		// subject 363612 is NSFW (fixture); the old account may see it, the young one and
		// anonymous callers may not, whatever order the instances are asked in.
		for _, path := range []string{"/v0/subjects/363612", "/v0/subjects/363612/characters", "/v0/subjects/363612/persons"} {
			for _, step := range []struct {
				url, token string
				want       int
			}{
				{a, "a_development_access_token", 200}, {b, "", 404}, {a, "", 404}, {b, "parity_young_user_token", 404},
				{b, "a_development_access_token", 200}, {a, "parity_young_user_token", 404}, {b, "", 404},
			} {
				if got := do(t, step.url, http.MethodGet, path, step.token); got.Status != step.want {
					t.Fatalf("GET %s with token %q = %d, want %d", path, step.token, got.Status, step.want)
				}
			}
		}
	})

	t.Run("CollectIsVisibleOnTheOtherInstance", func(t *testing.T) {
		before := characterCollects(t, do(t, a, http.MethodGet, "/v0/characters/1", ""))
		if got := characterCollects(t, do(t, b, http.MethodGet, "/v0/characters/1", "")); got != before {
			t.Fatalf("instance b = %d collects, instance a %d", got, before)
		}
		_ = do(t, b, http.MethodGet, "/v0/characters/1", "") // in b's in-process tier now
		if rcB.Stats().LocalHits.Load()+rcB.Stats().SharedHits.Load() == 0 {
			t.Fatal("instance b never answered from the cache")
		}
		if got := do(t, a, http.MethodPost, "/v0/characters/1/collect", "parity_indices_token"); got.Status != http.StatusNoContent {
			t.Fatalf("collect = %d %s", got.Status, got.Body)
		}
		deadline := time.Now().Add(5 * time.Second)
		for characterCollects(t, do(t, b, http.MethodGet, "/v0/characters/1", "")) != before+1 {
			if time.Now().After(deadline) {
				t.Fatalf("instance b still shows %d collects 5 s after the collect on a", before)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func do(t *testing.T, baseURL, method, path, token string) golden.Response {
	t.Helper()
	req, err := golden.Request{Method: method, Path: path}.NewRequest(t.Context(), baseURL)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func characterCollects(t *testing.T, r golden.Response) int {
	t.Helper()
	var c struct {
		Stat struct{ Collects int } `json:"stat"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &c) != nil {
		t.Fatalf("GET character = %d %s", r.Status, r.Body)
	}
	return c.Stat.Collects
}
