package timeline_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/internal/metricsrv/metricstest"
)

var internalAddr = regexp.MustCompile(`"msg":"internal listener","addr":"([^"]+)"`)

// waitInternalAddr returns the address the worker's internal listener logged, within 30 s.
func waitInternalAddr(t *testing.T, logs *syncBuf) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := internalAddr.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no internal listener logged within 30s:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRun_ServesMetrics: with CHII_METRICS_ADDR the worker serves /metrics in the Prometheus
// text format, and the figures follow what it did: messages by outcome (the handler's and the
// loop's), dead letters, handler latency, lag 0 once drained.
func TestRun_ServesMetrics(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline", "timeline.dlq")
	dsn, _ := testenv.MySQL(t)
	msgs := e2eMessages(t)
	produce(t, brokers, msgs...)

	cfg := loadConfig(t, brokers, dsn)
	cfg.MetricsAddr = "127.0.0.1:0"
	var logs syncBuf
	stop := startRun(t, cfg, &logs)
	defer stop()
	url := "http://" + waitInternalAddr(t, &logs) + "/metrics"
	waitCommitted(t, brokers, int64(len(msgs)), &logs)

	fams := metricstest.Scrape(t, url)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"chii_timeline_messages_total", map[string]string{"outcome": "written"}, 3},
		{"chii_timeline_messages_total", map[string]string{"outcome": "invalid"}, 2},
		{"chii_timeline_messages_total", map[string]string{"outcome": "empty"}, 1},
		{"chii_timeline_messages_total", map[string]string{"outcome": "failed"}, 0},
		{"chii_consume_messages_total", map[string]string{"topic": "timeline", "outcome": "ok"}, 4},
		{"chii_consume_messages_total", map[string]string{"topic": "timeline", "outcome": "dead_letter"}, 2},
		{"chii_consume_dead_letters_total", map[string]string{"topic": "timeline"}, 2},
		{"chii_consume_handler_seconds", map[string]string{"topic": "timeline"}, 6},
		{"chii_consume_lag_messages", map[string]string{"topic": "timeline", "partition": "0"}, 0},
		{"chii_consume_errors_total", map[string]string{"op": "commit"}, 0},
	} {
		got, found := metricstest.Value(fams, tc.name, tc.labels)
		if !found || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, found, tc.want)
		}
	}
	for _, name := range []string{"chii_build_info", "chii_consume_reader_lag", "go_sql_open_connections", "go_goroutines"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
