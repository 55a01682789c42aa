// Package server is the `chii server` process: the HTTP API with health
// routes in front, and its graceful shutdown.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// Run serves the API on cfg.HTTPAddr until ctx is cancelled; then /readyz
// answers 503, the server keeps serving for cfg.ShutdownDrain, stops
// accepting connections, lets in-flight requests finish within
// cfg.ShutdownGrace and returns nil (or an error if the grace ran out).
//
// Configured dependencies (MySQL, Redis) that do not answer do not stop it:
// the server starts, /readyz reports them (503 for MySQL, 200 "degraded" for
// Redis), and they are re-checked in the background, each failure logged with
// its address. Without CHII_MYSQL_DSN the server runs in demo mode on
// in-memory adapters.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	d, err := deps.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			logger.Warn("closing dependencies", "err", err.Error())
		}
	}()
	if d.MySQL == nil {
		logger.Info("demo mode: CHII_MYSQL_DSN is not set, serving the built-in in-memory demo dataset")
	}

	api, err := buildAPI(ctx, cfg, d, logger)
	if err != nil {
		return fmt.Errorf("compose API: %w", err)
	}
	defer api.close()

	var internal http.Handler
	if cfg.MetricsAddr != "" {
		reg := newRegistry(metricsSources{
			version: Version(), http: api.metrics, responses: api.responses, mysql: d.MySQL, timeline: api.timeline,
		})
		internal = internalHandler(reg, logger)
	}
	return serve(ctx, cfg, logger, health.New(d.Checks...), api.handler, internal)
}

// checkInterval is how often readiness re-checks a dependency (a failing one is retried
// with backoff up to this interval); each check is bounded by health.DefaultTimeout.
const checkInterval = 2 * time.Second

// serve listens on cfg.HTTPAddr and runs serveOn. With an internal handler it also serves it
// on cfg.MetricsAddr (D15: /metrics and /debug/pprof, never on the API listener) from before
// the first readiness round until serveOn returns: it answers through the drain and the grace
// and stops with the API listener.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, checker *health.Checker, api, internal http.Handler) error {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	if internal != nil && cfg.MetricsAddr != "" {
		iln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on %s (CHII_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		stop := startInternal(iln, internal, cfg.HTTP.IdleTimeout, logger)
		defer stop()
	}
	return serveOn(ctx, ln, cfg, logger, checker, api)
}

// serveOn runs the HTTP server on ln with the health routes in front of api
// and the dependency checks beside it, until ctx is cancelled. The first
// round of checks ends (or times out) before the "listening" line, so /readyz
// reflects the dependencies from the first request on.
//
// Every phase of a request is bounded (cfg.HTTP): headers, the whole request
// with its body, the handler's work (its context's deadline), the answer,
// the wait for the next request on a kept-alive connection, and the sizes of
// headers and body.
//
// On ctx's end: /readyz answers 503 {"status":"stopping"} and keep-alives
// stop (every answer closes its connection); the server goes on serving for
// cfg.ShutdownDrain so that a load balancer drains it; then it stops
// accepting and waits up to cfg.ShutdownGrace for the requests in flight.
func serveOn(ctx context.Context, ln net.Listener, cfg config.Config, logger *slog.Logger, checker *health.Checker, api http.Handler) error {
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go checker.Watch(watchCtx, logger, checkInterval)
	select {
	case <-checker.Checked():
	case <-time.After(2 * health.DefaultTimeout):
	case <-ctx.Done():
	}

	h := cfg.HTTP
	var inFlight atomic.Int64 // requests whose handler runs
	handler := withBodyLimit(checker.Routes(withDeadline(api, h.RequestTimeout)), int64(h.MaxBodyBytes))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: h.ReadHeaderTimeout,
		ReadTimeout:       h.ReadTimeout,
		WriteTimeout:      h.WriteTimeout,
		IdleTimeout:       h.IdleTimeout,
		MaxHeaderBytes:    h.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	logger.Info("listening", "addr", ln.Addr().String())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	checker.Drain()
	srv.SetKeepAlivesEnabled(false)
	if cfg.ShutdownDrain > 0 {
		logger.Info("draining: /readyz answers 503, still serving", "drain", cfg.ShutdownDrain.String())
		t := time.NewTimer(cfg.ShutdownDrain)
		select {
		case <-t.C:
		case err := <-serveErr:
			t.Stop()
			return fmt.Errorf("http server: %w", err)
		}
	}

	logger.Info("shutting down: no new connections, waiting for in-flight requests", "grace", cfg.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Shutdown notices finished requests only when it polls (every 500ms at most), and
		// waits for connections that were accepted but never sent a request: the grace ran
		// out, but if no handler runs, every request got its answer (a short second Shutdown
		// lets the last ones flush).
		if n := inFlight.Load(); n > 0 {
			_ = srv.Close()
			return fmt.Errorf("%d in-flight requests still running after the grace period (%s): %w", n, cfg.ShutdownGrace, err)
		}
		flushCtx, cancelFlush := context.WithTimeout(context.WithoutCancel(ctx), 50*time.Millisecond)
		_ = srv.Shutdown(flushCtx)
		cancelFlush()
		_ = srv.Close()
		logger.Info("grace period over with no request in flight: closed the remaining connections")
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// withDeadline gives every request's context a deadline of d (CHII_REQUEST_TIMEOUT): its
// context is cancelled then, which cancels the database statements it is waiting on.
func withDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withBodyLimit bounds request bodies to limit bytes (CHII_HTTP_MAX_BODY_BYTES): a request
// that declares a longer body (Content-Length) is answered 413 with bangumi's error body
// before any handler runs, and its connection is closed; any other body is read through
// http.MaxBytesReader, so a handler reading past the limit gets an *http.MaxBytesError and
// the connection is closed after its answer.
//
// (The read timeout bounds reading the request only: net/http lifts the connection's read
// deadline once the body has been read, so it never cuts a handler's work; withDeadline does.)
func withBodyLimit(h http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			writeTooLarge(w, r, limit)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h.ServeHTTP(w, r)
	})
}

// writeTooLarge answers 413 with the error body of every other bangumi error
// (adapters/httpapi's ErrorDetail: title, description, request_id, details).
func writeTooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	status := http.StatusRequestEntityTooLarge
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(httpapi.ErrorDetail{
		Title:       http.StatusText(status),
		Description: fmt.Sprintf("request body is larger than %d bytes", limit),
		RequestID:   r.Header.Get("Cf-Ray"),
		Details:     &httpapi.ErrorRequest{Path: r.URL.Path, Method: r.Method, QueryString: r.URL.RawQuery},
	})
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
