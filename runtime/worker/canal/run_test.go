package canal_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/canal"
)

func committedOffset(t *testing.T, brokers []string, group, topic string) int64 {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	resp, err := c.OffsetFetch(t.Context(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil || resp.Error != nil {
		return -1
	}
	for _, p := range resp.Topics[topic] {
		return p.CommittedOffset
	}
	return -1
}

// TestRun_ConsumesAndCommitsDebeziumMessages runs the whole worker against
// an in-process broker: every kind of message the default composition
// accepts (tombstone, unknown table, known table without a handler yet) is
// acknowledged and committed; the invalid JSON lands in <topic>.dlq with its
// key, value and error, is committed after that, and the worker goes on.
func TestRun_ConsumesAndCommitsDebeziumMessages(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_subjects"
	brokers := testenv.Kafka(t, topic, topic+kafkabus.DeadLetterSuffix)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"CHII_KAFKA_BROKERS":  strings.Join(brokers, ","),
			"CHII_KAFKA_TOPICS":   topic,
			"CHII_SHUTDOWN_GRACE": "5s",
		}[k]
	}, config.CanalWorker)
	if err != nil {
		t.Fatal(err)
	}

	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		kafka.Message{Key: []byte(`{"subject_id":8}`), Value: nil},
		kafka.Message{Key: []byte(`{"subject_id":8}`), Value: []byte("{oops")},
		kafka.Message{Value: []byte(`{"source":{"table":"chii_index"},"op":"c","after":{}}`)},
		kafka.Message{Key: []byte(`{"subject_id":8}`), Value: []byte(`{"source":{"table":"chii_subjects"},"op":"u","before":{},"after":{}}`)},
	); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- canal.Run(ctx, cfg, slog.New(slog.DiscardHandler)) }()

	deadline := time.Now().Add(30 * time.Second)
	for committedOffset(t, brokers, "go-canal", topic) != 4 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("committed offset = %d, want 4", committedOffset(t, brokers, "go-canal", topic))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run() did not return after cancel")
	}

	dl := readTopic(t, brokers, topic+kafkabus.DeadLetterSuffix, 1)[0]
	if string(dl.Key) != `{"subject_id":8}` || string(dl.Value) != "{oops" {
		t.Errorf("dead letter = key %q value %q, want the invalid message", dl.Key, dl.Value)
	}
	for k, want := range map[string]string{
		kafkabus.HeaderDLQTopic: topic, kafkabus.HeaderDLQPartition: "0", kafkabus.HeaderDLQOffset: "1",
	} {
		if got := header(dl, k); got != want {
			t.Errorf("dead letter header %s = %q, want %q", k, got, want)
		}
	}
	if got := header(dl, kafkabus.HeaderDLQError); !strings.Contains(got, "not a Debezium JSON envelope") {
		t.Errorf("dead letter header %s = %q, want the decode error", kafkabus.HeaderDLQError, got)
	}
}

// readTopic reads the first n messages of partition 0 of topic, within 30 s.
func readTopic(t *testing.T, brokers []string, topic string, n int) []kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: 0, MinBytes: 1, MaxBytes: 10 << 20,
		MaxWait: 200 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out []kafka.Message
	for len(out) < n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s: %d of %d messages, then %v", topic, len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return "<none>"
}
