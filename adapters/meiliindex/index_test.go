package meiliindex_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
)

// The settings bangumi applies (search spec §5), as the PATCH /indexes/<uid>/settings bodies.
var wantSettings = map[string]string{
	"subjects": `{"rankingRules":["exactness","words","typo","proximity","attribute","sort","id:asc","rank:asc","score:desc","nsfw:asc"],` +
		`"searchableAttributes":["name","aliases"],` +
		`"filterableAttributes":["tag","meta_tag","date","score","rating_count","rank","type","nsfw"],` +
		`"sortableAttributes":["date","score","rating_count","page_rank","heat","rank"]}`,
	"characters": `{"rankingRules":["exactness","words","typo","proximity","attribute","sort","id:asc","comment:desc","collect:desc","nsfw:asc"],` +
		`"searchableAttributes":["name","aliases"],"filterableAttributes":["nsfw"],"sortableAttributes":["comment","collect"]}`,
	"persons": `{"rankingRules":["exactness","words","typo","proximity","attribute","sort","id:asc","comment:desc","collect:desc"],` +
		`"searchableAttributes":["name","aliases"],"filterableAttributes":["career"],"sortableAttributes":["comment","collect"]}`,
}

func TestIndex_EnsureIndexes(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f, func(o *meiliindex.Options) { o.IndexPrefix = "t1_" })
	if err := ix.EnsureIndexes(ctx); err != nil {
		t.Fatalf("EnsureIndexes: %v", err)
	}
	reqs := f.requests()
	var created, tasks []string
	patched := map[string]string{}
	for _, r := range reqs {
		switch {
		case r.Method == "POST" && r.Path == "/indexes":
			created = append(created, string(r.Body))
		case r.Method == "PATCH":
			patched[strings.TrimSuffix(strings.TrimPrefix(r.Path, "/indexes/t1_"), "/settings")] = string(r.Body)
		case r.Method == "GET" && strings.HasPrefix(r.Path, "/tasks/"):
			tasks = append(tasks, r.Path)
		}
	}
	wantCreated := []string{`{"uid":"t1_subjects","primaryKey":"id"}`, `{"uid":"t1_characters","primaryKey":"id"}`, `{"uid":"t1_persons","primaryKey":"id"}`}
	if diff := cmp.Diff(wantCreated, created); diff != "" {
		t.Errorf("created indexes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSettings, patched); diff != "" {
		t.Errorf("settings mismatch (-want +got):\n%s", diff)
	}
	if len(tasks) != 6 { // every creation and every settings update is waited for
		t.Errorf("tasks waited for: %v, want 6\n%s", tasks, describe(reqs))
	}

	t.Run("Idempotent", func(t *testing.T) {
		if err := ix.EnsureIndexes(ctx); err != nil {
			t.Fatalf("EnsureIndexes again: %v", err)
		}
		for _, r := range f.requests() {
			if r.Method == "POST" && r.Path == "/indexes" {
				t.Errorf("created an index that exists: %s", r.Body)
			}
		}
	})
}

func TestIndex_EnsureIndexes_OtherPrimaryKey(t *testing.T) {
	f := newFake(t)
	f.indexes["subjects"] = "subject_id"
	ix, ctx := open(t, f)
	err := ix.EnsureIndexes(ctx)
	if err == nil || !strings.Contains(err.Error(), "subject_id") {
		t.Errorf("EnsureIndexes = %v, want an error naming the primary key", err)
	}
}

func TestIndex_EnsureIndexes_FailedTask(t *testing.T) {
	f := newFake(t)
	f.taskStatus = func(int64) (string, string) { return "failed", "invalid_settings_ranking_rules" }
	ix, ctx := open(t, f)
	err := ix.EnsureIndexes(ctx)
	if err == nil || !strings.Contains(err.Error(), "invalid_settings_ranking_rules") {
		t.Errorf("EnsureIndexes = %v, want the task's error", err)
	}
}

// TestIndex_Upsert: one "add or replace" request per kind (POST .../documents, never the
// partial update PUT: decision D4) with the documents as they are, then a wait for each task.
func TestIndex_Upsert(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f)
	docs := search.Documents{
		Subjects: []search.SubjectDoc{{ID: 8, Tag: []string{"叛逆的鲁鲁修", "SUNRISE"}, MetaTag: []string{""},
			Name: "コードギアス 反逆のルルーシュR2", Aliases: []string{"Code Geass 反叛的鲁路修R2"}, Date: 20080406,
			Score: 8.2, RatingCount: 9438, PageRank: 9438, Heat: 14324, Rank: 121, Platform: 1, Type: 2}},
		Persons: []search.PersonDoc{{ID: 1, Name: "水樹奈々", Comment: 3, Collect: 4}, {ID: 2, Name: "x", Career: []string{"seiyu"}}},
	}
	if err := ix.Upsert(ctx, docs); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	reqs := f.requests()
	want := []request{
		{Method: "POST", Path: "/indexes/subjects/documents", RawQuery: "primaryKey=id", Body: []byte(
			`[{"id":8,"tag":["叛逆的鲁鲁修","SUNRISE"],"meta_tag":[""],"name":"コードギアス 反逆のルルーシュR2",` +
				`"aliases":["Code Geass 反叛的鲁路修R2"],"date":20080406,"score":8.2,"rating_count":9438,"page_rank":9438,` +
				`"heat":14324,"rank":121,"platform":1,"type":2,"nsfw":false}]`)},
		{Method: "POST", Path: "/indexes/persons/documents", RawQuery: "primaryKey=id", Body: []byte(
			`[{"id":1,"name":"水樹奈々","comment":3,"collect":4},{"id":2,"name":"x","comment":0,"collect":0,"career":["seiyu"]}]`)},
		{Method: "GET", Path: "/tasks/1", Body: []byte{}},
		{Method: "GET", Path: "/tasks/2", Body: []byte{}},
	}
	if diff := cmp.Diff(want, reqs, cmp.Transformer("string", func(b []byte) string { return string(b) })); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}

	t.Run("NothingToWrite", func(t *testing.T) {
		if err := ix.Upsert(ctx, search.Documents{}); err != nil {
			t.Fatal(err)
		}
		if reqs := f.requests(); len(reqs) != 0 {
			t.Errorf("requests:\n%s want none", describe(reqs))
		}
	})
}

func TestIndex_Upsert_FailedTask(t *testing.T) {
	f := newFake(t)
	f.taskStatus = func(int64) (string, string) { return "failed", "missing_document_id" }
	ix, ctx := open(t, f)
	err := ix.Upsert(ctx, search.Documents{Characters: []search.CharacterDoc{{ID: 1}}})
	var te *meiliindex.TaskError
	if !errors.As(err, &te) || te.Code != "missing_document_id" || !strings.Contains(err.Error(), "characters") {
		t.Fatalf("Upsert = %v, want a TaskError naming the index and the code", err)
	}
	if errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Upsert = %v: a failed task is not 'unavailable'", err)
	}
}

// TestIndex_Upsert_TaskNeverFinishes: the wait ends at TaskTimeout (one deadline for the
// tasks of every kind, not one each) with an error wrapping domain.ErrUnavailable.
func TestIndex_Upsert_TaskNeverFinishes(t *testing.T) {
	f := newFake(t)
	f.taskStatus = func(int64) (string, string) { return "processing", "" }
	ix, ctx := open(t, f, func(o *meiliindex.Options) { o.TaskTimeout = 500 * time.Millisecond })
	start := time.Now()
	err := ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1}},
		Characters: []search.CharacterDoc{{ID: 1}}, Persons: []search.PersonDoc{{ID: 1}}})
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("Upsert took %v, want about TaskTimeout (500ms) for all three tasks", took)
	}
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Upsert = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	polls := 0
	for _, r := range f.requests() {
		if strings.HasPrefix(r.Path, "/tasks/") {
			polls++
		}
	}
	if polls < 3 {
		t.Errorf("task polled %d times, want it polled until the deadline", polls)
	}
}

// TestIndex_Upsert_WaitsUntilSucceeded: Upsert returns only after the task succeeded.
func TestIndex_Upsert_WaitsUntilSucceeded(t *testing.T) {
	f := newFake(t)
	var polls atomic.Int32
	f.taskStatus = func(int64) (string, string) {
		if polls.Add(1) < 4 {
			return "enqueued", ""
		}
		return "succeeded", ""
	}
	ix, ctx := open(t, f)
	if err := ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1}}}); err != nil {
		t.Fatal(err)
	}
	if n := polls.Load(); n != 4 {
		t.Errorf("task polled %d times, want 4 (until it succeeded)", n)
	}
}

func TestIndex_Upsert_ContextCanceled(t *testing.T) {
	f := newFake(t)
	f.taskStatus = func(int64) (string, string) { return "processing", "" }
	ix, ctx := open(t, f)
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Upsert = %v, want the context's error", err)
	}
}

func TestIndex_Delete(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f)
	if err := ix.Delete(ctx, search.KindPerson, 1, 4294967295); err != nil {
		t.Fatal(err)
	}
	want := []request{
		{Method: "POST", Path: "/indexes/persons/documents/delete-batch", Body: []byte(`["1","4294967295"]`)},
		{Method: "GET", Path: "/tasks/1", Body: []byte{}},
	}
	if diff := cmp.Diff(want, f.requests(), cmp.Transformer("string", func(b []byte) string { return string(b) })); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}

	if err := ix.Delete(ctx, search.KindSubject); err != nil {
		t.Fatal(err)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("Delete of no id sent:\n%s", describe(reqs))
	}
	if err := ix.Delete(ctx, 7, 1); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Delete(unknown kind) = %v, want ErrInvalid", err)
	}
}

func TestIndex_Delete_FailedTask(t *testing.T) {
	f := newFake(t)
	f.taskStatus = func(int64) (string, string) { return "failed", "index_not_found" }
	ix, ctx := open(t, f)
	if err := ix.Delete(ctx, search.KindSubject, 1); err == nil {
		t.Error("Delete with a failed task = nil, want an error")
	}
}

func TestIndex_Count(t *testing.T) {
	f := newFake(t)
	f.indexes["x_characters"] = "id"
	f.docs["x_characters"] = 42
	ix, ctx := open(t, f, func(o *meiliindex.Options) { o.IndexPrefix = "x_" })
	n, err := ix.Count(ctx, search.KindCharacter)
	if err != nil || n != 42 {
		t.Errorf("Count = %d, %v, want 42", n, err)
	}
	n, err = ix.Count(ctx, search.KindPerson) // no such index
	if err != nil || n != 0 {
		t.Errorf("Count(missing index) = %d, %v, want 0", n, err)
	}
}

func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestNew_Unreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	url := "http://" + closedAddr(t)
	_, err := meiliindex.New(ctx, meiliindex.Options{URL: url})
	if err == nil || !strings.Contains(err.Error(), url) || !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("New(nothing listening) = %v, want an ErrUnavailable naming %s", err, url)
	}
}

// TestNew_Frozen: a server that accepts and never answers fails New within Timeout.
func TestNew_Frozen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	start := time.Now()
	_, err := meiliindex.New(ctx, meiliindex.Options{URL: "http://" + testenv.Frozen(t), Timeout: 200 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("New took %v, want about Timeout (200ms)", took)
	}
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("New(frozen) = %v, want ErrUnavailable", err)
	}
}

func TestNew_Key(t *testing.T) {
	f := newFake(t)
	f.key = "masterKey"
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := meiliindex.New(ctx, meiliindex.Options{URL: f.srv.URL, Key: "wrong"}); err == nil || !strings.Contains(err.Error(), "invalid_api_key") {
		t.Errorf("New(wrong key) = %v, want invalid_api_key", err)
	}
	ix, err := meiliindex.New(ctx, meiliindex.Options{URL: f.srv.URL, Key: "masterKey"})
	if err != nil {
		t.Fatalf("New(key) = %v", err)
	}
	ix.Close()
	if _, err := meiliindex.New(ctx, meiliindex.Options{}); err == nil {
		t.Error("New(no URL) = nil error")
	}
}

// TestIndex_Unavailable: 5xx, 429, a slow answer and a refused connection wrap
// domain.ErrUnavailable (503, not 500); a bad request does not.
func TestIndex_Unavailable(t *testing.T) {
	q := search.Query{Kind: search.KindSubject, Limit: 10}
	tests := map[string]struct {
		setup           func(f *fake)
		wantUnavailable bool
	}{
		"500":        {func(f *fake) { f.fail = func(*http.Request) int { return 500 } }, true},
		"502":        {func(f *fake) { f.fail = func(*http.Request) int { return 502 } }, true},
		"503":        {func(f *fake) { f.fail = func(*http.Request) int { return 503 } }, true},
		"429":        {func(f *fake) { f.fail = func(*http.Request) int { return 429 } }, true},
		"Slow":       {func(f *fake) { f.delay = time.Second }, true},
		"Closed":     {nil, true},
		"BadRequest": {func(f *fake) { f.fail = func(*http.Request) int { return 400 } }, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			ix, ctx := open(t, f, func(o *meiliindex.Options) { o.Timeout = 200 * time.Millisecond })
			if name == "Closed" {
				f.srv.Close()
			} else {
				f.set(tt.setup)
			}
			ops := map[string]func() error{
				"Search": func() error { _, err := ix.Search(ctx, q); return err },
				"Upsert": func() error { return ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1}}}) },
				"Delete": func() error { return ix.Delete(ctx, search.KindSubject, 1) },
				"Count":  func() error { _, err := ix.Count(ctx, search.KindSubject); return err },
				"Ensure": func() error { return ix.EnsureIndexes(ctx) },
				"Ping":   func() error { return ix.Ping(ctx) },
			}
			for op, fn := range ops {
				start := time.Now()
				err := fn()
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("%s took %v: no retries, one Timeout (200ms) at most", op, took)
				}
				if err == nil {
					t.Errorf("%s = nil, want an error", op)
					continue
				}
				if got := errors.Is(err, domain.ErrUnavailable); got != tt.wantUnavailable {
					t.Errorf("%s = %v; errors.Is(ErrUnavailable) = %v, want %v", op, err, got, tt.wantUnavailable)
				}
			}
		})
	}
}

// TestIndex_CallerGone: a canceled request is the caller's doing, not an outage.
func TestIndex_CallerGone(t *testing.T) {
	f := newFake(t)
	ix, ctx := open(t, f)
	f.set(func(f *fake) { f.delay = 5 * time.Second })
	ctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := ix.Search(ctx, search.Query{Kind: search.KindSubject, Limit: 1})
	if !errors.Is(err, context.Canceled) || errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Search(canceled) = %v, want context.Canceled and not ErrUnavailable", err)
	}
}
