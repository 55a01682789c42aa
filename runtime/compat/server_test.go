package compat_test

import (
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/compat"
	"github.com/bangumi/chii/runtime/server"
)

// testAPI is the API handler served on a fresh copy of the dev dataset.
type testAPI struct {
	URL      string
	DB       *sql.DB // counted: every statement the handler runs goes through Counter
	Counter  *compat.CountingConnector
	Timeline *inmem.TimelinePublisher
}

type apiOptions struct {
	// noCache composes the use cases without a cache and the API without its response cache,
	// so that every request reaches MySQL.
	noCache bool
	// noRateLimit composes the API without a rate limiter: a benchmark sends more requests
	// than bangumi's limit allows one client.
	noRateLimit bool
}

// startAPI loads the dev dataset plus golden/fixture-adjust.sql into a fresh database and
// serves the API on it with process-local cache and rate limiter (no state shared with any
// other run) and a recording timeline publisher.
func startAPI(tb testing.TB, o apiOptions) *testAPI {
	tb.Helper()
	dsn, _ := testenv.MySQL(tb, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(tb), "fixture-adjust.sql")))
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	counter := compat.NewCountingConnector(connector)
	db := sql.OpenDB(counter)
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(10)
	tb.Cleanup(func() { _ = db.Close() })

	var cache ports.Cache
	if !o.noCache {
		cache = inmem.NewCache(nil)
	}
	timeline := inmem.NewTimelinePublisher()
	logger := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	limiter := bangumiRateLimit()
	if o.noRateLimit {
		limiter = nil
	}
	srv := httptest.NewServer(composeLimitedAPI(db, cache, timeline, limiter, logger))
	tb.Cleanup(srv.Close)
	return &testAPI{URL: srv.URL, DB: db, Counter: counter, Timeline: timeline}
}

// composeAPI wires the API exactly as the server does (server.MySQLAdapters + server.NewAPI),
// with the given cache and timeline publisher and bangumi's default rate limit, process-local.
func composeAPI(db *sql.DB, cache ports.Cache, timeline ports.TimelinePublisher, logger *slog.Logger) http.Handler {
	return composeLimitedAPI(db, cache, timeline, bangumiRateLimit(), logger)
}

// bangumiRateLimit is bangumi's default limit: 3000 requests per 10 minutes, then a one-hour
// ban.
func bangumiRateLimit() ports.RateLimiter {
	return inmem.NewRateLimiter(10*time.Minute, 3000, time.Hour, nil)
}

// composeLimitedAPI is composeAPI with the given rate limiter (nil: none).
func composeLimitedAPI(db *sql.DB, cache ports.Cache, timeline ports.TimelinePublisher, limiter ports.RateLimiter, logger *slog.Logger) http.Handler {
	a := server.MySQLAdapters(db)
	a.Cache = cache
	if cache != nil {
		// The server's rendered-answer cache, in-process: the replay's writes must evict it.
		a.Responses = httpapi.NewResponseCache(httpapi.ResponseCacheOptions{Logger: logger})
	}
	a.Timeline = timeline
	if limiter != nil {
		a.RateLimiter = limiter
	}
	return server.NewAPI(a, server.APIOptions{Logger: logger, Version: "compat"})
}

// get sends one GET with the suite's User-Agent and reads the answer.
func get(tb testing.TB, baseURL, path string) golden.Response {
	tb.Helper()
	req, err := golden.Request{Method: http.MethodGet, Path: path}.NewRequest(tb.Context(), baseURL)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}
