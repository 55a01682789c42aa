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

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRun_CommitsSuccessesOnly(t *testing.T) {
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1), msg(2), msg(3)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	done := make(chan error)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
			Handler: func(_ context.Context, m kafka.Message) error {
				switch m.Offset {
				case 1:
					return errors.New("boom")
				case 2:
					panic("kaboom")
				}
				if m.Offset == 3 {
					cancel()
				}
				return nil
			},
		})
	}()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if got := r.commits(); len(got) != 2 || got[0] != 0 || got[1] != 3 {
		t.Errorf("committed offsets %v, want [0 3]", got)
	}
	if out := buf.String(); strings.Count(out, "message not committed") != 2 || !strings.Contains(out, "kaboom") {
		t.Errorf("log does not report both failures:\n%s", out)
	}
}

func TestRun_FetchErrorsRetriedAndLoggedWithBrokers(t *testing.T) {
	fail := func() (kafka.Message, error) {
		return kafka.Message{}, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	}
	r := &fakeReader{fetches: []func() (kafka.Message, error){fail, fail, fail, msg(7)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	done := make(chan error)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Brokers: []string{"127.0.0.1:1"},
			MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			Handler: func(context.Context, kafka.Message) error { cancel(); return nil },
		})
	}()
	if err := <-done; err != nil {
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
	var handlerErr error
	done := make(chan error)
	go func() {
		done <- consume.Run(ctx, consume.Options{
			Reader: r, Logger: slog.New(slog.DiscardHandler), Grace: 5 * time.Second,
			Handler: func(hctx context.Context, _ kafka.Message) error {
				close(started)
				time.Sleep(100 * time.Millisecond) // still working when the signal arrives
				handlerErr = hctx.Err()
				return nil
			},
		})
	}()
	<-started
	cancel()
	if err := <-done; err != nil {
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
	done := make(chan error)
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
	<-started
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run() = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run() did not return after the grace period")
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("in-flight handler cancelled after %v, before the grace period", d)
	}
	if got := r.commits(); len(got) != 0 {
		t.Errorf("cancelled message committed: %v", got)
	}
}
