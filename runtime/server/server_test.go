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
	"github.com/bangumi/chii/runtime/health"
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
		done <- serve(ctx, testConfig(5*time.Second), slog.New(slog.NewJSONHandler(&buf, nil)), health.New(), api)
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
		done <- serve(ctx, testConfig(100*time.Millisecond), slog.New(slog.NewJSONHandler(&buf, nil)), health.New(), api)
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

func TestDefaultNotFound(t *testing.T) {
	api, cleanup, err := buildAPI(t.Context(), testConfig(time.Second), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	srv := health.New().Routes(api)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v0/nothing", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := `{"description":"This is default response, if you see this response, please check your request","details":{"method":"POST","path":"/v0/nothing"},"title":"Not Found"}`
	got, _ := json.Marshal(body)
	if string(got) != want {
		t.Errorf("body %s, want %s", got, want)
	}
}
