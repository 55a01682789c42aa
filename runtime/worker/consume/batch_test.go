package consume_test

import (
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

// chanReader hands out the messages the test sends on its channel, as they arrive, like a
// broker that receives them over time; FetchMessage returns ctx's error when ctx ends first.
type chanReader struct {
	fakeReader
	msgs chan kafka.Message
}

func newChanReader() *chanReader { return &chanReader{msgs: make(chan kafka.Message, 100)} }

func (c *chanReader) FetchMessage(ctx context.Context) (kafka.Message, error) {
	select {
	case m := <-c.msgs:
		return m, nil
	case <-ctx.Done():
		return kafka.Message{}, ctx.Err()
	}
}

func (c *chanReader) send(offsets ...int64) {
	for _, o := range offsets {
		c.msgs <- kafka.Message{Topic: "t", Offset: o}
	}
}

func offsets(msgs []kafka.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Offset
	}
	return out
}

// batchRecorder records the batches a handler got and the offsets committed when it got each.
type batchRecorder struct {
	mu        sync.Mutex
	batches   [][]int64
	committed [][]int64
}

func (b *batchRecorder) record(r *fakeReader, msgs []kafka.Message) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches = append(b.batches, offsets(msgs))
	b.committed = append(b.committed, r.commits())
	return len(b.batches)
}

func (b *batchRecorder) got() [][]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]int64(nil), b.batches...)
}

func runBatch(ctx context.Context, o consume.BatchOptions) <-chan error {
	done := make(chan error, 1)
	go func() { done <- consume.RunBatch(ctx, o) }()
	return done
}

// A batch ends when it holds MaxMessages; each is committed after its handler returned, and
// not before.
func TestRunBatch_MaxMessages(t *testing.T) {
	r := newChanReader()
	r.send(0, 1, 2, 3, 4)
	ctx, cancel := context.WithCancel(t.Context())
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), MaxMessages: 2, Linger: 50 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			if rec.record(&r.fakeReader, msgs) == 3 {
				cancel()
			}
			return nil
		},
	})
	if err := runResult(t, done, "the third batch cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([][]int64{{0, 1}, {2, 3}, {4}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int64{nil, {0, 1}, {0, 1, 2, 3}}, rec.committed); diff != "" {
		t.Errorf("committed when each batch was handed over (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2, 3, 4}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

// A batch is handed over once Linger has passed since its first message, not later, and
// what arrives afterwards makes the next batch.
func TestRunBatch_Linger(t *testing.T) {
	const linger = 100 * time.Millisecond
	r := newChanReader()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type handed struct {
		offsets []int64
		at      time.Time
	}
	got := make(chan handed, 10)
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Linger: linger,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			got <- handed{offsets(msgs), time.Now()}
			return nil
		},
	})
	wait := func(what string) handed {
		t.Helper()
		select {
		case h := <-got:
			return h
		case <-time.After(waitTimeout):
			t.Fatalf("no batch within %v: %s", waitTimeout, what)
			return handed{}
		}
	}
	start := time.Now()
	r.send(0)
	time.Sleep(linger / 4)
	r.send(1)
	h := wait("the first batch after its linger")
	if d := h.at.Sub(start); d < linger*8/10 || d > 3*time.Second {
		t.Errorf("first batch handed over %v after its first message, want about %v", d, linger)
	}
	if diff := cmp.Diff([]int64{0, 1}, h.offsets); diff != "" {
		t.Errorf("first batch (-want +got):\n%s", diff)
	}
	// An idle reader holds no batch back: the next message starts a new one.
	time.Sleep(2 * linger)
	r.send(2)
	if h := wait("the second batch"); !cmp.Equal([]int64{2}, h.offsets) {
		t.Errorf("second batch = %v, want [2]", h.offsets)
	}
	cancel()
	if err := runResult(t, done, "cancelled while idle"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

// A failing batch (error, then panic) is retried as it is, with nothing fetched or committed
// after it, until it succeeds; then it is committed and the next batch follows.
func TestRunBatch_RetriesAFailedBatchBeforeTheNext(t *testing.T) {
	r := newChanReader()
	r.send(0, 1, 2)
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)), MaxMessages: 2, Linger: 50 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			switch rec.record(&r.fakeReader, msgs) {
			case 1:
				return errors.New("index down")
			case 2:
				panic("kaboom")
			case 4:
				cancel()
			}
			return nil
		},
	})
	if err := runResult(t, done, "the batch after the retried one cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([][]int64{{0, 1}, {0, 1}, {0, 1}, {2}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int64{nil, nil, nil, {0, 1}}, rec.committed); diff != "" {
		t.Errorf("committed when each attempt started (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
	if out := buf.String(); strings.Count(out, "retrying the batch") != 2 || !strings.Contains(out, "kaboom") ||
		!strings.Contains(out, `"first_offset":0,"last_topic":"t","last_partition":0,"last_offset":1`) {
		t.Errorf("log does not report both failures with the batch's offsets:\n%s", out)
	}
}

// A batch that keeps failing holds its partitions: when the worker stops, neither it nor
// anything after it has been committed, so a restart delivers it again.
func TestRunBatch_StopWhileRetryingCommitsNothing(t *testing.T) {
	r := newChanReader()
	r.send(0)
	ctx, cancel := context.WithCancel(t.Context())
	attempts := 0
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Linger: 20 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			rec.record(&r.fakeReader, msgs)
			if msgs[0].Offset == 0 {
				r.send(1, 2) // arrive while 0 is handled: the next batch
				return nil
			}
			if attempts++; attempts == 5 {
				cancel()
			}
			return errors.New("database down")
		},
	})
	if err := runResult(t, done, "the fifth attempt at batch [1 2] cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if attempts != 5 {
		t.Errorf("batch [1 2] was attempted %d times, want 5 (retried until the stop)", attempts)
	}
	if got := rec.got(); len(got) != 6 || !cmp.Equal(got[1], []int64{1, 2}) {
		t.Errorf("batches = %v, want [0] then [1 2] five times", got)
	}
	if diff := cmp.Diff([]int64{0}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

func TestRunBatch_FetchErrorsRetriedAndLoggedWithBrokers(t *testing.T) {
	fail := func() (kafka.Message, error) {
		return kafka.Message{}, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	}
	r := &fakeReader{fetches: []func() (kafka.Message, error){fail, fail, fail, msg(7)}}
	ctx, cancel := context.WithCancel(t.Context())
	var buf syncBuf
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Brokers: []string{"127.0.0.1:1"},
		Linger: 20 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Handler: func(_ context.Context, msgs []kafka.Message) error { rec.record(r, msgs); cancel(); return nil },
	})
	if err := runResult(t, done, "message 7, after three fetch failures, cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if n := strings.Count(buf.String(), `"msg":"kafka fetch failed","brokers":"127.0.0.1:1"`); n != 3 {
		t.Errorf("%d fetch failure lines with brokers, want 3:\n%s", n, buf.String())
	}
	if diff := cmp.Diff([][]int64{{7}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if got := r.commits(); !cmp.Equal(got, []int64{7}) {
		t.Errorf("committed %v, want [7]", got)
	}
}

// A fetch error in the middle of a batch hands over what was fetched before it, without
// waiting for the linger (a minute here).
func TestRunBatch_FetchErrorEndsTheBatch(t *testing.T) {
	fail := func() (kafka.Message, error) { return kafka.Message{}, errors.New("broker went away") }
	r := &fakeReader{fetches: []func() (kafka.Message, error){msg(0), msg(1), fail, msg(2)}}
	ctx, cancel := context.WithCancel(t.Context())
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Linger: time.Minute,
		Handler: func(_ context.Context, msgs []kafka.Message) error { rec.record(r, msgs); cancel(); return nil },
	})
	if err := runResult(t, done, "the batch ended by the fetch error cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([][]int64{{0, 1}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

func TestRunBatch_InFlightFinishesAfterCancel(t *testing.T) {
	r := newChanReader()
	r.send(0)
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	stopped := make(chan struct{}) // closed once the test has cancelled ctx
	var handlerErr error
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Grace: 5 * time.Second, Linger: 10 * time.Millisecond,
		Handler: func(hctx context.Context, _ []kafka.Message) error {
			close(started)
			select {
			case <-stopped:
			case <-time.After(waitTimeout):
				return errors.New("the test never cancelled")
			}
			handlerErr = hctx.Err()
			return nil
		},
	})
	waitFor(t, started, "the handler to start")
	cancel()
	close(stopped)
	if err := runResult(t, done, "the in-flight batch finished after the cancel"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if handlerErr != nil {
		t.Errorf("in-flight handler's context was cancelled before the grace period: %v", handlerErr)
	}
	if got := r.commits(); !cmp.Equal(got, []int64{0}) {
		t.Errorf("in-flight batch not committed: %v", got)
	}
}

func TestRunBatch_GraceBoundsInFlight(t *testing.T) {
	r := newChanReader()
	r.send(0)
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Grace: 50 * time.Millisecond, Linger: 10 * time.Millisecond,
		Handler: func(hctx context.Context, _ []kafka.Message) error {
			close(started)
			<-hctx.Done() // a handler that only stops when told to
			return hctx.Err()
		},
	})
	waitFor(t, started, "the handler to start")
	start := time.Now()
	cancel()
	if err := runResult(t, done, "the grace period ends the in-flight handler"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("in-flight handler cancelled after %v, before the grace period", d)
	}
	if got := r.commits(); len(got) != 0 {
		t.Errorf("cancelled batch committed: %v", got)
	}
}

// A stop while a batch is still collecting hands it to no handler and commits none of it,
// without waiting for the linger.
func TestRunBatch_StopWhileCollectingHandlesNothing(t *testing.T) {
	r := newChanReader()
	r.send(0, 1)
	ctx, cancel := context.WithCancel(t.Context())
	handled := 0
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), Linger: time.Minute,
		Handler: func(context.Context, []kafka.Message) error { handled++; return nil },
	})
	deadline := time.Now().Add(waitTimeout)
	for len(r.msgs) > 0 { // wait until the batch has taken both messages
		if time.Now().After(deadline) {
			t.Fatalf("the loop did not fetch within %v", waitTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := runResult(t, done, "a stop while collecting"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if handled != 0 || len(r.commits()) != 0 {
		t.Errorf("handled %d batches, committed %v; want none", handled, r.commits())
	}
}

// Once told to stop the loop takes no new batch, even from a reader that still hands out
// buffered messages.
func TestRunBatch_StopTakesNoNewBatch(t *testing.T) {
	r := &bufferedReader{}
	ctx, cancel := context.WithCancel(t.Context())
	var rec batchRecorder
	done := runBatch(ctx, consume.BatchOptions{
		Reader: r, Logger: slog.New(slog.DiscardHandler), MaxMessages: 3,
		Handler: func(_ context.Context, msgs []kafka.Message) error {
			if rec.record(&r.fakeReader, msgs) == 2 {
				cancel() // the signal arrives while batch 2 is in flight
			}
			return nil
		},
	})
	if err := runResult(t, done, "batch 2 cancels"); err != nil {
		t.Fatalf("RunBatch() = %v", err)
	}
	if diff := cmp.Diff([][]int64{{0, 1, 2}, {3, 4, 5}}, rec.got()); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{0, 1, 2, 3, 4, 5}, r.commits()); diff != "" {
		t.Errorf("committed offsets (-want +got):\n%s", diff)
	}
}

func TestRunBatch_RequiresReaderHandlerLogger(t *testing.T) {
	if err := consume.RunBatch(t.Context(), consume.BatchOptions{}); err == nil {
		t.Error("RunBatch() without Reader, Handler, Logger = nil, want an error")
	}
}
