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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/runtime/health"
)

func okPing(context.Context) error { return nil }

func failPing(msg string) func(context.Context) error {
	return func(context.Context) error { return errors.New(msg) }
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

func TestRoutes(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	tests := []struct {
		name      string
		checks    []health.Check
		wantReady int
		wantBody  map[string]any
	}{
		{name: "NoDependencies", wantReady: 200, wantBody: map[string]any{"status": "ok"}},
		{
			name:      "AllAnswer",
			checks:    []health.Check{{Name: "mysql", Ping: okPing}, {Name: "redis", Ping: okPing}},
			wantReady: 200, wantBody: map[string]any{"status": "ok"},
		},
		{
			name: "OneFailing",
			checks: []health.Check{
				{Name: "mysql", Ping: failPing("dial tcp 127.0.0.1:1: connect: connection refused")},
				{Name: "redis", Ping: okPing},
			},
			wantReady: 503,
			wantBody: map[string]any{"status": "unavailable", "failing": map[string]any{
				"mysql": "dial tcp 127.0.0.1:1: connect: connection refused",
			}},
		},
		{
			name:      "BothFailing",
			checks:    []health.Check{{Name: "mysql", Ping: failPing("a")}, {Name: "redis", Ping: failPing("b")}},
			wantReady: 503,
			wantBody:  map[string]any{"status": "unavailable", "failing": map[string]any{"mysql": "a", "redis": "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := health.New(tt.checks...).Routes(next)
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

func TestRoutes_SlowDependencyTimesOut(t *testing.T) {
	h := health.New(health.Check{Name: "mysql", Ping: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}).Routes(http.NotFoundHandler())
	start := time.Now()
	code, _ := get(t, h, "/readyz")
	if code != 503 {
		t.Errorf("/readyz = %d, want 503", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("/readyz took %v, want bounded by the check timeout", d)
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
		t.Errorf("log lacks the address or the recovery:\n%s", out)
	}
}
