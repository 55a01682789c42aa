package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// withResponses serves the API through rc, as the server composes it: writes notify rc and the
// subject use case keeps no cache of its own.
func withResponses(rc *ResponseCache) apiOption {
	return func(d *Deps, _ *inmem.Store) {
		d.Responses = rc
		d.Collect.Changes = rc
		d.Subjects.Cache = nil
	}
}

// instance is one server process over a shared store: its own ResponseCache (in-process tier)
// on the shared tier, following the shared tier's invalidations.
func newInstance(t *testing.T, shared ports.TaggedStore, opts ...apiOption) (*testAPI, *ResponseCache) {
	t.Helper()
	rc := NewResponseCache(ResponseCacheOptions{Shared: shared})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := rc.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return newTestAPI(t, append([]apiOption{withResponses(rc)}, opts...)...), rc
}

// onStore makes the API serve the given store instead of a fresh one (two instances, one database).
func onStore(st *inmem.Store) apiOption {
	return func(d *Deps, _ *inmem.Store) {
		d.Subjects.Subjects, d.Subjects.Characters, d.Subjects.Persons, d.Subjects.Links = st.Subjects(), st.Characters(), st.Persons(), st.Links()
		d.Characters.Subjects, d.Characters.Characters, d.Characters.Persons, d.Characters.Links = st.Subjects(), st.Characters(), st.Persons(), st.Links()
		d.Persons.Subjects, d.Persons.Characters, d.Persons.Persons, d.Persons.Links = st.Subjects(), st.Characters(), st.Persons(), st.Links()
		d.Collect.Characters, d.Collect.Persons, d.Collect.UoW = st.Characters(), st.Persons(), st.UnitOfWork()
	}
}

func get(t *testing.T, api *testAPI, path, token string, headers ...string) *httpResult {
	t.Helper()
	req := request{path: path, headers: map[string]string{}}
	if token != "" {
		req.headers["Authorization"] = "Bearer " + token
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.headers[headers[i]] = headers[i+1]
	}
	w := api.do(t, req)
	return &httpResult{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

func collects(t *testing.T, r *httpResult) uint32 {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var c struct{ Stat Stat }
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	return c.Stat.Collects
}

func TestResponseCache_NSFWNeverCrossesViewerClasses(t *testing.T) {
	paths := []string{
		"/v0/subjects/363612", "/v0/subjects/363612/persons", "/v0/subjects/363612/characters",
		"/v0/subjects/363612/subjects", "/v0/subjects/363612/image?type=large", "/v0/characters/90001",
	}
	type viewer struct{ name, token string }
	old, young, anon := viewer{"old", tokenOld}, viewer{"young", tokenYoung}, viewer{"anonymous", ""}
	for _, order := range [][]viewer{{old, anon, young}, {anon, young, old}, {young, old, anon}} {
		t.Run(order[0].name+"First", func(t *testing.T) {
			shared := inmem.NewTaggedStore(nil)
			a, _ := newInstance(t, shared)
			b, _ := newInstance(t, shared) // a second instance: only the shared tier in common
			for _, p := range paths {
				for i, v := range order {
					for _, api := range []*testAPI{a, b} {
						got := get(t, api, p, v.token)
						mayView := v == old
						if mayView && got.status >= 400 || !mayView && got.status != http.StatusNotFound {
							t.Fatalf("request %d: %s GET %s = %d, want %s", i, v.name, p, got.status,
								map[bool]string{true: "an answer", false: "404"}[mayView])
						}
					}
				}
			}
		})
	}
}

func TestResponseCache_CollectIsVisibleOnNextGET(t *testing.T) {
	t.Run("OneInstance", func(t *testing.T) {
		api, rc := newInstance(t, nil)
		before := collects(t, get(t, api, "/v0/characters/1", ""))
		_ = get(t, api, "/v0/characters/1", "")
		if rc.Stats().LocalHits.Load() == 0 {
			t.Fatal("the second GET was not answered from the cache")
		}
		if w := api.do(t, request{method: http.MethodPost, path: "/v0/characters/1/collect", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}); w.Code != http.StatusNoContent {
			t.Fatalf("collect = %d %s", w.Code, w.Body)
		}
		if got := collects(t, get(t, api, "/v0/characters/1", "")); got != before+1 {
			t.Errorf("collects after the collect = %d, want %d", got, before+1)
		}
	})
	t.Run("TwoInstancesSharingTheSharedTier", func(t *testing.T) {
		shared := inmem.NewTaggedStore(nil)
		a, _ := newInstance(t, shared)
		b, rcB := newInstance(t, shared, onStore(a.store))
		before := collects(t, get(t, a, "/v0/characters/1", ""))
		if got := collects(t, get(t, b, "/v0/characters/1", "")); got != before {
			t.Fatalf("instance b = %d, want %d", got, before)
		}
		if rcB.Stats().SharedHits.Load() != 1 {
			t.Fatalf("instance b's first GET was not answered from the shared tier (stats %+v)", rcB.Stats())
		}
		_ = get(t, b, "/v0/characters/1", "") // now in b's in-process tier
		if w := a.do(t, request{method: http.MethodPost, path: "/v0/characters/1/collect", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}); w.Code != http.StatusNoContent {
			t.Fatalf("collect = %d %s", w.Code, w.Body)
		}
		waitFor(t, "instance b to show the collect", func() bool {
			return collects(t, get(t, b, "/v0/characters/1", "")) == before+1
		})
	})
}

func TestResponseCache_InvalidationEvictsOnEveryInstance(t *testing.T) {
	shared := inmem.NewTaggedStore(nil)
	a, rcA := newInstance(t, shared)
	b, _ := newInstance(t, shared, onStore(a.store))
	for _, api := range []*testAPI{a, b} {
		for range 2 {
			if got := get(t, api, "/v0/subjects/8", ""); got.status != http.StatusOK {
				t.Fatalf("GET = %d", got.status)
			}
		}
	}
	// The row changes behind the server's back (as a MySQL write seen by the canal worker).
	a.store.PutSubject(subject.Subject{ID: 8, Type: subject.TypeAnime, Name: "renamed"})
	if name := subjectName(t, get(t, b, "/v0/subjects/8", "")); name == "renamed" {
		t.Fatal("precondition: instance b re-read the subject without an invalidation")
	}
	rcA.Changed(t.Context(), ports.Change{Entity: ports.EntitySubject, ID: 8})
	for name, api := range map[string]*testAPI{"a": a, "b": b} {
		waitFor(t, "instance "+name+" to show the change", func() bool {
			return subjectName(t, get(t, api, "/v0/subjects/8", "")) == "renamed"
		})
	}
}

func subjectName(t *testing.T, r *httpResult) string {
	t.Helper()
	var s struct{ Name string }
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	return s.Name
}

// failingStore is a shared tier that is down.
type failingStore struct{ calls atomic.Int64 }

var errDown = errors.New("connection refused")

func (f *failingStore) Get(context.Context, string) ([]byte, bool, error) {
	f.calls.Add(1)
	return nil, false, errDown
}

func (f *failingStore) Put(context.Context, string, []byte, time.Duration, []string, time.Time) error {
	f.calls.Add(1)
	return errDown
}

func (f *failingStore) Invalidate(context.Context, []string, time.Time) error {
	f.calls.Add(1)
	return errDown
}

func (f *failingStore) Subscribe(context.Context, func([]string, time.Time)) error { return errDown }

func TestResponseCache_SharedTierDownDegradesToInProcess(t *testing.T) {
	down := &failingStore{}
	rc := NewResponseCache(ResponseCacheOptions{Shared: down})
	api := newTestAPI(t, withResponses(rc))
	for i := range 3 {
		if got := get(t, api, "/v0/subjects/8", ""); got.status != http.StatusOK {
			t.Fatalf("GET %d = %d %s", i, got.status, got.body)
		}
	}
	if rc.Stats().LocalHits.Load() != 2 || rc.Stats().Misses.Load() != 1 {
		t.Errorf("local hits %d, misses %d; want 2 and 1", rc.Stats().LocalHits.Load(), rc.Stats().Misses.Load())
	}
	if rc.Stats().SharedErrors.Load() == 0 || down.calls.Load() == 0 {
		t.Error("the shared tier's failures were not counted")
	}
	// A write still answers and still evicts here.
	if w := api.do(t, request{method: http.MethodPost, path: "/v0/characters/1/collect", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}); w.Code != http.StatusNoContent {
		t.Fatalf("collect with the shared tier down = %d %s", w.Code, w.Body)
	}
}

// countingCharacters counts Get calls and holds the first until released.
type countingCharacters struct {
	ports.CharacterRepository
	calls   atomic.Int64
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (c *countingCharacters) Get(ctx context.Context, id uint32) (character.Character, error) {
	if c.calls.Add(1) == 1 {
		close(c.entered)
	}
	<-c.release
	return c.CharacterRepository.Get(ctx, id)
}

func TestResponseCache_CoalescesConcurrentMisses(t *testing.T) {
	rc := NewResponseCache(ResponseCacheOptions{})
	var repo *countingCharacters
	api := newTestAPI(t, withResponses(rc), func(d *Deps, st *inmem.Store) {
		repo = &countingCharacters{CharacterRepository: st.Characters(), entered: make(chan struct{}), release: make(chan struct{})}
		d.Characters.Characters = repo
	})
	const n = 100
	var started, done sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			w := serve(api.h, newGet("/v0/characters/1"), "chii-test/1.0")
			statuses <- w.Code
		}()
	}
	started.Wait()
	select {
	case <-repo.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the repository within 10 s")
	}
	// Give the other requests time to pile up behind the first; a second call would be the
	// failure this test looks for, so stop waiting as soon as one happens.
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline) && repo.calls.Load() == 1; {
		time.Sleep(5 * time.Millisecond)
	}
	close(repo.release)
	waitDone(t, &done, 10*time.Second)
	close(statuses)
	for s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("a request answered %d", s)
		}
	}
	if got := repo.calls.Load(); got != 1 {
		t.Errorf("the repository was read %d times for %d concurrent requests of one cold key, want 1", got, n)
	}
}

// etagPaths answer 200 on the fixture, one per GET route that answers 200 (the image routes
// redirect and carry no ETag).
var etagPaths = []string{
	"/v0/subjects?type=2",
	"/v0/subjects/8", "/v0/subjects/12/persons", "/v0/subjects/8/characters", "/v0/subjects/8/subjects",
	"/v0/characters/1", "/v0/characters/1/subjects", "/v0/characters/46/persons",
	"/v0/persons/5076", "/v0/persons/3/subjects", "/v0/persons/3/characters",
	"/v0/users/382951/collections", "/v0/users/382951/collections/8",
	"/v0/users/382951/collections/-/characters", "/v0/users/382951/collections/-/persons",
	"/v0/users/1/collections/-/characters/3", "/v0/users/1/collections/-/persons/5076",
	"/v0/revisions/subjects?subject_id=8", "/v0/revisions/subjects/3574", "/v0/revisions/characters?character_id=1",
	"/v0/revisions/characters/1198747", "/v0/revisions/persons?person_id=1", "/v0/revisions/persons/8",
	"/v0/revisions/episodes?episode_id=522", "/v0/revisions/episodes/122788",
	"/v0/indices/90001", "/v0/indices/90001/subjects",
	"/v0/users/treehole2", "/v0/me",
	"/v0/episodes?subject_id=2703", "/v0/episodes/17244",
	"/v0/users/-/collections/2703/episodes", "/v0/users/-/collections/-/episodes/17244",
}

// etagToken is the token an ETag request sends: /v0/me answers 200 only to a logged-in
// viewer; the other paths are asked anonymously.
func etagToken(path string) string {
	if path == "/v0/me" || strings.HasPrefix(path, "/v0/users/-/") {
		return tokenOld
	}
	return ""
}

// TestETagPaths_CoverEveryGETRoute keeps etagPaths complete as routes are added.
func TestETagPaths_CoverEveryGETRoute(t *testing.T) {
	param := regexp.MustCompile(`\{[^}]*\}`)
	for _, rt := range (&server{}).routes() {
		if rt.method != http.MethodGet || rt.doc.success.status != http.StatusOK || !strings.HasPrefix(rt.path, "/v0/") {
			continue
		}
		quoted := regexp.QuoteMeta(param.ReplaceAllString(rt.path, "PARAM"))
		re := regexp.MustCompile("^" + strings.ReplaceAll(quoted, "PARAM", `[^/]+`) + "$")
		matches := func(p string) bool {
			p, _, _ = strings.Cut(p, "?") // a list may need a query (the revision lists' entity id)
			return re.MatchString(p)
		}
		if !slices.ContainsFunc(etagPaths, matches) {
			t.Errorf("no path of etagPaths exercises GET %s", rt.path)
		}
	}
}

func TestResponseCache_ETag(t *testing.T) {
	for _, cached := range []bool{true, false} {
		t.Run(map[bool]string{true: "Cached", false: "Uncached"}[cached], func(t *testing.T) {
			opts := []apiOption{func(_ *Deps, st *inmem.Store) {
				st.PutMonoCollect(collect.MonoCollect{Category: mono.Person, TargetID: 5076, UserID: 1, CreatedAt: testNow})
			}}
			if cached {
				opts = append(opts, withResponses(NewResponseCache(ResponseCacheOptions{})))
			}
			api := newTestAPI(t, opts...)
			for _, p := range etagPaths {
				first := get(t, api, p, etagToken(p))
				etag := first.header.Get("ETag")
				if first.status != http.StatusOK || len(etag) < 10 || etag[0] != '"' {
					t.Fatalf("GET %s = %d ETag %q, want 200 with a strong ETag", p, first.status, etag)
				}
				for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
					got := get(t, api, p, etagToken(p), "If-None-Match", inm)
					if got.status != http.StatusNotModified || len(got.body) != 0 || got.header.Get("ETag") != etag {
						t.Errorf("GET %s If-None-Match %s = %d ETag %q body %q, want 304 with the ETag and no body", p, inm, got.status, got.header.Get("ETag"), got.body)
					}
					if got.header.Get("Cache-Control") != first.header.Get("Cache-Control") {
						t.Errorf("304 Cache-Control = %q, want the 200's %q", got.header.Get("Cache-Control"), first.header.Get("Cache-Control"))
					}
				}
				if got := get(t, api, p, etagToken(p), "If-None-Match", `"stale"`); got.status != http.StatusOK || len(got.body) == 0 {
					t.Errorf("GET %s with another ETag = %d, want 200 with the body", p, got.status)
				}
			}
			// A changed resource gets a new ETag.
			before := get(t, api, "/v0/characters/1", "").header.Get("ETag")
			if w := api.do(t, request{method: http.MethodPost, path: "/v0/characters/1/collect", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}); w.Code != http.StatusNoContent {
				t.Fatalf("collect = %d", w.Code)
			}
			after := get(t, api, "/v0/characters/1", "", "If-None-Match", before)
			if after.status != http.StatusOK || after.header.Get("ETag") == before {
				t.Errorf("after a collect: %d ETag %q, want 200 with an ETag other than %q", after.status, after.header.Get("ETag"), before)
			}
		})
	}
}

func TestResponseCache_StaysWithinByteBound(t *testing.T) {
	const bound = 1 << 20
	rc := NewResponseCache(ResponseCacheOptions{MaxBytes: bound})
	api := newTestAPI(t, withResponses(rc))
	// Many distinct keys (the query is part of the key) of one ~1 KiB answer.
	for i := range 3000 {
		if got := get(t, api, "/v0/subjects/8?n="+itoa(i), ""); got.status != http.StatusOK {
			t.Fatalf("GET = %d", got.status)
		}
		if b := rc.Bytes(); b > bound {
			t.Fatalf("after %d answers the in-process tier holds %d bytes, over its bound %d", i+1, b, bound)
		}
	}
	if rc.Stats().Evictions.Load() == 0 {
		t.Error("no eviction although the answers exceed the bound")
	}
	if p := rc.peakBytes.Load(); p == 0 || p > bound {
		t.Errorf("peak bytes %d, want a figure within the bound %d", p, bound)
	}
}

func newGet(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, path, nil)
	return r
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 5 s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitDone(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("requests still running after %v", d)
	}
}
