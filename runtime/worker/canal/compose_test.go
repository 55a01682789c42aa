package canal_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/canal"
)

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func canalConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, config.CanalWorker)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runCanal runs canal.Run until stop is called; stop returns Run's result, failing the test
// when Run does not return within 10s of it.
func runCanal(t *testing.T, cfg config.Config, logger *slog.Logger) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- canal.Run(ctx, cfg, logger) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run() did not return within 10s of the cancel")
			return nil
		}
	}
}

// Without Meilisearch the worker leaves the search tables to the server's embedded index: it
// says so once at start, and acknowledges their events.
func TestRun_WithoutMeilisearchLeavesSearchToTheServer(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_characters"
	brokers := testenv.Kafka(t, topic)
	cfg := canalConfig(t, map[string]string{
		"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_KAFKA_TOPICS": topic, "CHII_SHUTDOWN_GRACE": "5s",
	})
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(), event("chii_characters", "u", `{"crt_id":1}`, `{"crt_id":1}`, `{"crt_id":1}`)); err != nil {
		t.Fatal(err)
	}
	var buf lockedBuf
	stop := runCanal(t, cfg, slog.New(slog.NewJSONHandler(&buf, nil)))
	deadline := time.Now().Add(30 * time.Second)
	for testenv.CommittedOffset(t, brokers, "go-canal", topic) != 1 {
		if time.Now().After(deadline) {
			_ = stop()
			t.Fatalf("committed offset = %d after 30s, want 1", testenv.CommittedOffset(t, brokers, "go-canal", topic))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if n := strings.Count(buf.String(), "left to the server's embedded index"); n != 1 {
		t.Errorf("%d log lines say the search tables are left to the server, want 1:\n%s", n, buf.String())
	}
}

// Meilisearch needs MySQL: the documents are read from it.
func TestRun_MeilisearchWithoutMySQLFails(t *testing.T) {
	cfg := canalConfig(t, map[string]string{
		"CHII_KAFKA_BROKERS": testenv.Frozen(t), "CHII_KAFKA_TOPICS": "t", "CHII_MEILISEARCH_URL": "http://127.0.0.1:1",
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := canal.Run(ctx, cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "CHII_MYSQL_DSN") {
		t.Errorf("Run() = %v, want an error naming CHII_MYSQL_DSN", err)
	}
}

// An unreachable Meilisearch is waited for (logged with its address, retried), and a stop
// meanwhile ends the worker cleanly.
func TestRun_MeilisearchUnavailableIsRetriedUntilStopped(t *testing.T) {
	dsn, _ := testenv.MySQL(t)
	brokers := testenv.Kafka(t, "t")
	cfg := canalConfig(t, map[string]string{
		"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_KAFKA_TOPICS": "t", "CHII_MYSQL_DSN": dsn,
		"CHII_MEILISEARCH_URL": "http://127.0.0.1:1", "CHII_MEILISEARCH_REQUEST_TIMEOUT": "200ms",
	})
	var buf lockedBuf
	stop := runCanal(t, cfg, slog.New(slog.NewJSONHandler(&buf, nil)))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "Meilisearch unavailable; retrying") {
		if time.Now().After(deadline) {
			_ = stop()
			t.Fatalf("no retry logged within 10s:\n%s", buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Errorf("Run() stopped while waiting for Meilisearch = %v, want nil", err)
	}
	if out := buf.String(); !strings.Contains(out, `"url":"http://127.0.0.1:1"`) {
		t.Errorf("the retry log does not name Meilisearch's address:\n%s", out)
	}
}
