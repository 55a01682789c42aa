package consume_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/runtime/worker/consume"
)

// fakeReader serves queued results of FetchMessage, then blocks until ctx is done.
type fakeReader struct {
	mu        sync.Mutex
	fetches   []func() (kafka.Message, error)
	committed []int64
}

func (f *fakeReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	f.mu.Lock()
	if len(f.fetches) > 0 {
		next := f.fetches[0]
		f.fetches = f.fetches[1:]
		f.mu.Unlock()
		return next()
	}
	f.mu.Unlock()
	<-ctx.Done()
	return kafka.Message{}, ctx.Err()
}

func (f *fakeReader) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range msgs {
		f.committed = append(f.committed, m.Offset)
	}
	return nil
}

func (f *fakeReader) commits() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.committed...)
}

func msg(offset int64) func() (kafka.Message, error) {
	return func() (kafka.Message, error) { return kafka.Message{Topic: "t", Offset: offset}, nil }
}

// waitTimeout bounds every wait of these tests: a regression (a retry loop that skips or
// never ends a message) must fail within seconds, not hang until the global test timeout.
const waitTimeout = 5 * time.Second

// runResult waits for Run's result on done, failing the test if it does not arrive within
// waitTimeout. what says what Run was expected to do to return.
func runResult(tb testing.TB, done <-chan error, what string) error {
	tb.Helper()
	return runResultWithin(tb, done, waitTimeout, what)
}

// runResultWithin is runResult with its own bound (a real consumer group first joins).
func runResultWithin(tb testing.TB, done <-chan error, d time.Duration, what string) error {
	tb.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		tb.Fatalf("Run() did not return within %v: %s", d, what)
		return nil
	}
}

// waitFor waits for ch to be closed (or to deliver), failing the test after waitTimeout.
func waitFor(tb testing.TB, ch <-chan struct{}, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		tb.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A failing message (error, then panic) is retried until it succeeds, before any later
// message is handled; every message is committed once, in order.
func TestRun_RetriesAFailedMessageBeforeTheNext(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1), msg(2)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	var handled []int64
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
			Handler: func(_ context.Context, m kafka.Message) error {
				handled = append(handled, m.Offset)
				if m.Offset == 1 {
					switch len(handled) {
					case 2:
						return errors.New("boom")
					case 3:
						panic("kaboom")
					}
				}
				if m.Offset == 2 {
					cancel()
				}
				return nil
			},
		})
	}()
	if err := runResult(t, done, "message 2 cancels once 0 and the retried 1 are done"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if diff := cmp.Diff([]int64{0, 1, 1, 1, 2}, handled); diff != "" {
		t.Errorf("handled offsets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
	if out := buf.String(); strings.Count(out, "retrying the message") != 2 || !strings.Contains(out, "kaboom") {
		t.Errorf("log does not report both failures:\n%s", out)
	}
}

// A message that keeps failing holds its partition: when the worker stops, neither it nor
// anything after it has been committed, so a restart delivers it again.
func TestRun_StopWhileRetryingCommitsNothing(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1), msg(2)}}
	ctx, cancel := context.WithCancel(t.Context())
	attempts := 0
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler),
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
			Handler: func(_ context.Context, m kafka.Message) error {
				if m.Offset == 1 {
					if attempts++; attempts == 5 {
						cancel()
					}
					return errors.New("database down")
				}
				return nil
			},
		})
	}()
	if err := runResult(t, done, "the fifth attempt at message 1 cancels"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if attempts != 5 {
		t.Errorf("message 1 was attempted %d times, want 5 (retried until the stop)", attempts)
	}
	if diff := cmp.Diff([]int64{0}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

func TestRun_FetchErrorsRetriedAndLoggedWithBrokers(t *testing.T) {
	fail := func() (kafka.Message, error) {
		return kafka.Message{}, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	}
	r := &fakeReader{fetches: []func() (kafka.Message, error){fail, fail, fail, msg(7)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Brokers: []string{"127.0.0.1:1"},
			MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			Handler: func(context.Context, kafka.Message) error { cancel(); return nil },
		})
	}()
	if err := runResult(t, done, "message 7, after three fetch failures, cancels"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	out := buf.String()
	if n := strings.Count(out, `"msg":"kafka fetch failed","brokers":"127.0.0.1:1"`); n != 3 {
		t.Errorf("%d fetch failure lines with brokers, want 3:\n%s", n, out)
	}
	if got := r.commits(); len(got) != 1 || got[0] != 7 {
		t.Errorf("committed %v, want [7]", got)
	}
}

func TestRun_InFlightFinishesAfterCancel(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0)}}
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	stopped := make(chan struct{}) // closed once the test has cancelled ctx
	var handlerErr error
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler), Grace: 5 * time.Second,
			Handler: func(hctx context.Context, _ kafka.Message) error {
				close(started)
				// Still working when the signal arrives: finish only after it did.
				select {
				case <-stopped:
				case <-time.After(waitTimeout):
					return errors.New("the test never cancelled")
				}
				handlerErr = hctx.Err()
				return nil
			},
		})
	}()
	waitFor(t, started, "the handler to start")
	cancel()
	close(stopped)
	if err := runResult(t, done, "the in-flight handler finished after the cancel"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if handlerErr != nil {
		t.Errorf("in-flight handler's context was cancelled before the grace period: %v", handlerErr)
	}
	if got := r.commits(); len(got) != 1 {
		t.Errorf("in-flight message not committed: %v", got)
	}
}

func TestRun_GraceBoundsInFlight(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0)}}
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler), Grace: 50 * time.Millisecond,
			Handler: func(hctx context.Context, _ kafka.Message) error {
				close(started)
				<-hctx.Done() // a handler that only stops when told to
				return hctx.Err()
			},
		})
	}()
	waitFor(t, started, "the handler to start")
	start := time.Now()
	cancel()
	if err := runResult(t, done, "the grace period ends the in-flight handler"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("in-flight handler cancelled after %v, before the grace period", d)
	}
	if got := r.commits(); len(got) != 0 {
		t.Errorf("cancelled message committed: %v", got)
	}
}

// bufferedReader behaves like kafka-go's FetchMessage: with messages buffered it may return
// one even after ctx is done.
type bufferedReader struct {
	fakeReader
	next int64
}

func (b *bufferedReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	if b.next == 10 { // the buffer is empty
		<-ctx.Done()
		return kafka.Message{}, ctx.Err()
	}
	b.next++
	return kafka.Message{Topic: "t", Offset: b.next - 1}, nil
}

// Once the worker is told to stop it takes no new message, even one the reader still hands out.
func TestRun_StopTakesNoNewMessage(t *testing.T) {
	r := &bufferedReader{}
	ctx, cancel := context.WithCancel(t.Context())
	handled := 0
	done := make(chan error, 1)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler),
			Handler: func(context.Context, kafka.Message) error {
				handled++
				if handled == 3 {
					cancel() // the signal arrives while message 2 is in flight
				}
				return nil
			},
		})
	}()
	if err := runResult(t, done, "message 2 cancels"); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if handled != 3 {
		t.Errorf("handled %d messages, want 3 (none fetched after the stop)", handled)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}
