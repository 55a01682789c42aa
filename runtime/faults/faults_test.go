package faults_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/faults"
	"github.com/bangumi/chii/runtime/server"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) count(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), substr)
}

// env is chii's API composed as `chii server` composes it with MySQL and Redis, each reached
// through its own Proxy.
type env struct {
	url          string
	mysql, redis *faults.Proxy
	logs         *syncBuffer
	responses    *httpapi.ResponseCache
	direct       *sql.DB // the test's own connections to the database, not through the proxy
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dsn, direct := testenv.MySQL(t, testenv.WithData(), testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	redisClient, prefix := testenv.Redis(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{logs: &syncBuffer{}, direct: direct}
	if e.mysql, err = faults.NewProxy(cfg.Addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.mysql.Close() })
	if e.redis, err = faults.NewProxy(redisClient.Options().Addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.redis.Close() })

	cfg.Addr = e.mysql.Addr()
	db, err := mysqldb.Open(t.Context(), mysqldb.Options{DSN: cfg.FormatDSN(), MaxOpenConns: 10, MaxIdleConns: 10, ConnMaxLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	rc, err := rediscache.NewClient(t.Context(), rediscache.Options{URL: fmt.Sprintf("redis://%s/%d", e.redis.Addr(), redisClient.Options().DB)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })

	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := server.MySQLAdapters(db)
	a.Cache = rediscache.NewCache(rc, prefix)
	a.RateLimiter = rediscache.NewRateLimiter(rc, prefix+"rl:", time.Minute, 1<<30, time.Hour)
	e.responses = httpapi.NewResponseCache(httpapi.ResponseCacheOptions{Shared: rediscache.NewTaggedStore(rc, prefix), Logger: logger})
	a.Responses = e.responses
	// As `chii server` composes it: half the pool per family of routes.
	srv := httptest.NewServer(server.NewAPI(a, server.APIOptions{Logger: logger, Version: "faults", DatabaseSlots: 5}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// phase is how long an outage lasts in a test: short in `make test`; the 10 s and
// 20 s with CHII_FAULTS_SCALE=5 (a multiplier of every phase).
func phase(t *testing.T, d time.Duration) time.Duration {
	t.Helper()
	if v := os.Getenv("CHII_FAULTS_SCALE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CHII_FAULTS_SCALE=%q: want a whole number ≥ 1", v)
		}
		return d * time.Duration(n)
	}
	return d
}

// load is what a run of requests saw.
type load struct {
	requests int
	statuses map[int]int
	p99      time.Duration
	rps      float64
	// wrong counts answers whose status differs from the path's status without faults.
	wrong int
}

func (l load) String() string {
	return fmt.Sprintf("%d requests, %.0f req/s, p99 %v, statuses %v", l.requests, l.rps, l.p99.Round(time.Millisecond), l.statuses)
}

// hammer sends GETs of paths (in turn, by workers clients) for d and checks each status
// against want (path → status; nil: not checked).
func hammer(t *testing.T, baseURL string, paths []string, want map[string]int, workers int, d time.Duration) load {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	var next atomic.Int64
	var mu sync.Mutex
	res := load{statuses: map[int]int{}}
	var lat []time.Duration
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				path := paths[int(next.Add(1))%len(paths)]
				req, _ := http.NewRequest(http.MethodGet, baseURL+path, nil)
				req.Header.Set("User-Agent", golden.UserAgent)
				t0 := time.Now()
				resp, err := client.Do(req)
				took := time.Since(t0)
				status := -1
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					status = resp.StatusCode
					if status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
						status = -503 // a 503 without Retry-After
					}
				}
				mu.Lock()
				res.requests++
				res.statuses[status]++
				lat = append(lat, took)
				if w, ok := want[path]; ok && w != status {
					res.wrong++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.rps = float64(res.requests) / time.Since(start).Seconds()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p99 = lat[len(lat)*99/100]
	}
	return res
}

// subjectPaths are detail and list routes of subjects and persons of the dev dataset.
func subjectPaths() []string {
	var out []string
	for _, id := range []int{1, 2, 8, 9, 12, 15, 16, 18, 20, 253, 283, 292} {
		out = append(out, fmt.Sprintf("/v0/subjects/%d", id), fmt.Sprintf("/v0/subjects/%d/persons", id))
	}
	for _, id := range []int{1, 2, 3, 4, 5, 6, 7} {
		out = append(out, fmt.Sprintf("/v0/persons/%d", id))
	}
	return out
}

func statusesOf(t *testing.T, baseURL string, paths []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, p := range paths {
		req, _ := http.NewRequest(http.MethodGet, baseURL+p, nil)
		req.Header.Set("User-Agent", golden.UserAgent)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		out[p] = resp.StatusCode
	}
	return out
}

// TestRedisOutage: with Redis frozen (connections accepted, nothing answered) and then
// refused, every request still gets the answer it gets with Redis up, and a request is not
// held up by Redis for long (the client's circuit breaker skips it after a few failures).
func TestRedisOutage(t *testing.T) {
	e := newEnv(t)
	paths := subjectPaths()
	want := statusesOf(t, e.url, paths)
	phase := phase(t, 2*time.Second)
	base := hammer(t, e.url, paths, want, 8, phase)
	t.Logf("Redis up:      %s", base)
	for _, m := range []struct {
		name string
		mode faults.Mode
	}{{"frozen", faults.Freeze}, {"refused", faults.Refuse}} {
		e.redis.Set(m.mode)
		before := e.redis.Accepted()
		got := hammer(t, e.url, paths, want, 8, phase)
		tries := e.redis.Accepted() - before
		t.Logf("Redis %s: %s (%.0f%% of the rate with Redis up); %d connections tried", m.name, got, 100*got.rps/base.rps, tries)
		// go-redis drops a connection whose command failed and dials again: without the
		// breaker every request tries Redis (and waits for it); with it, only a probe now and then.
		if tries > 10+int64(phase/time.Second) {
			t.Errorf("Redis %s: %d connection attempts in %v, want the breaker to skip Redis (a few probes)", m.name, tries, phase)
		}
		if got.wrong > 0 {
			t.Errorf("Redis %s: %d answers differ from the answers with Redis up (%s)", m.name, got.wrong, got)
		}
	}
	e.redis.Set(faults.Pass)
	if n := e.logs.count("rate limiter failed") + e.logs.count("shared tier failed"); n > 4+2*int(2*phase/(10*time.Second)) {
		t.Errorf("%d log lines about Redis in a %v outage, want a few (sampled)", n, 2*phase)
	}
	after := hammer(t, e.url, paths, want, 8, phase)
	t.Logf("Redis back:    %s", after)
	if after.wrong > 0 {
		t.Errorf("after the outage: %d wrong answers", after.wrong)
	}
}

// TestMySQLOutage: with MySQL refusing connections, a request the cache cannot answer gets
// 503 with Retry-After at once, cached answers are still served, the log holds a few lines,
// and everything answers again as soon as MySQL is back.
func TestMySQLOutage(t *testing.T) {
	e := newEnv(t)
	cached := []string{"/v0/subjects/8", "/v0/persons/1"}
	want := statusesOf(t, e.url, cached) // now in the cache
	e.mysql.Set(faults.Refuse)

	var fresh atomic.Int64
	uncached := make([]string, 100000)
	for i := range uncached {
		uncached[i] = fmt.Sprintf("/v0/subjects/12/persons?n=%d", fresh.Add(1))
	}
	down := hammer(t, e.url, uncached, nil, 8, phase(t, 2*time.Second))
	t.Logf("MySQL refused, uncached: %s", down)
	if down.statuses[http.StatusServiceUnavailable] != down.requests {
		t.Errorf("MySQL refused: statuses %v, want every request 503 with Retry-After", down.statuses)
	}
	// Not a speed test (the figure is logged): a 503 must not come from waiting out a timeout.
	if down.p99 >= mysqldb.ReadTimeout {
		t.Errorf("MySQL refused: p99 %v, want 503s that do not wait for the read timeout (%v)", down.p99, mysqldb.ReadTimeout)
	}
	hits := hammer(t, e.url, cached, want, 4, time.Second)
	t.Logf("MySQL refused, cached: %s", hits)
	if hits.wrong > 0 {
		t.Errorf("cached answers during the outage: %d differ", hits.wrong)
	}
	if n, most := e.logs.count("dependency unavailable"), 2+int(phase(t, 2*time.Second)/(10*time.Second)); n > most {
		t.Errorf("%d log lines for %d failed requests, want at most %d (one per 10 s)", n, down.requests, most)
	}

	e.mysql.Set(faults.Pass)
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/v0/subjects/12/persons?back="+fmt.Sprint(fresh.Add(1)), nil)
		req.Header.Set("User-Agent", golden.UserAgent)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("MySQL is back but requests still fail after 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// uncached returns n paths of the template (with %d for the id) that no cache holds: each
// carries its own query.
func uncached(template string, id, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(template, id) + fmt.Sprintf("?n=%d", i)
	}
	return out
}

// TestLockedTable: while chii_subjects is write-locked, subject requests answer 503 with
// Retry-After (they give up after the read timeout, and the subjects family never holds more
// than its half of the pool), person requests keep being served, and subjects answer again
// as soon as the lock goes.
func TestLockedTable(t *testing.T) {
	e := newEnv(t)
	subjects := uncached("/v0/subjects/%d", 8, 50000)
	persons := uncached("/v0/persons/%d", 1, 50000)
	base := hammer(t, e.url, persons[:25000], nil, 4, 2*time.Second)
	t.Logf("persons, no lock:             %s", base)

	locker, err := e.direct.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(t.Context(), "LOCK TABLES chii_subjects WRITE"); err != nil {
		t.Fatal(err)
	}
	var sub, per load
	var wg sync.WaitGroup
	wg.Add(2)
	locked := phase(t, 4*time.Second)
	go func() { defer wg.Done(); sub = hammer(t, e.url, subjects, nil, 16, locked) }()
	go func() { defer wg.Done(); per = hammer(t, e.url, persons[25000:], nil, 4, locked) }()
	wg.Wait()
	if _, err := locker.ExecContext(t.Context(), "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	t.Logf("subjects, chii_subjects locked: %s", sub)
	t.Logf("persons, chii_subjects locked:  %s (%.0f%% of the rate without the lock)", per, 100*per.rps/base.rps)
	if sub.statuses[http.StatusServiceUnavailable] == 0 || sub.statuses[http.StatusServiceUnavailable] != sub.requests {
		t.Errorf("subject requests with the table locked: %v, want every one 503 with Retry-After", sub.statuses)
	}
	if per.statuses[http.StatusOK] != per.requests || per.requests == 0 {
		t.Errorf("person requests with chii_subjects locked: %v, want every one 200", per.statuses)
	}
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		r := hammer(t, e.url, []string{fmt.Sprintf("/v0/subjects/8?after=%d", i)}, nil, 1, time.Millisecond)
		if r.statuses[http.StatusOK] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("subjects still fail 5 s after the unlock: %v", r.statuses)
		}
	}
}
