package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/internal/metricsrv/metricstest"
)

// logAddr waits for the log line msg and returns its addr.
func logAddr(t *testing.T, buf *syncBuf, msg string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(buf.String(), "\n") {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg {
				return rec.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q line in:\n%s", msg, buf.String())
	return ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "chii-test")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metricValue returns the value of the sample named exactly name (no labels) in a text scrape.
func metricValue(t *testing.T, scrape, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(scrape)
	if m == nil {
		t.Fatalf("/metrics has no sample %s", name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// D15: the whole server (Run, demo mode) with CHII_METRICS_ADDR serves /metrics and
// /debug/pprof on the internal listener only; the API listener answers them with its catch-all
// 404. Both listeners stop together.
func TestRun_InternalListener(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_HTTP_ADDR": "127.0.0.1:0", "CHII_METRICS_ADDR": "127.0.0.1:0"}[k]
	}, config.Server)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	api := "http://" + listenAddr(t, &logs)
	internal := "http://" + logAddr(t, &logs, "internal listener")

	// A few API requests: a miss, then a hit of the response cache.
	for range 3 {
		if code, body := get(t, api+"/v0/subjects/1"); code != http.StatusOK {
			t.Fatalf("GET /v0/subjects/1 = %d %s", code, body)
		}
	}

	code, scrape := get(t, internal+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("internal GET /metrics = %d %s", code, scrape)
	}
	for _, name := range []string{
		"chii_http_internal_errors_total", "chii_http_panics_total", "chii_http_unavailable_total",
		"chii_http_rate_limiter_errors_total",
		"chii_response_cache_local_hits_total", "chii_response_cache_shared_hits_total",
		"chii_response_cache_misses_total", "chii_response_cache_stale_total",
		"chii_response_cache_evictions_total", "chii_response_cache_shared_errors_total",
		"chii_response_cache_bytes", "chii_response_cache_max_bytes",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_open_fds",
	} {
		if !strings.Contains(scrape, "\n"+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if v := metricValue(t, scrape, "chii_response_cache_misses_total"); v < 1 {
		t.Errorf("chii_response_cache_misses_total = %v after three requests of one subject, want >= 1", v)
	}
	if v := metricValue(t, scrape, "chii_response_cache_local_hits_total"); v < 1 {
		t.Errorf("chii_response_cache_local_hits_total = %v after three requests of one subject, want >= 1", v)
	}
	if v := metricValue(t, scrape, "chii_response_cache_bytes"); v <= 0 {
		t.Errorf("chii_response_cache_bytes = %v with a cached answer, want > 0", v)
	}
	if v := metricValue(t, scrape, "chii_response_cache_max_bytes"); v != float64(config.DefaultCacheMaxBytes) {
		t.Errorf("chii_response_cache_max_bytes = %v, want %d", v, config.DefaultCacheMaxBytes)
	}
	if !strings.Contains(scrape, `chii_build_info{version="`) {
		t.Error("/metrics lacks chii_build_info")
	}
	// The answers by route, through the whole process (TestBuildAPI_RequestMetrics has the cases).
	if !strings.Contains(scrape, `chii_http_requests_total{method="GET",route="/v0/subjects/{subject_id}",status="200"} 3`+"\n") {
		t.Error(`/metrics lacks chii_http_requests_total{method="GET",route="/v0/subjects/{subject_id}",status="200"} 3`)
	}
	if !strings.Contains(scrape, `chii_http_request_duration_seconds_count{method="GET",route="/v0/subjects/{subject_id}"} 3`+"\n") {
		t.Error(`/metrics lacks chii_http_request_duration_seconds_count{method="GET",route="/v0/subjects/{subject_id}"} 3`)
	}
	if !strings.Contains(scrape, "\nchii_timeline_publish_failures_total 0\n") {
		t.Error("/metrics lacks chii_timeline_publish_failures_total 0 (demo mode: the in-memory publisher)")
	}
	if !strings.Contains(scrape, "# TYPE chii_http_internal_errors_total counter") {
		t.Error("chii_http_internal_errors_total is not typed counter")
	}

	if code, body := get(t, internal+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("internal GET /debug/pprof/ = %d, want 200 with the profile index:\n%.300s", code, body)
	}
	if code, body := get(t, internal+"/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("internal GET /debug/pprof/goroutine = %d:\n%.300s", code, body)
	}
	if code, _ := get(t, internal+"/debug/pprof/cmdline"); code != http.StatusOK {
		t.Errorf("internal GET /debug/pprof/cmdline = %d, want 200", code)
	}

	// The API listener knows none of them: bangumi's catch-all 404.
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline", "/metrics"} {
		code, body := get(t, api+path)
		if code != http.StatusNotFound || !strings.Contains(body, "This is default response") {
			t.Errorf("API GET %s = %d %.200s, want the catch-all 404", path, code, body)
		}
	}
	// Nor does the internal listener serve the API.
	if code, _ := get(t, internal+"/v0/subjects/1"); code != http.StatusNotFound {
		t.Errorf("internal GET /v0/subjects/1 = %d, want 404", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run() did not return within 10s")
	}
	for _, u := range []string{api, internal} {
		if resp, err := http.Get(u + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("%s still accepts connections after the stop", u)
		}
	}
}

// Without CHII_METRICS_ADDR nothing but the API listens, and the API still has no /metrics.
func TestRun_NoInternalListenerByDefault(t *testing.T) {
	var logs syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, testConfig(5*time.Second), slog.New(slog.NewJSONHandler(&logs, nil))) }()
	api := "http://" + listenAddr(t, &logs)
	if code, _ := get(t, api+"/metrics"); code != http.StatusNotFound {
		t.Errorf("API GET /metrics = %d, want 404", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run() = %v", err)
	}
	if strings.Contains(logs.String(), `"internal listener"`) {
		t.Errorf("an internal listener started without CHII_METRICS_ADDR:\n%s", logs.String())
	}
}

// A metrics address that cannot be listened on stops the start, naming the variable.
func TestServe_InternalListenFails(t *testing.T) {
	taken := httptest.NewServer(http.NotFoundHandler())
	defer taken.Close()
	cfg := testConfig(5 * time.Second)
	cfg.MetricsAddr = strings.TrimPrefix(taken.URL, "http://")
	err := serve(t.Context(), cfg, slog.New(slog.DiscardHandler), nil, http.NotFoundHandler(), http.NotFoundHandler())
	if err == nil || !strings.Contains(err.Error(), "CHII_METRICS_ADDR") {
		t.Errorf("serve() = %v, want a listen error naming CHII_METRICS_ADDR", err)
	}
}

// The registry reads chii's counters when scraped, not when it is built.
func TestNewRegistry_ReadsCountersAtScrapeTime(t *testing.T) {
	m := &httpapi.Metrics{}
	rc := httpapi.NewResponseCache(httpapi.ResponseCacheOptions{MaxBytes: 2 << 20})
	h := internalHandler(newRegistry(metricsSources{version: "test", http: m, responses: rc}), slog.New(slog.DiscardHandler))

	m.InternalErrors.Add(3)
	m.Panics.Add(1)
	m.Unavailable.Add(5)
	m.RateLimiterErrors.Add(7)
	st := rc.Stats()
	st.LocalHits.Add(11)
	st.SharedHits.Add(13)
	st.Misses.Add(17)
	st.Stale.Add(19)
	st.Evictions.Add(23)
	st.SharedErrors.Add(29)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Body.String())
	}
	scrape := rec.Body.String()
	for name, want := range map[string]float64{
		"chii_http_internal_errors_total":         3,
		"chii_http_panics_total":                  1,
		"chii_http_unavailable_total":             5,
		"chii_http_rate_limiter_errors_total":     7,
		"chii_response_cache_local_hits_total":    11,
		"chii_response_cache_shared_hits_total":   13,
		"chii_response_cache_misses_total":        17,
		"chii_response_cache_stale_total":         19,
		"chii_response_cache_evictions_total":     23,
		"chii_response_cache_shared_errors_total": 29,
		"chii_response_cache_max_bytes":           2 << 20,
		"chii_response_cache_bytes":               0,
	} {
		if got := metricValue(t, scrape, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !strings.Contains(scrape, `chii_build_info{version="test"} 1`) {
		t.Error("/metrics lacks chii_build_info{version=\"test\"} 1")
	}
}

// D14 through the composition root: with CHII_TRUSTED_PROXIES naming the peer, each client
// named by Cf-Connecting-Ip / X-Forwarded-For has its own quota; without it, every request of
// the peer shares one, whatever the headers say.
func TestBuildAPI_TrustedProxies(t *testing.T) {
	request := func(h http.Handler, peer, header, value string) int {
		req := httptest.NewRequest(http.MethodGet, "/v0/subjects/1", nil)
		req.RemoteAddr = peer + ":40000"
		req.Header.Set("User-Agent", "chii-test")
		if header != "" {
			req.Header.Set(header, value)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	compose := func(t *testing.T, trusted ...string) http.Handler {
		t.Helper()
		cfg := testConfig(5 * time.Second)
		cfg.RateLimit.Count = 1 // the second request of a client is refused
		for _, p := range trusted {
			cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(p))
		}
		api, err := buildAPI(t.Context(), cfg, &deps.Deps{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(api.close)
		return api.handler
	}
	type step struct {
		peer, header, value string
		want                int
	}
	for _, tc := range []struct {
		name    string
		trusted []string
		steps   []step
	}{
		{
			name: "TrustedPeerNamesTheClient", trusted: []string{"10.0.0.0/8"},
			steps: []step{
				{"10.1.2.3", "Cf-Connecting-Ip", "198.51.100.1", 200},
				{"10.1.2.3", "Cf-Connecting-Ip", "198.51.100.2", 200},
				{"10.9.9.9", "X-Forwarded-For", "198.51.100.3, 10.1.2.3", 200},
				{"10.1.2.3", "Cf-Connecting-Ip", "198.51.100.1", 429}, // 198.51.100.1's second request
				{"10.1.2.3", "X-Forwarded-For", "198.51.100.2", 429},  // the same client through the other header
			},
		},
		{
			name: "UntrustedPeerIsTheClient",
			steps: []step{
				{"10.1.2.3", "Cf-Connecting-Ip", "198.51.100.1", 200},
				{"10.1.2.3", "Cf-Connecting-Ip", "198.51.100.2", 429},
				{"10.1.2.3", "X-Forwarded-For", "198.51.100.3", 429},
				{"192.0.2.1", "", "", 200},
			},
		},
		{
			name: "PeerOutsideTheTrustedRanges", trusted: []string{"10.0.0.0/8"},
			steps: []step{
				{"192.0.2.1", "Cf-Connecting-Ip", "198.51.100.1", 200},
				{"192.0.2.1", "Cf-Connecting-Ip", "198.51.100.2", 429},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := compose(t, tc.trusted...)
			for i, s := range tc.steps {
				if got := request(h, s.peer, s.header, s.value); got != s.want {
					t.Errorf("request %d from %s with %s: %s = %d, want %d", i, s.peer, s.header, s.value, got, s.want)
				}
			}
		})
	}
}

// The server's /metrics counts the answers by route (the chi pattern, not the path: one series
// for every subject id), method and status, with a latency histogram by route; an answer given
// before its route ran (a 401 of a bad token, a 429) is counted under the route it asked for,
// a path no route matches under "unmatched", and the refusals of the rate limiter on their own.
// A route never asked exports nothing.
func TestBuildAPI_RequestMetrics(t *testing.T) {
	cfg := testConfig(5 * time.Second)
	cfg.RateLimit.Count = 2 // the third /v0 request of the client is refused
	api, err := buildAPI(t.Context(), cfg, &deps.Deps{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.close)
	for _, step := range []struct {
		method, path, token string
		want                int
	}{
		{http.MethodGet, "/v0/subjects/1", "", http.StatusOK},
		{http.MethodGet, "/v0/subjects/999999", "", http.StatusNotFound},
		{http.MethodGet, "/v0/subjects/1", "", http.StatusTooManyRequests},
		{http.MethodGet, "/v0/subjects/2", "not-a-token", http.StatusUnauthorized}, // before the limiter
		{http.MethodGet, "/no/such/path", "", http.StatusNotFound},
		{http.MethodHead, "/openapi.json", "", http.StatusOK},
	} {
		req := httptest.NewRequest(step.method, step.path, nil)
		req.Header.Set("User-Agent", "chii-test")
		if step.token != "" {
			req.Header.Set("Authorization", "Bearer "+step.token)
		}
		rec := httptest.NewRecorder()
		api.handler.ServeHTTP(rec, req)
		if rec.Code != step.want {
			t.Fatalf("%s %s = %d, want %d: %s", step.method, step.path, rec.Code, step.want, rec.Body.String())
		}
	}

	internal := httptest.NewServer(internalHandler(newRegistry(metricsSources{
		version: "test", http: api.metrics, responses: api.responses, timeline: api.timeline,
	}), slog.New(slog.DiscardHandler)))
	defer internal.Close()
	fams := metricstest.Scrape(t, internal.URL+"/metrics")

	const subject = "/v0/subjects/{subject_id}"
	for _, want := range []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"chii_http_requests_total", map[string]string{"method": "GET", "route": subject, "status": "200"}, 1},
		{"chii_http_requests_total", map[string]string{"method": "GET", "route": subject, "status": "404"}, 1},
		{"chii_http_requests_total", map[string]string{"method": "GET", "route": subject, "status": "429"}, 1},
		{"chii_http_requests_total", map[string]string{"method": "GET", "route": subject, "status": "401"}, 1},
		{"chii_http_requests_total", map[string]string{"method": "", "route": "unmatched", "status": "404"}, 1},
		{"chii_http_requests_total", map[string]string{"method": "GET", "route": "/openapi.json", "status": "200"}, 1},
		{"chii_http_request_duration_seconds", map[string]string{"method": "GET", "route": subject}, 4},
		{"chii_http_request_duration_seconds", map[string]string{"method": "", "route": "unmatched"}, 1},
		{"chii_http_rate_limited_total", nil, 1},
		{"chii_timeline_publish_failures_total", nil, 0}, // demo mode: the in-memory publisher
	} {
		if got, ok := metricstest.Value(fams, want.name, want.labels); !ok || got != want.value {
			t.Errorf("%s%v = %v (found %v), want %v", want.name, want.labels, got, ok, want.value)
		}
	}
	var series []string
	for _, m := range fams["chii_http_requests_total"].GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		series = append(series, strings.Join(labels, ","))
	}
	if len(series) != 6 {
		t.Errorf("chii_http_requests_total has %d series, want the 6 of the answers given:\n%s", len(series), strings.Join(series, "\n"))
	}
}

// chii_timeline_publish_failures_total is the failure count of the timeline publisher the
// server composed: Kafka's (a broker that refuses connections) or the in-memory one.
func TestNewRegistry_TimelinePublishFailures(t *testing.T) {
	msg := timeline.Message{Key: []byte("1"), Value: []byte(`{"op":"mono"}`)}
	for _, tc := range []struct {
		name string
		pub  func(t *testing.T) interface {
			Failures() uint64
			Publish(context.Context, timeline.Message) error
		}
	}{
		{"Kafka", func(t *testing.T) interface {
			Failures() uint64
			Publish(context.Context, timeline.Message) error
		} {
			refused := httptest.NewServer(http.NotFoundHandler())
			addr := strings.TrimPrefix(refused.URL, "http://")
			refused.Close() // nothing listens there any more
			p, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: []string{addr}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Close() })
			return p
		}},
		{"InMemory", func(*testing.T) interface {
			Failures() uint64
			Publish(context.Context, timeline.Message) error
		} {
			p := inmem.NewTimelinePublisher()
			p.FailWith(errors.New("broker down"))
			return p
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub := tc.pub(t)
			h := internalHandler(newRegistry(metricsSources{version: "test", http: &httpapi.Metrics{}, timeline: pub}), slog.New(slog.DiscardHandler))
			scrape := func() float64 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				return metricValue(t, rec.Body.String(), "chii_timeline_publish_failures_total")
			}
			if v := scrape(); v != 0 {
				t.Fatalf("chii_timeline_publish_failures_total = %v before any publish, want 0", v)
			}
			for range 2 {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				err := pub.Publish(ctx, msg)
				cancel()
				if err == nil {
					t.Fatal("Publish() = nil, want the broker's error")
				}
			}
			if v := scrape(); v != 2 {
				t.Errorf("chii_timeline_publish_failures_total = %v after two failed publishes, want 2", v)
			}
		})
	}
}

// BenchmarkRouteObserver_Observe is what an answer costs the request metrics once its route's
// series exist: one histogram observation and one counter increment, no allocation.
func BenchmarkRouteObserver_Observe(b *testing.B) {
	o := newRequestMetrics().Route(http.MethodGet, "/v0/subjects/{subject_id}")
	o.Observe(http.StatusOK, time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o.Observe(http.StatusOK, 80*time.Microsecond)
		}
	})
}
