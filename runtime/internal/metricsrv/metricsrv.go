// Package metricsrv is chii's internal listener (CHII_METRICS_ADDR, D15), shared by the server
// and the workers: /metrics in Prometheus' text format from a registry of the process's own
// (never the global default one, which any imported package may fill) and the /debug/pprof
// profiles. It is never the API listener.
package metricsrv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry of the process's own with the Go runtime and process
// collectors and chii_build_info{version}.
func NewRegistry(version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "chii", Name: "build_info", Help: "Always 1; the version label is the build's version.",
			ConstLabels: prometheus.Labels{"version": version},
		}, func() float64 { return 1 }),
	)
	return reg
}

// Handler routes the internal listener: /metrics from reg and the net/http/pprof handlers,
// registered on a mux of its own (an API listener's handler never sees them).
func Handler(reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError, // a failing collector does not hide the others
	}))
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also the named profiles: heap, goroutine, …
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Grace is how long the internal listener lets its requests finish once stopped (a CPU
// profile in progress is cut then).
const Grace = time.Second

// Start serves h on ln until the returned stop is called. Its server has no write timeout (a
// CPU profile or trace streams for as many seconds as asked); headers and idle connections
// are bounded (idle: 0 means 2 minutes). It logs "internal listener" with the address.
func Start(ln net.Listener, h http.Handler, idle time.Duration, logger *slog.Logger) (stop func()) {
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	logger.Info("internal listener", "addr", ln.Addr().String(), "serves", "/metrics /debug/pprof/")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), Grace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("internal listener failed", "addr", ln.Addr().String(), "err", err.Error())
		}
	}
}

// Listen serves reg's /metrics (and pprof) on addr until stop is called: a worker's
// internal listener. An empty addr serves nothing (stop does nothing).
func Listen(addr string, reg *prometheus.Registry, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (CHII_METRICS_ADDR): %w", addr, err)
	}
	return Start(ln, Handler(reg, logger), 0, logger), nil
}
