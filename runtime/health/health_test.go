package health_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/runtime/health"
)

func okPing(context.Context) error { return nil }

func failPing(msg string) func(context.Context) error {
	return func(context.Context) error { return errors.New(msg) }
}

// hangPing answers only when its context ends, like a frozen server.
func hangPing(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func get(t *testing.T, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: body %q: %v", path, rec.Body.String(), err)
	}
	return rec.Code, body
}

// watched starts c.Watch until the test ends and waits (at most 5s) for every check's first result.
func watched(t *testing.T, c *health.Checker, interval time.Duration) *health.Checker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Watch(ctx, slog.New(slog.DiscardHandler), interval)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Watch did not return within 5s of its context's end")
		}
	})
	select {
	case <-c.Checked():
	case <-time.After(5 * time.Second):
		t.Fatal("no first result for every check within 5s")
	}
	return c
}

func TestRoutes(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	refused := "dial tcp 127.0.0.1:1: connect: connection refused"
	tests := []struct {
		name      string
		checks    []health.Check
		wantReady int
		wantBody  map[string]any
	}{
		{name: "NoDependencies", wantReady: 200, wantBody: map[string]any{"status": "ok"}},
		{
			name:      "AllAnswer",
			checks:    []health.Check{{Name: "mysql", Ping: okPing}, {Name: "redis", Ping: okPing, Optional: true}},
			wantReady: 200, wantBody: map[string]any{"status": "ok"},
		},
		{
			name: "RequiredFailing",
			checks: []health.Check{
				{Name: "mysql", Ping: failPing(refused)},
				{Name: "redis", Ping: okPing, Optional: true},
			},
			wantReady: 503,
			wantBody:  map[string]any{"status": "unavailable", "failing": map[string]any{"mysql": refused}},
		},
		{
			name: "OptionalFailing",
			checks: []health.Check{
				{Name: "mysql", Ping: okPing},
				{Name: "redis", Ping: failPing(refused), Optional: true},
			},
			wantReady: 200,
			wantBody:  map[string]any{"status": "degraded", "degraded": map[string]any{"redis": refused}},
		},
		{
			name:      "RequiredAndOptionalFailing",
			checks:    []health.Check{{Name: "mysql", Ping: failPing("a")}, {Name: "redis", Ping: failPing("b"), Optional: true}},
			wantReady: 503,
			wantBody: map[string]any{
				"status": "unavailable", "failing": map[string]any{"mysql": "a"}, "degraded": map[string]any{"redis": "b"},
			},
		},
		{
			name:      "TwoRequiredFailing",
			checks:    []health.Check{{Name: "mysql", Ping: failPing("a")}, {Name: "kafka", Ping: failPing("b")}},
			wantReady: 503,
			wantBody:  map[string]any{"status": "unavailable", "failing": map[string]any{"mysql": "a", "kafka": "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := watched(t, health.New(tt.checks...), time.Hour).Routes(next)
			code, body := get(t, h, "/healthz")
			if code != 200 || body["status"] != "ok" {
				t.Errorf("/healthz = %d %v, want 200 ok", code, body)
			}
			code, body = get(t, h, "/readyz")
			if code != tt.wantReady {
				t.Errorf("/readyz status = %d, want %d", code, tt.wantReady)
			}
			if diff := cmp.Diff(tt.wantBody, body); diff != "" {
				t.Errorf("/readyz body mismatch (-want +got):\n%s", diff)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v0/subjects/1", nil))
			if rec.Code != http.StatusTeapot {
				t.Errorf("other path answered %d, want it passed to next", rec.Code)
			}
		})
	}
}

// Before the first result a required check counts as failing, an optional one as degraded:
// /readyz never waits for a check.
func TestRoutes_NotCheckedYet(t *testing.T) {
	h := health.New(
		health.Check{Name: "mysql", Ping: okPing},
		health.Check{Name: "redis", Ping: okPing, Optional: true},
	).Routes(http.NotFoundHandler())
	code, body := get(t, h, "/readyz")
	want := map[string]any{
		"status":   "unavailable",
		"failing":  map[string]any{"mysql": "not checked yet"},
		"degraded": map[string]any{"redis": "not checked yet"},
	}
	if diff := cmp.Diff(want, body); code != 503 || diff != "" {
		t.Errorf("/readyz = %d, want 503; body (-want +got):\n%s", code, diff)
	}
}

// A frozen Redis (its ping answers only at the check's timeout) costs /readyz nothing: it
// answers at once, before the first result and after it, 200 with Redis degraded.
func TestRoutes_HangingOptionalCheckAnswersAtOnce(t *testing.T) {
	c := health.New( // the production bound: 1s per check
		health.Check{Name: "mysql", Ping: okPing},
		health.Check{Name: "redis", Ping: hangPing, Optional: true},
	)
	h := c.Routes(http.NotFoundHandler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Watch(ctx, slog.New(slog.DiscardHandler), 50*time.Millisecond) }()
	defer func() { cancel(); <-done }()

	var slowest time.Duration
	timed := func() (int, map[string]any) {
		start := time.Now()
		code, body := get(t, h, "/readyz")
		slowest = max(slowest, time.Since(start))
		return code, body
	}
	timed() // while the first check hangs
	deadline := time.Now().Add(5 * time.Second)
	var code int
	var body map[string]any
	for time.Now().Before(deadline) {
		code, body = timed()
		if d, _ := body["degraded"].(map[string]any); d["redis"] != nil && d["redis"] != "not checked yet" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := map[string]any{"status": "degraded", "degraded": map[string]any{"redis": "context deadline exceeded"}}
	if diff := cmp.Diff(want, body); code != 200 || diff != "" {
		t.Fatalf("/readyz = %d, want 200; body (-want +got):\n%s", code, diff)
	}
	for range 20 { // while later checks hang
		timed()
		time.Sleep(10 * time.Millisecond)
	}
	if slowest > 100*time.Millisecond {
		t.Errorf("slowest /readyz took %v, want < 100ms while Redis hangs", slowest)
	}
	t.Logf("slowest /readyz while Redis hangs: %v", slowest)
}

// A ping that ignores its context is abandoned after the timeout (the failure is recorded in
// time) and not started again while it still runs.
func TestWatch_PingIgnoringContext(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	c := health.NewWithTimeout(50*time.Millisecond, health.Check{Name: "mysql", Ping: func(context.Context) error {
		calls.Add(1)
		<-release
		return nil
	}})
	start := time.Now()
	watched(t, c, 10*time.Millisecond)
	if d := time.Since(start); d > time.Second {
		t.Errorf("first result after %v, want about 62ms", d)
	}
	s := c.Status()
	if s.Status != "unavailable" || s.Failing["mysql"] != "no answer within 50ms" {
		t.Errorf("Status() = %+v, want mysql failing with no answer within 50ms", s)
	}
	time.Sleep(300 * time.Millisecond) // several rounds
	if n := calls.Load(); n != 1 {
		t.Errorf("Ping started %d times while the first one hangs, want 1", n)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for c.Status().Status != "ok" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := c.Status(); s.Status != "ok" {
		t.Errorf("after the ping returned, Status() = %+v, want ok", s)
	}
}

func TestDrain(t *testing.T) {
	c := watched(t, health.New(health.Check{Name: "mysql", Ping: okPing}), time.Hour)
	h := c.Routes(http.NotFoundHandler())
	if code, _ := get(t, h, "/readyz"); code != 200 {
		t.Fatalf("/readyz = %d before Drain, want 200", code)
	}
	c.Drain()
	code, body := get(t, h, "/readyz")
	if diff := cmp.Diff(map[string]any{"status": "stopping"}, body); code != 503 || diff != "" {
		t.Errorf("/readyz after Drain = %d, want 503; body (-want +got):\n%s", code, diff)
	}
	if code, _ := get(t, h, "/healthz"); code != 200 {
		t.Errorf("/healthz after Drain = %d, want 200 (the process is alive)", code)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestWatch_RetriesAndLogsAddress(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	ping := func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls < 3 {
			return errors.New("connection refused")
		}
		return nil
	}
	var buf syncBuf
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		health.New(health.Check{Name: "mysql", Addr: "127.0.0.1:1", Ping: ping}).Watch(ctx, logger, time.Hour)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "dependency recovered") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	out := buf.String()
	if n := strings.Count(out, `"msg":"dependency unavailable"`); n != 2 {
		t.Errorf("%d failure lines, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, `"addr":"127.0.0.1:1"`) || !strings.Contains(out, "dependency recovered") {
		t.Errorf("log lack the address or the recovery:\n%s", out)
	}
}

// A dependency checked often (every 10ms here, 2s in the server) is not logged at every
// check: failure lines follow the backoff and count the checks they stand for.
func TestWatch_FailureLinesFollowBackoff(t *testing.T) {
	var calls atomic.Int32
	var buf syncBuf
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	health.New(health.Check{Name: "redis", Addr: "127.0.0.1:1", Optional: true, Ping: func(context.Context) error {
		calls.Add(1)
		return errors.New("connection refused")
	}}).Watch(ctx, logger, 10*time.Millisecond)

	counted := 0
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec struct {
			Msg          string
			FailedChecks int `json:"failed_checks"`
		}
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "dependency unavailable" {
			lines++
			counted += rec.FailedChecks
		}
	}
	n := int(calls.Load())
	// Lines at 0s, then after 0.4–0.6s, then 0.8–1.2s later: at most 2 within a second.
	if lines < 1 || lines > 2 || n < 20 {
		t.Errorf("%d checks logged in %d lines, want at least 20 checks in 1–2 lines:\n%s", n, lines, buf.String())
	}
	if counted > n {
		t.Errorf("lines count %d failed checks, more than the %d made", counted, n)
	}
}
