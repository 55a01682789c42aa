package server

import (
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
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
	http      *httpapi.Metrics       // required; its Routes are exported when they are a prometheus.Collector (requestMetrics)
	responses *httpapi.ResponseCache // nil: no response cache
	mysql     *sql.DB                // nil: demo mode
	// timeline is the timeline publisher when it counts its failures (kafkabus's, inmem's).
	timeline interface{ Failures() uint64 }
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
		counterOf("http_rate_limited_total", "Requests refused by the rate limiter (429).", &m.RateLimited),
	)
	if c, ok := m.Routes.(prometheus.Collector); ok {
		reg.MustRegister(c)
	}
	if tl := src.timeline; tl != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "chii", Name: "timeline_publish_failures_total",
			Help: "Timeline messages that could not be published (each logged whole; the request still succeeded).",
		}, func() float64 { return float64(tl.Failures()) }))
	}
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

// requestMetrics are the API's request series, chii_http_requests_total{method,route,status}
// and chii_http_request_duration_seconds{method,route} (route: the chi pattern, so the series
// are bounded by the routes; "unmatched" with method "" for the requests no route matches).
// It is httpapi.Metrics.Routes: httpapi asks it for each route's observer once, as it mounts
// the route, and the observer resolves its series on its first answer of each status, so the
// request path neither builds label values nor looks series up by them.
type requestMetrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
}

var _ httpapi.RouteObservers = (*requestMetrics)(nil)

func newRequestMetrics() *requestMetrics {
	return &requestMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "chii", Name: "http_requests_total",
			Help: "Answers by route (chi pattern; HEAD counts as GET), method and status.",
		}, []string{"method", "route", "status"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "chii", Name: "http_request_duration_seconds",
			Help: "Time from a request's arrival at the API handler to its answer, by route and method.",
			// A cached answer takes tens of microseconds, a render from MySQL milliseconds.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
}

// Describe and Collect make requestMetrics a prometheus.Collector of both vectors.
func (m *requestMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.seconds.Describe(ch)
}

func (m *requestMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.seconds.Collect(ch)
}

// Route returns the observer of one route; pattern "" is the unmatched requests.
func (m *requestMetrics) Route(method, pattern string) httpapi.RouteObserver {
	if pattern == "" {
		method, pattern = "", "unmatched"
	}
	return &routeObserver{m: m, method: method, route: pattern}
}

// routeObserver counts one route's answers. Its series are made on the route's first answer
// (a route never requested exports nothing) and kept: the histogram's, and a counter per
// common status (others are looked up in the vector for each answer).
type routeObserver struct {
	m             *requestMetrics
	method, route string
	seconds       atomic.Pointer[prometheus.Observer]
	byStatus      [len(commonStatuses)]atomic.Pointer[prometheus.Counter]
}

// commonStatuses are the statuses whose counters a route keeps at hand.
var commonStatuses = [...]int{200, 204, 302, 304, 400, 401, 403, 404, 413, 415, 422, 429, 500, 503}

func (o *routeObserver) Observe(status int, elapsed time.Duration) {
	h := o.seconds.Load()
	if h == nil {
		v := o.m.seconds.WithLabelValues(o.method, o.route) // the vector returns racing callers one series
		h = &v
		o.seconds.Store(h)
	}
	(*h).Observe(elapsed.Seconds())
	o.counter(status).Inc()
}

func (o *routeObserver) counter(status int) prometheus.Counter {
	i := slices.Index(commonStatuses[:], status)
	if i < 0 {
		return o.m.requests.WithLabelValues(o.method, o.route, strconv.Itoa(status))
	}
	c := o.byStatus[i].Load()
	if c == nil {
		v := o.m.requests.WithLabelValues(o.method, o.route, strconv.Itoa(status))
		c = &v
		o.byStatus[i].Store(c)
	}
	return *c
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
