package canal_test

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/metricsrv/metricstest"
	"github.com/bangumi/chii/runtime/worker/canal"
)

var internalAddr = regexp.MustCompile(`"msg":"internal listener","addr":"([^"]+)"`)

// TestRun_ServesMetrics: with CHII_METRICS_ADDR the canal worker serves /metrics in the
// Prometheus text format, with its events by table, op and outcome, its dead letters, its
// handler latency and its lag, 0 once drained.
func TestRun_ServesMetrics(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_subjects"
	brokers := testenv.Kafka(t, topic, topic+kafkabus.DeadLetterSuffix)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_KAFKA_TOPICS": topic,
			"CHII_SHUTDOWN_GRACE": "5s", "CHII_METRICS_ADDR": "127.0.0.1:0",
		}[k]
	}, config.CanalWorker)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		kafka.Message{Key: []byte(`{"subject_id":8}`)},
		kafka.Message{Value: []byte("{oops")},
		kafka.Message{Value: []byte(`{"source":{"table":"chii_index"},"op":"c","after":{}}`)},
		kafka.Message{Value: []byte(`{"source":{"table":"chii_index"},"op":"c","after":{}}`)},
		kafka.Message{Value: []byte(`{"source":{"table":"chii_subjects"},"op":"u","after":{}}`)},
	); err != nil {
		t.Fatal(err)
	}

	var logs syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- canal.Run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	deadline := time.Now().Add(30 * time.Second)
	for testenv.CommittedOffset(t, brokers, "go-canal", topic) != 5 {
		if time.Now().After(deadline) {
			t.Fatalf("committed offset = %d, want 5\n%s", testenv.CommittedOffset(t, brokers, "go-canal", topic), logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	m := internalAddr.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no internal listener logged:\n%s", logs.String())
	}

	fams := metricstest.Scrape(t, "http://"+m[1]+"/metrics")
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"chii_canal_events_total", map[string]string{"table": "-", "op": "-", "outcome": "tombstone"}, 1},
		{"chii_canal_events_total", map[string]string{"table": "-", "op": "-", "outcome": "dead_letter"}, 1},
		{"chii_canal_events_total", map[string]string{"table": "chii_index", "op": "c", "outcome": "ignored"}, 2},
		{"chii_canal_events_total", map[string]string{"table": "chii_subjects", "op": "u", "outcome": "ignored"}, 1},
		{"chii_consume_messages_total", map[string]string{"topic": topic, "outcome": "ok"}, 4},
		{"chii_consume_messages_total", map[string]string{"topic": topic, "outcome": "dead_letter"}, 1},
		{"chii_consume_dead_letters_total", map[string]string{"topic": topic}, 1},
		{"chii_consume_lag_messages", map[string]string{"topic": topic, "partition": "0"}, 0},
	} {
		got, found := metricstest.Value(fams, tc.name, tc.labels)
		if !found || got != tc.want {
			t.Errorf("%s%v = %v (found %v), want %v", tc.name, tc.labels, got, found, tc.want)
		}
	}
	if n, found := metricstest.Value(fams, "chii_consume_handler_seconds", map[string]string{"topic": topic}); !found || n < 1 {
		t.Errorf("chii_consume_handler_seconds count = %v (found %v), want at least one batch", n, found)
	}
	for _, name := range []string{"chii_build_info", "chii_consume_reader_lag", "go_goroutines"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run() did not return after cancel")
	}
}
