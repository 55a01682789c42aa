// Package health serves liveness (/healthz) and readiness (/readyz) and
// watches configured dependencies in the background, logging each failure
// with the dependency's address and retrying with backoff.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bangumi/chii/runtime/internal/backoff"
)

// Check is one configured dependency.
type Check struct {
	Name string                          // "mysql", "redis", "kafka"
	Addr string                          // host:port (or a list), logged with failures
	Ping func(ctx context.Context) error // nil error: the dependency answers
}

// Checker answers readiness for a fixed set of checks.
type Checker struct {
	checks  []Check
	timeout time.Duration
}

// New returns a Checker over checks. With no checks the process is always ready.
func New(checks ...Check) *Checker {
	return &Checker{checks: checks, timeout: 2 * time.Second}
}

// Failing pings every check concurrently (each bounded by a short timeout)
// and returns the failing ones: name → error message. Empty means ready.
func (c *Checker) Failing(ctx context.Context) map[string]string {
	failing := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range c.checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, c.timeout)
			defer cancel()
			if err := chk.Ping(ctx); err != nil {
				mu.Lock()
				failing[chk.Name] = err.Error()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failing
}

// Routes serves GET/HEAD /healthz and /readyz and passes every other
// request to next.
//
//	/healthz → 200 {"status":"ok"} (the process is alive)
//	/readyz  → 200 {"status":"ok"} when every check answers, else
//	           503 {"status":"unavailable","failing":{"mysql":"…"}}
func (c *Checker) Routes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/healthz":
			writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		case "/readyz":
			if failing := c.Failing(r.Context()); len(failing) > 0 {
				writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "failing": failing})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Watch checks every dependency until ctx is done. A failing dependency is
// retried with backoff (0.5s doubling up to 30s) and every failure is logged
// at warn with its address; recovery is logged at info. A healthy
// dependency is re-checked every interval. Watch never gives up and never
// crashes the process: readiness reflects the state.
func (c *Checker) Watch(ctx context.Context, logger *slog.Logger, interval time.Duration) {
	var wg sync.WaitGroup
	for _, chk := range c.checks {
		wg.Go(func() { c.watch(ctx, logger, chk, interval) })
	}
	wg.Wait()
}

func (c *Checker) watch(ctx context.Context, logger *slog.Logger, chk Check, interval time.Duration) {
	bo := backoff.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	healthy := false
	first := true
	for {
		pctx, cancel := context.WithTimeout(ctx, c.timeout)
		err := chk.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		if err != nil {
			wait = bo.Next()
			logger.Warn("dependency unavailable", "dependency", chk.Name, "addr", chk.Addr,
				"err", err.Error(), "retry_in", wait.Round(time.Millisecond).String())
			healthy = false
		} else {
			if !healthy {
				if first {
					logger.Info("dependency ready", "dependency", chk.Name, "addr", chk.Addr)
				} else {
					logger.Info("dependency recovered", "dependency", chk.Name, "addr", chk.Addr)
				}
			}
			healthy = true
			bo.Reset()
			wait = interval
		}
		first = false
		if !backoff.Sleep(ctx, wait) {
			return
		}
	}
}
