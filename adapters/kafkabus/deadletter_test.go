package kafkabus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
)

// A dead letter goes to <topic>.dlq with the original key, value and headers, then the dlq.*
// headers; a missing dead-letter topic is an error (the worker retries it), not a loss.
func TestDeadLetterWriter(t *testing.T) {
	brokers := testenv.Kafka(t, "events.dlq")
	w, err := kafkabus.NewDeadLetterWriter(kafkabus.WriterOptions{Brokers: brokers, WriteTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	m := kafka.Message{Topic: "events", Partition: 2, Offset: 41, Key: []byte(`{"uid":1}`), Value: []byte("{oops"),
		Headers: []kafka.Header{{Key: "trace", Value: []byte("abc")}}}
	if err := w.DeadLetter(ctx, m, errors.New("not JSON")); err != nil {
		t.Fatalf("DeadLetter() = %v", err)
	}
	if err := w.DeadLetter(ctx, kafka.Message{Topic: "missing", Value: []byte("x")}, errors.New("bad")); err == nil {
		t.Error("DeadLetter() to a missing dead-letter topic = nil, want an error")
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "events.dlq", MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	got, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Key) != `{"uid":1}` || string(got.Value) != "{oops" {
		t.Errorf("dead letter = key %q value %q, want the original", got.Key, got.Value)
	}
	headers := map[string]string{}
	var order []string
	for _, h := range got.Headers {
		headers[h.Key] = string(h.Value)
		order = append(order, h.Key)
	}
	want := map[string]string{"trace": "abc", "dlq.error": "not JSON", "dlq.topic": "events", "dlq.partition": "2", "dlq.offset": "41"}
	if diff := cmp.Diff(want, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if len(order) == 0 || order[0] != "trace" {
		t.Errorf("header order %v, want the original headers first", order)
	}
}
