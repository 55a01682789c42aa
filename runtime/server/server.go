// Package server is the `chii server` process: the HTTP API with health
// routes in front, and its graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// Run serves the API on cfg.HTTPAddr until ctx is cancelled; then it stops
// accepting connections, lets in-flight requests finish within
// cfg.ShutdownGrace and returns nil (or an error if the grace ran out).
//
// Configured dependencies (MySQL, Redis) that do not answer do not stop it:
// the server starts, /readyz answers 503 naming them, and they are retried
// in the background with backoff, each failure logged with its address.
// Without CHII_MYSQL_DSN the server runs in demo mode on in-memory adapters.
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

	api, cleanup, err := buildAPI(ctx, cfg, d, logger)
	if err != nil {
		return fmt.Errorf("compose API: %w", err)
	}
	defer cleanup()

	return serve(ctx, cfg, logger, health.New(d.Checks...), api)
}

// serve runs the HTTP server with the health routes in front of api and
// the dependency watcher beside it, until ctx is cancelled.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, checker *health.Checker, api http.Handler) error {
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go checker.Watch(watchCtx, logger, 30*time.Second)

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           checker.Routes(withDeadline(api, requestTimeout)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
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

	logger.Info("shutting down: no new connections, waiting for in-flight requests", "grace", cfg.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("in-flight requests still running after the grace period (%s): %w", cfg.ShutdownGrace, err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// requestTimeout bounds the work of one API request: its context is cancelled then, which
// cancels the database statements it is waiting on.
const requestTimeout = 30 * time.Second

// withDeadline gives every request's context a deadline of d.
func withDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
