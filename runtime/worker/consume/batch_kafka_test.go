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

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/worker/consume"
)

func values(msgs []kafka.Message) string {
	var vs []string
	for _, m := range msgs {
		vs = append(vs, string(m.Value))
	}
	return strings.Join(vs, ",")
}

// TestRunBatch_Kafka_CommitsOnlyAfterSuccess runs the batch loop on a real kafka-go
// consumer-group Reader against an in-process broker: a batch whose handler keeps failing is
// retried as it is and never committed; a new consumer of the group gets it again, and its
// success commits every message.
func TestRunBatch_Kafka_CommitsOnlyAfterSuccess(t *testing.T) {
	brokers := testenv.Kafka(t, topic)
	const group = "chii-consume-batch-test"
	produce(t, brokers, "a", "b", "c")

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var (
		mu       sync.Mutex
		attempts []string
		during   []int64
	)
	retried := make(chan struct{})
	var retriedOnce sync.Once
	first := newReader(t, brokers, group)
	done := make(chan error, 1)
	go func() {
		done <- consume.RunBatch(ctx, consume.BatchOptions{
			Reader: first, Logger: slog.New(slog.DiscardHandler), Brokers: brokers, Linger: 300 * time.Millisecond,
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			Handler: func(_ context.Context, msgs []kafka.Message) error {
				mu.Lock()
				attempts = append(attempts, values(msgs))
				n := len(attempts)
				mu.Unlock()
				during = append(during, committed(t, brokers, group))
				if n == 3 {
					retriedOnce.Do(func() { close(retried) })
				}
				return errors.New("index down")
			},
		})
	}()
	select {
	case <-retried:
	case <-time.After(30 * time.Second):
		t.Fatal("the failing batch was not attempted 3 times within 30s")
	}
	cancel()
	if err := runResultWithin(t, done, 10*time.Second, "cancelled while retrying the failed batch"); err != nil {
		t.Fatalf("RunBatch() = %v, want nil after cancel", err)
	}
	if err := first.Close(); err != nil { // leave the group: the next consumer gets the partition
		t.Fatal(err)
	}
	mu.Lock()
	if len(attempts) < 3 || attempts[1] != attempts[0] || attempts[2] != attempts[0] || !strings.HasPrefix(attempts[0], "a") {
		t.Errorf("attempts = %q, want the same batch from a, retried", attempts)
	}
	mu.Unlock()
	for _, c := range during {
		if c > 0 {
			t.Errorf("offset %d was committed while the batch was failing", c)
		}
	}
	if got := committed(t, brokers, group); got > 0 {
		t.Fatalf("committed offset = %d after only failures, want none", got)
	}

	// A new consumer of the group gets every message again; its success commits them all.
	ctx2, cancel2 := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel2()
	var seen []string
	done2 := make(chan error, 1)
	go func() {
		done2 <- consume.RunBatch(ctx2, consume.BatchOptions{
			Reader: newReader(t, brokers, group), Logger: slog.New(slog.DiscardHandler), Linger: 100 * time.Millisecond,
			Handler: func(_ context.Context, msgs []kafka.Message) error {
				mu.Lock()
				seen = append(seen, values(msgs))
				mu.Unlock()
				return nil
			},
		})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for committed(t, brokers, group) != 3 {
		if time.Now().After(deadline) {
			cancel2()
			t.Fatalf("committed offset = %d after 30s, want 3", committed(t, brokers, group))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel2()
	if err := runResultWithin(t, done2, 10*time.Second, "the second consumer was cancelled"); err != nil {
		t.Errorf("second RunBatch() = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(seen, ","); got != "a,b,c" {
		t.Errorf("second consumer handled %q, want a,b,c", got)
	}
}
