package meiliindex_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/meilisearch/meilisearch-go"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/bangumi/chii/adapters/meiliindex"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
)

// meiliImage is the Meilisearch started when no server is configured and Docker is reachable.
const meiliImage = "getmeili/meilisearch:v1.15"

// realIndex returns an Index on a real Meilisearch with three fresh indexes of its own
// (a unique prefix, bangumi's settings applied), deleted when tb ends.
//
// The server is CHII_TEST_MEILISEARCH_URL (with CHII_TEST_MEILISEARCH_KEY), else a container
// when a Docker engine is reachable. Without either, tb is skipped with one line saying why —
// also under CI=true: unlike MySQL and Redis, Meilisearch is optional (the embedded index is
// the default), and the CI machine has none.
func realIndex(tb testing.TB) *meiliindex.Index {
	tb.Helper()
	srv := needMeili(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "chii_test_" + hex.EncodeToString(b) + "_"
	ix, err := meiliindex.New(ctx, meiliindex.Options{URL: srv.url, Key: srv.key, TaskTimeout: 30 * time.Second, IndexPrefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		defer ix.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin := meilisearch.New(srv.url, meilisearch.WithAPIKey(srv.key))
		defer admin.Close()
		for _, kind := range search.Kinds {
			task, err := admin.DeleteIndex(ctx, ix.UID(kind))
			if err == nil {
				_, err = admin.WaitForTask(ctx, task.TaskUID, 20*time.Millisecond)
			}
			if err != nil {
				tb.Errorf("meiliindex: delete test index %s: %v", ix.UID(kind), err)
			}
		}
	})
	if err := ix.EnsureIndexes(ctx); err != nil {
		tb.Fatal(err)
	}
	return ix
}

// needMeili returns the test server, or skips tb with one line saying why there is none.
func needMeili(tb testing.TB) server {
	tb.Helper()
	srv, err := meiliServer()
	if err != nil {
		tb.Skip("meiliindex: no Meilisearch: " + strings.Join(strings.Fields(err.Error()), " "))
	}
	return srv
}

type server struct{ url, key string }

var meiliSrv struct {
	once sync.Once
	srv  server
	err  error
}

func meiliServer() (server, error) {
	meiliSrv.once.Do(func() { meiliSrv.srv, meiliSrv.err = findMeili() })
	return meiliSrv.srv, meiliSrv.err
}

func findMeili() (server, error) {
	if u := os.Getenv("CHII_TEST_MEILISEARCH_URL"); u != "" {
		srv := server{url: u, key: os.Getenv("CHII_TEST_MEILISEARCH_KEY")}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ix, err := meiliindex.New(ctx, meiliindex.Options{URL: srv.url, Key: srv.key})
		if err != nil {
			return server{}, fmt.Errorf("CHII_TEST_MEILISEARCH_URL: %w", err)
		}
		ix.Close()
		return srv, nil
	}
	if err := testenv.DockerReachable(); err != nil {
		return server{}, fmt.Errorf("CHII_TEST_MEILISEARCH_URL unset; no Docker engine (%v)", err)
	}
	srv, err := startMeiliContainer()
	if err != nil {
		return server{}, fmt.Errorf("CHII_TEST_MEILISEARCH_URL unset; Meilisearch container: %w", err)
	}
	return srv, nil
}

// startMeiliContainer runs Meilisearch for the rest of the test binary's life
// (testcontainers' reaper removes it when the process exits).
func startMeiliContainer() (server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const key = "chii-test-master-key-0123456789"
	c, err := testcontainers.Run(ctx, meiliImage,
		testcontainers.WithExposedPorts("7700/tcp"),
		testcontainers.WithEnv(map[string]string{"MEILI_MASTER_KEY": key, "MEILI_NO_ANALYTICS": "true"}),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/health").WithPort("7700/tcp")),
	)
	if err != nil {
		return server{}, err
	}
	u, err := c.PortEndpoint(ctx, "7700/tcp", "http")
	if err != nil {
		return server{}, err
	}
	return server{url: u, key: key}, nil
}

// TestReal_ReplaceAndRank runs the adapter's own promises on a real Meilisearch (skipped
// without one): bangumi's settings are accepted, a write replaces the whole document (D4), the
// filter strings select what they say, and sort=rank lists unranked subjects last (D5).
func TestReal_ReplaceAndRank(t *testing.T) {
	ix := realIndex(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	subjects := []search.SubjectDoc{
		{ID: 1, Name: "a", MetaTag: []string{""}, Rank: 0, Type: 2, Tag: []string{"原创"}, Date: 20080101, Score: 7.5},
		{ID: 2, Name: "b", MetaTag: []string{""}, Rank: 20, Type: 2},
		{ID: 3, Name: "c", MetaTag: []string{""}, Rank: 10, Type: 6, NSFW: true},
		{ID: 4, Name: "d", MetaTag: []string{""}, Rank: 0, Type: 1},
	}
	if err := ix.Upsert(ctx, search.Documents{Subjects: subjects}); err != nil {
		t.Fatal(err)
	}
	if err := ix.EnsureIndexes(ctx); err != nil { // idempotent on a filled index
		t.Fatal(err)
	}
	run := func(q search.Query) search.Result {
		t.Helper()
		q.Kind = search.KindSubject
		r, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		return r
	}

	got := run(search.Query{Sort: search.SortRank, Limit: 10})
	if diff := cmp.Diff(search.Result{IDs: []uint32{3, 2, 1, 4}, Total: 4}, got); diff != "" {
		t.Errorf("sort=rank mismatch (-want +got):\n%s", diff)
	}
	got = run(search.Query{Sort: search.SortRank, Offset: 1, Limit: 2})
	if diff := cmp.Diff(search.Result{IDs: []uint32{2, 1}, Total: 4}, got); diff != "" {
		t.Errorf("sort=rank page across the boundary mismatch (-want +got):\n%s", diff)
	}

	tag := search.Filter{{cond(search.FieldTag, search.Eq, search.String("原创"))}}
	got = run(search.Query{Limit: 10, Filter: search.Filter{
		{cond(search.FieldType, search.Eq, search.Number(2)), cond(search.FieldType, search.Eq, search.Number(6))},
		{cond(search.FieldNSFW, search.Eq, search.Bool(false))},
		{cond(search.FieldScore, search.Ge, search.Number(7.5))},
		{cond(search.FieldDate, search.Ge, search.Number(20080101))},
		tag[0],
	}})
	if diff := cmp.Diff(search.Result{IDs: []uint32{1}, Total: 1}, got); diff != "" {
		t.Errorf("filter mismatch (-want +got):\n%s", diff)
	}

	// D4: subject 1 loses its tag and date; the old values must not survive.
	if err := ix.Upsert(ctx, search.Documents{Subjects: []search.SubjectDoc{{ID: 1, Name: "a", MetaTag: []string{""}}}}); err != nil {
		t.Fatal(err)
	}
	if got := run(search.Query{Limit: 10, Filter: tag}); len(got.IDs) != 0 {
		t.Errorf("tag filter after the tag was removed = %v, want none (whole-document replace, D4)", got.IDs)
	}

	if err := ix.Delete(ctx, search.KindSubject, 4, 99); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(ctx, search.KindSubject); err != nil || n != 3 {
		t.Errorf("Count = %d, %v, want 3", n, err)
	}
}
