package consume_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/worker/consume"
)

const topic = "chii-test"

func produce(t *testing.T, brokers []string, values ...string) {
	t.Helper()
	w, err := kafkabus.NewWriter(kafkabus.WriterOptions{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	msgs := make([]kafka.Message, len(values))
	for i, v := range values {
		msgs[i] = kafka.Message{Value: []byte(v)}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
}

// committed returns the group's committed offset for partition 0 (-1: none).
func committed(t *testing.T, brokers []string, group string) int64 {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := c.OffsetFetch(t.Context(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	for _, p := range resp.Topics[topic] {
		if p.Partition == 0 {
			if p.Error != nil {
				t.Fatal(p.Error)
			}
			return p.CommittedOffset
		}
	}
	return -1
}

func newReader(t *testing.T, brokers []string, group string) *kafka.Reader {
	t.Helper()
	r, err := kafkabus.NewReader(kafkabus.ReaderOptions{
		Brokers: brokers, Topics: []string{topic}, GroupID: group,
		Logger: slog.New(slog.DiscardHandler), MaxWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// TestRun_Kafka_CommitsOnlyAfterSuccess runs the loop on a real kafka-go
// consumer-group Reader against an in-process broker: message 0 is
// committed only once its handler has returned; message 1's handler fails
// and it stays uncommitted.
func TestRun_Kafka_CommitsOnlyAfterSuccess(t *testing.T) {
	brokers := testenv.Kafka(t, topic)
	const group = "chii-consume-test"
	produce(t, brokers, "ok", "fail")

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var (
		mu            sync.Mutex
		seen          []string
		offsetDuring0 int64 = -2
	)
	failed := make(chan struct{})
	var failedOnce sync.Once
	handler := func(_ context.Context, m kafka.Message) error {
		mu.Lock()
		seen = append(seen, string(m.Value))
		mu.Unlock()
		switch string(m.Value) {
		case "ok":
			offsetDuring0 = committed(t, brokers, group)
			return nil
		default:
			failedOnce.Do(func() { close(failed) }) // the retries fail too
			return errors.New("boom")
		}
	}
	first := newReader(t, brokers, group)
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: first, Handler: handler,
			Logger: slog.New(slog.DiscardHandler), Brokers: brokers,
		})
	}()
	select {
	case <-failed:
	case <-time.After(30 * time.Second):
		t.Fatal("handler never saw the second message within 30s")
	}
	cancel()
	if err := runResult(t, done, "cancelled while retrying the failed message"); err != nil {
		t.Fatalf("Run() = %v, want nil after cancel", err)
	}
	// Leave the group, so that the next consumer is assigned the partition.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	if offsetDuring0 >= 1 {
		t.Errorf("offset %d was committed while the handler was still running", offsetDuring0)
	}
	if got := committed(t, brokers, group); got != 1 {
		// Fatal: with the failed message committed, waiting for its redelivery would only
		// run into the deadline.
		t.Fatalf("committed offset = %d, want 1 (message 0 committed, failed message 1 not)", got)
	}

	// A new consumer of the same group gets the failed message again.
	ctx2, cancel2 := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel2()
	again := make(chan string, 1)
	done2 := make(chan error, 1)
	go func() {
		done2 <- consume.Run(ctx2, consume.Options{
			Reader: newReader(t, brokers, group), Logger: slog.New(slog.DiscardHandler),
			Handler: func(_ context.Context, m kafka.Message) error {
				select {
				case again <- string(m.Value):
				default:
				}
				return nil
			},
		})
	}()
	select {
	case v := <-again:
		if v != "fail" {
			t.Errorf("redelivered %q, want the failed message", v)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("failed message was not redelivered within 30s")
	}
	cancel2()
	if err := runResult(t, done2, "the second consumer was cancelled"); err != nil {
		t.Errorf("second Run() = %v", err)
	}
	if diff := len(seen); diff != 2 {
		t.Errorf("first consumer saw %v, want [ok fail]", seen)
	}
}

// TestRun_Kafka_FailedMessageIsNotSkipped: ok, fail-once, ok. With a real consumer group a
// commit of a later offset would skip the failed message; the loop retries it first, so all
// three are handled in order and the committed offset covers exactly them.
func TestRun_Kafka_FailedMessageIsNotSkipped(t *testing.T) {
	brokers := testenv.Kafka(t, topic)
	const group = "chii-consume-skip-test"
	produce(t, brokers, "a", "b", "c")

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var seen []string
	failedOnce := false
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: newReader(t, brokers, group), Logger: slog.New(slog.DiscardHandler), Brokers: brokers,
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			Handler: func(_ context.Context, m kafka.Message) error {
				seen = append(seen, string(m.Value))
				if string(m.Value) == "b" && !failedOnce {
					failedOnce = true
					return errors.New("database down")
				}
				if string(m.Value) == "c" {
					defer cancel()
				}
				return nil
			},
		})
	}()
	// c cancels once a, b (failed, then retried) and c are done; within seconds, not the
	// minute of ctx's deadline.
	if err := runResultWithin(t, done, 30*time.Second, "message c cancels after a and the retried b"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if got := strings.Join(seen, ","); got != "a,b,b,c" {
		t.Errorf("handled %s, want a,b,b,c", got)
	}
	if got := committed(t, brokers, group); got != 3 {
		t.Errorf("committed offset = %d, want 3", got)
	}
}
