package meiliindex_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/meiliindex"
)

// testTimeout bounds every test against the fake.
const testTimeout = 10 * time.Second

// request is one request the fake received.
type request struct {
	Method, Path, RawQuery string
	Body                   []byte
}

// searchBody is the part of a search request the fake reads.
type searchBody struct {
	Q      string     `json:"q"`
	Offset int        `json:"offset"`
	Limit  int        `json:"limit"`
	Filter [][]string `json:"filter"`
	Sort   []string   `json:"sort"`
}

// fake is an httptest Meilisearch that records every request. Its behaviour is set by the
// fields below: before open, or with set afterwards.
type fake struct {
	srv *httptest.Server
	key string // the API key it requires ("" for none)

	// taskStatus answers GET /tasks/<uid>: the status and, when failed, the error code.
	// Default: succeeded.
	taskStatus func(uid int64) (status, code string)
	// search answers a search: the hit ids and estimatedTotalHits. Default: none.
	search func(uid string, b searchBody) (ids []uint32, total int64)
	// fail, when it returns a status, answers every request with it and an error body.
	fail func(r *http.Request) int
	// delay is waited (or the request's end) before answering.
	delay time.Duration

	mu      sync.Mutex
	reqs    []request
	tasks   int64
	indexes map[string]string // uid → primary key
	docs    map[string]int64  // uid → numberOfDocuments
}

func newFake(tb testing.TB) *fake {
	tb.Helper()
	f := &fake{indexes: map[string]string{}, docs: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"pkgVersion": "1.15.2", "commitSha": "x", "commitDate": "x"})
	})
	mux.HandleFunc("GET /indexes/{uid}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		pk, ok := f.indexes[r.PathValue("uid")]
		f.mu.Unlock()
		if !ok {
			writeError(w, 404, "index_not_found", "Index `"+r.PathValue("uid")+"` not found.")
			return
		}
		var primaryKey any
		if pk != "" {
			primaryKey = pk
		}
		writeJSON(w, 200, map[string]any{"uid": r.PathValue("uid"), "primaryKey": primaryKey})
	})
	mux.HandleFunc("POST /indexes", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			UID        string `json:"uid"`
			PrimaryKey string `json:"primaryKey"`
		}
		_ = json.NewDecoder(r.Body).Decode(&b)
		f.mu.Lock()
		f.indexes[b.UID] = b.PrimaryKey
		f.mu.Unlock()
		f.enqueue(w, b.UID)
	})
	mux.HandleFunc("PATCH /indexes/{uid}/settings", func(w http.ResponseWriter, r *http.Request) {
		f.enqueue(w, r.PathValue("uid"))
	})
	mux.HandleFunc("POST /indexes/{uid}/documents", func(w http.ResponseWriter, r *http.Request) {
		f.enqueue(w, r.PathValue("uid"))
	})
	mux.HandleFunc("PUT /indexes/{uid}/documents", func(w http.ResponseWriter, r *http.Request) {
		f.enqueue(w, r.PathValue("uid"))
	})
	mux.HandleFunc("POST /indexes/{uid}/documents/delete-batch", func(w http.ResponseWriter, r *http.Request) {
		f.enqueue(w, r.PathValue("uid"))
	})
	mux.HandleFunc("GET /tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		status, code := "succeeded", ""
		if taskStatus := f.get().taskStatus; taskStatus != nil {
			status, code = taskStatus(id)
		}
		t := map[string]any{"uid": id, "status": status, "type": "documentAdditionOrUpdate"}
		if code != "" {
			t["error"] = map[string]string{"message": "the task failed: " + code, "code": code, "type": "invalid_request"}
		}
		writeJSON(w, 200, t)
	})
	mux.HandleFunc("POST /indexes/{uid}/search", func(w http.ResponseWriter, r *http.Request) {
		var b searchBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			writeError(w, 400, "bad_request", err.Error())
			return
		}
		var ids []uint32
		var total int64
		if search := f.get().search; search != nil {
			ids, total = search(r.PathValue("uid"), b)
		}
		hits := make([]map[string]any, len(ids))
		for i, id := range ids {
			hits[i] = map[string]any{"id": id}
		}
		writeJSON(w, 200, map[string]any{"hits": hits, "estimatedTotalHits": total,
			"offset": b.Offset, "limit": b.Limit, "query": b.Q, "processingTimeMs": 1})
	})
	mux.HandleFunc("GET /indexes/{uid}/stats", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		_, ok := f.indexes[r.PathValue("uid")]
		n := f.docs[r.PathValue("uid")]
		f.mu.Unlock()
		if !ok {
			writeError(w, 404, "index_not_found", "Index `"+r.PathValue("uid")+"` not found.")
			return
		}
		writeJSON(w, 200, map[string]any{"numberOfDocuments": n, "isIndexing": false, "fieldDistribution": map[string]int{}})
	})

	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: body})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		cfg := f.get()
		if cfg.delay > 0 {
			select {
			case <-time.After(cfg.delay):
			case <-r.Context().Done():
				return
			}
		}
		if cfg.key != "" && r.Header.Get("Authorization") != "Bearer "+cfg.key {
			writeError(w, 403, "invalid_api_key", "The provided API key is invalid.")
			return
		}
		if cfg.fail != nil {
			if status := cfg.fail(r); status != 0 {
				writeError(w, status, "internal", "fake failure")
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.srv.Close)
	return f
}

// config is the part of a fake that tests change.
type config struct {
	key        string
	taskStatus func(uid int64) (status, code string)
	search     func(uid string, b searchBody) (ids []uint32, total int64)
	fail       func(r *http.Request) int
	delay      time.Duration
}

// set changes the fake's behaviour while it serves.
func (f *fake) set(change func(f *fake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fake) get() config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return config{key: f.key, taskStatus: f.taskStatus, search: f.search, fail: f.fail, delay: f.delay}
}

func (f *fake) enqueue(w http.ResponseWriter, uid string) {
	f.mu.Lock()
	f.tasks++
	id := f.tasks
	f.mu.Unlock()
	writeJSON(w, 202, map[string]any{"taskUid": id, "indexUid": uid, "status": "enqueued",
		"type": "x", "enqueuedAt": "2026-01-01T00:00:00Z"})
}

// requests returns the recorded requests and forgets them.
func (f *fake) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

// searches returns the bodies of the recorded searches (and forgets every request).
func (f *fake) searches(tb testing.TB) []searchBody {
	tb.Helper()
	var out []searchBody
	for _, r := range f.requests() {
		if r.Method != "POST" || len(r.Path) < 7 || r.Path[len(r.Path)-7:] != "/search" {
			continue
		}
		var b searchBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			tb.Fatalf("search body %s: %v", r.Body, err)
		}
		out = append(out, b)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "code": code, "type": "invalid_request",
		"link": "https://docs.meilisearch.com/errors#" + code})
}

// open returns an Index on the fake (with the given options changed) and a context that ends
// with the test's deadline; both are closed when the test ends.
func open(t *testing.T, f *fake, change ...func(*meiliindex.Options)) (*meiliindex.Index, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	o := meiliindex.Options{URL: f.srv.URL, Key: f.key, TaskTimeout: 2 * time.Second}
	for _, c := range change {
		c(&o)
	}
	ix, err := meiliindex.New(ctx, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(ix.Close)
	f.requests() // forget the ping
	return ix, ctx
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func describe(rs []request) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("%s %s?%s %s\n", r.Method, r.Path, r.RawQuery, r.Body)
	}
	return s
}
