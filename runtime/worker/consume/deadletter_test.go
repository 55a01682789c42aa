package consume_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// fakeDLQ records dead letters; its first failures calls fail, and each call also records
// the offsets committed at that moment (a dead letter must be stored before its commit).
type fakeDLQ struct {
	mu        sync.Mutex
	failures  int
	r         *fakeReader
	letters   []int64
	causes    []string
	committed [][]int64
}

func (f *fakeDLQ) DeadLetter(_ context.Context, m kafka.Message, cause error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.committed = append(f.committed, f.r.commits())
	if f.failures > 0 {
		f.failures--
		return errors.New("dead-letter topic unavailable")
	}
	f.letters = append(f.letters, m.Offset)
	f.causes = append(f.causes, cause.Error())
	return nil
}

func (f *fakeDLQ) got() ([]int64, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.letters...), append([]string(nil), f.causes...)
}

var errPoison = domain.Errorf(domain.ErrInvalid, "not JSON")

// A permanent handler error dead-letters the message and commits it only after the dead
// letter was stored; a failed dead-letter write is retried and holds the partition (nothing
// after it is handled or committed); the loop goes on after it.
func TestRun_PermanentErrorIsDeadLetteredThenCommitted(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1), msg(2)}}
	dlq := &fakeDLQ{r: r, failures: 2}
	ctx, cancel := context.WithCancel(t.Context())
	var handled []int64
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler), DeadLetters: dlq,
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
			Handler: func(_ context.Context, m kafka.Message) error {
				handled = append(handled, m.Offset)
				switch m.Offset {
				case 1:
					return fmt.Errorf("write: %w", errPoison)
				case 2:
					cancel()
				}
				return nil
			},
		})
	}()
	if err := runResult(t, done, "message 2 cancels once 0 and the dead-lettered 1 are done"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, handled); diff != "" {
		t.Errorf("handled offsets (a poison message is not retried) (-want +got):\n%s", diff)
	}
	letters, causes := dlq.got()
	if diff := cmp.Diff([]int64{1}, letters); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"write: not JSON"}, causes); diff != "" {
		t.Errorf("dead-letter causes (-want +got):\n%s", diff)
	}
	// Three calls (two failed): each saw only offset 0 committed.
	if diff := cmp.Diff([][]int64{{0}, {0}, {0}}, dlq.committed); diff != "" {
		t.Errorf("offsets committed at each dead-letter call (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

// Stopping while the dead-letter topic is unavailable commits nothing of the poison message.
func TestRun_StopWhileDeadLetterFailsCommitsNothing(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0)}}
	dlq := &fakeDLQ{r: r, failures: 1 << 30}
	ctx, cancel := context.WithCancel(t.Context())
	tried := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler), DeadLetters: dlqHook{dlq, func() { once.Do(func() { close(tried) }) }},
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
			Handler: func(context.Context, kafka.Message) error { return errPoison },
		})
	}()
	waitFor(t, tried, "a dead-letter attempt")
	cancel()
	if err := runResult(t, done, "cancelled while the dead letter is retried"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if got := r.commits(); len(got) != 0 {
		t.Errorf("committed %v, want nothing", got)
	}
}

type dlqHook struct {
	*fakeDLQ
	hook func()
}

func (d dlqHook) DeadLetter(ctx context.Context, m kafka.Message, cause error) error {
	defer d.hook()
	return d.fakeDLQ.DeadLetter(ctx, m, cause)
}

// Without DeadLetters a poison message is logged and acknowledged (the server's own search
// consumer: the worker that owns the topics keeps the dead letters).
func TestRun_NoDeadLettersAcknowledges(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
			Handler: func(_ context.Context, m kafka.Message) error {
				if m.Offset == 1 {
					cancel()
				}
				return errPoison
			},
		})
	}()
	if err := runResult(t, done, "message 1 cancels"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if diff := cmp.Diff([]int64{0, 1}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

// A batch handler's *Poison dead-letters just the messages it names, then commits the batch.
func TestRunBatch_PoisonDeadLettersOnlyThoseNamed(t *testing.T) {
	r := newChanReader()
	dlq := &fakeDLQ{r: &r.fakeReader, failures: 1}
	ctx, cancel := context.WithCancel(t.Context())
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), DeadLetters: dlq, MaxMessages: 4, Linger: time.Hour,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			if rec.record(&r.fakeReader, msgs) == 2 {
				cancel()
				return nil
			}
			return &consume.Poison{Errs: map[int]error{1: errPoison, 3: errPoison}}
		},
	})
	r.send(0, 1, 2, 3)
	r.send(4, 5, 6, 7)
	if err := runResult(t, done, "the second batch cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([][]int64{{0, 1, 2, 3}, {4, 5, 6, 7}}, rec.got()); diff != "" {
		t.Errorf("batches (the first one handled once) (-want +got):\n%s", diff)
	}
	letters, _ := dlq.got()
	if diff := cmp.Diff([]int64{1, 3}, letters); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int64{nil, nil, nil}, dlq.committed); diff != "" {
		t.Errorf("offsets committed at each dead-letter call (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2, 3, 4, 5, 6, 7}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

func waitBatches(t *testing.T, rec *batchRecorder, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for len(rec.got()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d batches within %v: %v", n, waitTimeout, rec.got())
		}
		time.Sleep(time.Millisecond)
	}
}

// A permanent error of a whole batch (a bulk write that cannot point at its poison event) is
// isolated: the messages are handed over one at a time, only the one that fails alone is
// dead-lettered, a transient failure on the way is retried, and the batch is committed.
func TestRunBatch_PermanentErrorIsolatesThePoisonMessage(t *testing.T) {
	r := newChanReader()
	dlq := &fakeDLQ{r: &r.fakeReader}
	ctx, cancel := context.WithCancel(t.Context())
	var rec batchRecorder
	transient := true
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), DeadLetters: dlq, MaxMessages: 3, Linger: time.Hour,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			rec.record(&r.fakeReader, msgs)
			for _, m := range msgs {
				if m.Offset == 2 && transient {
					transient = false
					return errors.New("index down")
				}
				if m.Offset == 1 {
					return fmt.Errorf("bulk write rejected: %w", errPoison)
				}
				if m.Offset == 3 {
					cancel()
				}
			}
			return nil
		},
	})
	r.send(0, 1, 2)
	waitBatches(t, &rec, 5)
	r.send(3, 4, 5)
	if err := runResult(t, done, "message 3 cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	// The batch, then each message alone (2 fails once transiently and is retried alone), then
	// the next batch.
	if diff := cmp.Diff([][]int64{{0, 1, 2}, {0}, {1}, {2}, {2}, {3, 4, 5}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	letters, _ := dlq.got()
	if diff := cmp.Diff([]int64{1}, letters); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2, 3, 4, 5}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}
