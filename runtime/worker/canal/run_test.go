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
	for testenv.CommittedOffset(t, brokers, "go-canal", topic) != 4 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("committed offset = %d, want 4", testenv.CommittedOffset(t, brokers, "go-canal", topic))
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

	dl := testenv.ReadTopic(t, brokers, topic+kafkabus.DeadLetterSuffix, 1)[0]
	if string(dl.Key) != `{"subject_id":8}` || string(dl.Value) != "{oops" {
		t.Errorf("dead letter = key %q value %q, want the invalid message", dl.Key, dl.Value)
	}
	for k, want := range map[string]string{
		kafkabus.HeaderDLQTopic: topic, kafkabus.HeaderDLQPartition: "0", kafkabus.HeaderDLQOffset: "1",
	} {
		if got := testenv.Header(dl, k); got != want {
			t.Errorf("dead letter header %s = %q, want %q", k, got, want)
		}
	}
	if got := testenv.Header(dl, kafkabus.HeaderDLQError); !strings.Contains(got, "not a Debezium JSON envelope") {
		t.Errorf("dead letter header %s = %q, want the decode error", kafkabus.HeaderDLQError, got)
	}
}
