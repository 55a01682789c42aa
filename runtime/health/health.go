// Package health serves liveness (/healthz) and readiness (/readyz).
//
// Readiness is answered from a snapshot that background checks keep current
// (Watch): a request never waits on a dependency. Each check is bounded by a
// timeout, a failing one is retried with backoff (capped at the check
// interval) and its failures are logged with the dependency's address.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bangumi/chii/runtime/internal/backoff"
)

// Check is one configured dependency.
type Check struct {
	Name string                          // "mysql", "redis", "kafka"
	Addr string                          // host:port (or a list), logged with failures
	Ping func(ctx context.Context) error // nil error: the dependency answers
	// Optional marks a dependency the process serves without (Redis: caches and the rate
	// limiter fall back): while it fails /readyz stays 200 and lists it as degraded. A
	// required check that fails makes /readyz answer 503.
	Optional bool
}

// DefaultTimeout bounds one check.
const DefaultTimeout = time.Second

// notChecked is the state of a check whose first result is not in yet.
const notChecked = "not checked yet"

// Checker keeps the state of a fixed set of checks and answers readiness from it.
type Checker struct {
	checks  []Check
	probes  []*probe
	timeout time.Duration

	mu      sync.RWMutex
	results map[string]string // name → error message; "" answers
	missing int               // checks without a result yet
	checked chan struct{}     // closed when every check has a result

	draining atomic.Bool
}

// New returns a Checker over checks, each bounded by DefaultTimeout. With no
// checks the process is always ready. Until Watch records a check's first
// result, the check counts as failing ("not checked yet").
func New(checks ...Check) *Checker {
	return NewWithTimeout(DefaultTimeout, checks...)
}

// NewWithTimeout is New with another bound on each check.
func NewWithTimeout(timeout time.Duration, checks ...Check) *Checker {
	c := &Checker{checks: checks, timeout: timeout, results: map[string]string{}, checked: make(chan struct{})}
	for _, chk := range checks {
		c.probes = append(c.probes, &probe{check: chk, timeout: timeout})
		c.results[chk.Name] = notChecked
	}
	c.missing = len(checks)
	if c.missing == 0 {
		close(c.checked)
	}
	return c
}

// Checked is closed once every check has a first result.
func (c *Checker) Checked() <-chan struct{} { return c.checked }

// Drain makes readiness answer 503 {"status":"stopping"} from now on, so that
// a load balancer stops sending requests before the server stops accepting them.
func (c *Checker) Drain() { c.draining.Store(true) }

func (c *Checker) record(name string, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
		if msg == "" {
			msg = "failed"
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results[name] == notChecked && c.missing > 0 {
		c.missing--
		if c.missing == 0 {
			close(c.checked)
		}
	}
	c.results[name] = msg
}

// Status is the readiness of the process.
type Status struct {
	Status   string            `json:"status"`             // ok, degraded, unavailable, stopping
	Failing  map[string]string `json:"failing,omitempty"`  // required checks that fail: name → error
	Degraded map[string]string `json:"degraded,omitempty"` // optional checks that fail: name → error
}

// Ready reports whether the process should receive requests: not draining and
// no required check failing.
func (s Status) Ready() bool { return s.Status == "ok" || s.Status == "degraded" }

// Status returns the readiness from the latest results, without checking anything.
func (c *Checker) Status() Status {
	if c.draining.Load() {
		return Status{Status: "stopping"}
	}
	s := Status{Status: "ok"}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, chk := range c.checks {
		msg := c.results[chk.Name]
		if msg == "" {
			continue
		}
		if chk.Optional {
			if s.Degraded == nil {
				s.Degraded = map[string]string{}
			}
			s.Degraded[chk.Name] = msg
		} else {
			if s.Failing == nil {
				s.Failing = map[string]string{}
			}
			s.Failing[chk.Name] = msg
		}
	}
	switch {
	case s.Failing != nil:
		s.Status = "unavailable"
	case s.Degraded != nil:
		s.Status = "degraded"
	}
	return s
}

// Routes serves GET/HEAD /healthz and /readyz and passes every other
// request to next.
//
//	/healthz → 200 {"status":"ok"} (the process is alive)
//	/readyz  → 200 {"status":"ok"} when every check answers;
//	           200 {"status":"degraded","degraded":{"redis":"…"}} when only optional checks fail;
//	           503 {"status":"unavailable","failing":{"mysql":"…"}} (and "degraded" when optional
//	           ones fail too) when a required check fails;
//	           503 {"status":"stopping"} once Drain was called.
//
// /readyz answers from the latest results (Watch keeps them current) and never
// waits on a dependency.
func (c *Checker) Routes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/healthz":
			writeJSON(w, http.StatusOK, Status{Status: "ok"})
		case "/readyz":
			s := c.Status()
			status := http.StatusOK
			if !s.Ready() {
				status = http.StatusServiceUnavailable
			}
			writeJSON(w, status, s)
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

// Watch checks every dependency until ctx is done, recording each result for
// readiness. A healthy dependency is re-checked every interval; a failing one
// is retried with backoff (0.5s doubling, at most interval). Failures are
// logged at warn with the address (the first one, then at backoff-spaced
// times up to every 30s, with the count of failed checks since the last
// line); recovery is logged at info. Watch never gives up and never crashes
// the process: readiness reflects the state. Call it once per Checker.
func (c *Checker) Watch(ctx context.Context, logger *slog.Logger, interval time.Duration) {
	var wg sync.WaitGroup
	for _, p := range c.probes {
		wg.Go(func() { c.watch(ctx, logger, p, interval) })
	}
	wg.Wait()
}

func (c *Checker) watch(ctx context.Context, logger *slog.Logger, p *probe, interval time.Duration) {
	chk := p.check
	bo := backoff.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}
	healthy, first := false, true
	var logDue time.Time // no failure line before then, unless the dependency was healthy
	unlogged := 0        // failed checks since the last failure line
	for {
		err := p.run(ctx)
		if ctx.Err() != nil {
			return
		}
		c.record(chk.Name, err)
		var wait time.Duration
		if err != nil {
			delay := bo.Next()
			wait = min(delay, interval)
			unlogged++
			if now := time.Now(); healthy || first || !now.Before(logDue) {
				logger.Warn("dependency unavailable", "dependency", chk.Name, "addr", chk.Addr,
					"optional", chk.Optional, "err", err.Error(), "failed_checks", unlogged,
					"retry_in", wait.Round(time.Millisecond).String())
				unlogged = 0
				logDue = now.Add(delay)
			}
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
			unlogged = 0
			bo.Reset()
			wait = interval
		}
		first = false
		if !backoff.Sleep(ctx, wait) {
			return
		}
	}
}

// probe runs one check's Ping, bounded by timeout. A Ping that ignores its
// context is abandoned a little after the timeout (a failure is recorded in
// time) and is not started again until it has returned, so a hung client
// cannot pile up goroutines.
type probe struct {
	check   Check
	timeout time.Duration
	pending chan error // the result of a Ping still running, nil when none is
}

func (p *probe) run(ctx context.Context) error {
	if p.pending == nil {
		done := make(chan error, 1)
		pctx, cancel := context.WithTimeout(ctx, p.timeout)
		go func() {
			defer cancel()
			done <- p.check.Ping(pctx)
		}()
		p.pending = done
	}
	t := time.NewTimer(p.timeout + p.timeout/4)
	defer t.Stop()
	select {
	case err := <-p.pending:
		p.pending = nil
		return err
	case <-t.C:
		return fmt.Errorf("no answer within %s", p.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}
