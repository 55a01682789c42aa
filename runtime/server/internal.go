package server

import (
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/runtime/internal/metricsrv"
)

// The internal listener (CHII_METRICS_ADDR, D15) serves what must never reach the public API
// listener: /metrics in Prometheus' text format and the /debug/pprof profiles.

// metricsSources are what /metrics exports. Every chii figure is read from its atomic counter at
// scrape time: nothing is copied or updated on the request path.
type metricsSources struct {
	version   string
	http      *httpapi.Metrics       // required
	responses *httpapi.ResponseCache // nil: no response cache
	mysql     *sql.DB                // nil: demo mode
}

// newRegistry returns a registry of chii's own (never the global default one, which any
// imported package may fill) with chii's counters, the response cache's figures, the MySQL
// pool's statistics and the Go runtime and process collectors.
func newRegistry(src metricsSources) *prometheus.Registry {
	reg := metricsrv.NewRegistry(src.version)
	m := src.http
	reg.MustRegister(
		counterOf("http_internal_errors_total", "500 answers caused by unexpected errors (each logged with its request id).", &m.InternalErrors),
		counterOf("http_panics_total", "Handler panics, answered 500.", &m.Panics),
		counterOf("http_unavailable_total", "503 answers: a dependency down or too slow.", &m.Unavailable),
		counterOf("http_rate_limiter_errors_total", "Requests let through because the rate limiter failed.", &m.RateLimiterErrors),
	)
	if rc := src.responses; rc != nil {
		st := rc.Stats()
		reg.MustRegister(
			counterOf("response_cache_local_hits_total", "Rendered answers served from the in-process tier.", &st.LocalHits),
			counterOf("response_cache_shared_hits_total", "Rendered answers served from the shared (Redis) tier.", &st.SharedHits),
			counterOf("response_cache_misses_total", "Cacheable requests rendered from the use cases.", &st.Misses),
			counterOf("response_cache_stale_total", "Entries found but rendered before a change of one of their tags.", &st.Stale),
			counterOf("response_cache_evictions_total", "In-process entries evicted for room.", &st.Evictions),
			counterOf("response_cache_shared_errors_total", "Failed calls to the shared tier (answered without it).", &st.SharedErrors),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "chii", Name: "response_cache_bytes", Help: "Bytes the in-process tier holds.",
			}, func() float64 { return float64(rc.Bytes()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "chii", Name: "response_cache_max_bytes", Help: "Bound of the in-process tier (CHII_CACHE_MAX_BYTES).",
			}, func() float64 { return float64(rc.MaxBytes()) }),
		)
	}
	if src.mysql != nil {
		// go_sql_*{db_name="mysql"}: open, in-use and idle connections, waits for a connection.
		reg.MustRegister(collectors.NewDBStatsCollector(src.mysql, "mysql"))
	}
	return reg
}

func counterOf(name, help string, v *atomic.Uint64) prometheus.CounterFunc {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "chii", Name: name, Help: help},
		func() float64 { return float64(v.Load()) })
}

// internalHandler routes the internal listener: /metrics from reg and the net/http/pprof
// handlers (runtime/internal/metricsrv, shared with the workers).
func internalHandler(reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	return metricsrv.Handler(reg, logger)
}

// startInternal serves h on ln until the returned stop is called (metricsrv.Start: no write
// timeout, so a CPU profile or trace streams for as many seconds as asked; headers and idle
// connections bounded like the API's).
func startInternal(ln net.Listener, h http.Handler, idle time.Duration, logger *slog.Logger) (stop func()) {
	return metricsrv.Start(ln, h, idle, logger)
}
