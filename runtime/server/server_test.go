package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/demo"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/deps"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// listenAddr waits for the "listening" log line and returns its address.
func listenAddr(t *testing.T, buf *syncBuf) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(buf.String(), "\n") {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				return rec.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no listening line in:\n%s", buf.String())
	return ""
}

func testConfig(grace time.Duration) config.Config {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_HTTP_ADDR": "127.0.0.1:0"}[k]
	}, config.Server)
	if err != nil {
		panic(err)
	}
	cfg.ShutdownGrace = grace
	return cfg
}

func TestServe_InFlightRequestFinishesAfterCancel(t *testing.T) {
	started := make(chan struct{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		if r.Context().Err() != nil {
			http.Error(w, "cancelled", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "done")
	})
	var buf syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, testConfig(5*time.Second), slog.New(slog.NewJSONHandler(&buf, nil)), health.New(), api, nil)
	}()
	addr := listenAddr(t, &buf)

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	cancel()
	r := <-res
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Errorf("in-flight request = %d %q %v, want 200 done", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serve() = %v, want nil", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestServe_GraceExceeded(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	api := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	})
	var buf syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, testConfig(100*time.Millisecond), slog.New(slog.NewJSONHandler(&buf, nil)), health.New(), api, nil)
	}()
	addr := listenAddr(t, &buf)
	go func() {
		if resp, err := http.Get("http://" + addr + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "grace") {
			t.Errorf("serve() = %v, want a grace-period error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve() did not return after the grace period")
	}
}

// Demo mode (no MySQL) serves the demo dataset through the same HTTP adapter; these are the
// calls README.md shows.
func TestBuildAPI_DemoMode(t *testing.T) {
	api, err := buildAPI(t.Context(), testConfig(time.Second), &deps.Deps{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer api.close()
	srv := health.New().Routes(api.handler)
	do := func(method, path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("User-Agent", "demo")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct {
		method, path, token string
		status              int
		contains            string
	}{
		{http.MethodGet, "/healthz", "", http.StatusOK, "ok"},
		{http.MethodGet, "/v0/subjects/1", "", http.StatusOK, `"name_cn":"星海记录"`},
		{http.MethodGet, "/v0/subjects/1/characters", "", http.StatusOK, `"relation":"主角"`},
		{http.MethodGet, "/v0/subjects/3", "", http.StatusFound, ""},
		{http.MethodGet, "/v0/subjects/4", "", http.StatusNotFound, "resource can't be found"},
		{http.MethodGet, "/v0/subjects/4", demo.Token, http.StatusOK, `"nsfw":true`},
		{http.MethodGet, "/v0/characters/1", "", http.StatusOK, `"name":"ミラ・ステラ"`},
		{http.MethodGet, "/v0/persons/1", "", http.StatusOK, `"career":["seiyu"]`},
		{http.MethodGet, "/v0/users/demo/collections", "", http.StatusOK, `"total":1`},
		{http.MethodGet, "/v0/users/demo", "", http.StatusOK, `"sign":"看番 & 读书"`},
		{http.MethodGet, "/v0/users/demo/avatar?type=small", "", http.StatusFound, ""},
		{http.MethodGet, "/v0/me", demo.Token, http.StatusOK, `"username":"demo"`},
		{http.MethodGet, "/v0/me", "", http.StatusUnauthorized, "need Login"},
		{http.MethodPost, "/v0/characters/2/collect", demo.Token, http.StatusNoContent, ""},
		{http.MethodGet, "/v0/users/demo/collections/-/characters/2", "", http.StatusOK, `"id":2`},
		{http.MethodGet, "/openapi.json", "", http.StatusOK, `"openapi"`},
		{http.MethodPost, "/v0/nothing", "", http.StatusNotFound, "This is default response"},
	} {
		rec := do(tc.method, tc.path, tc.token)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
			t.Errorf("%s %s: %d %s\nwant %d containing %s", tc.method, tc.path, rec.Code, rec.Body.String(), tc.status, tc.contains)
		}
	}
}

func TestWithDeadline(t *testing.T) {
	var deadline time.Time
	var ok bool
	h := withDeadline(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		deadline, ok = r.Context().Deadline()
	}), time.Minute)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !ok || time.Until(deadline) > time.Minute || time.Until(deadline) < 50*time.Second {
		t.Errorf("request deadline = %v (set %v), want about a minute from now", deadline, ok)
	}
}
