// Package consume runs the Kafka consume loop shared by chii's workers:
// fetch a message, hand it to a handler, commit it only after the handler
// succeeded.
package consume

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/runtime/internal/backoff"
)

// Reader is the part of *kafka.Reader (consumer-group mode) the loop uses.
type Reader interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Handler processes one message. A nil error commits the message. An error for which
// Permanent holds (it wraps domain.ErrInvalid) means the message can never be processed (a
// poison message): the loop hands it to DeadLetters and commits it once that succeeded. Any
// other error means "not done": the loop logs it and hands the same message to the handler
// again after a backoff, so nothing behind it in its partition is committed first.
type Handler func(ctx context.Context, m kafka.Message) error

// Options configures Run.
type Options struct {
	Reader  Reader
	Handler Handler
	Logger  *slog.Logger
	// Brokers are logged with fetch errors (host:port list).
	Brokers []string
	// Grace bounds how long the in-flight message may still take after ctx
	// is cancelled; then its context is cancelled too. 0 means 10s.
	Grace time.Duration
	// Backoff bounds for retrying failed fetches and failed messages; zero values mean
	// 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// DeadLetters keeps the poison messages; nil logs them (key and value) and acknowledges
	// them.
	DeadLetters DeadLetters
	// Metrics counts messages, retries and dead letters; nil counts nothing.
	Metrics *Metrics
}

// loop is what the handling of a message needs of the options of Run or RunBatch.
type loop struct {
	logger                 *slog.Logger
	dl                     DeadLetters
	metrics                *Metrics
	minBackoff, maxBackoff time.Duration
}

// Run consumes until ctx is cancelled, then returns nil once the in-flight
// message (if any) is finished. Fetch errors are logged with the broker
// addresses and retried with backoff, forever. A handler error or panic is
// logged and the same message is retried with backoff until it succeeds or
// ctx is cancelled; it is committed only after it succeeded, and no later
// message is handled before it (a commit of a later offset would skip it).
// A permanent error (Permanent) dead-letters the message, and it is committed
// only after that succeeded (a failed dead-letter write is retried likewise).
// Commit errors are logged (the message may then be delivered again).
func Run(ctx context.Context, o Options) error {
	if o.Reader == nil || o.Handler == nil || o.Logger == nil {
		return errors.New("consume: Reader, Handler and Logger are required")
	}
	grace := o.Grace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	brokers := strings.Join(o.Brokers, ",")

	// The in-flight message runs on workCtx: it survives ctx's cancellation
	// for at most grace.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancelWork)
		context.AfterFunc(workCtx, func() { t.Stop() })
	})
	defer stopAfter()

	bo := backoff.Backoff{Min: o.MinBackoff, Max: o.MaxBackoff}
	for {
		m, err := o.Reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("consume: reader closed: %w", err)
			}
			wait := bo.Next()
			o.Metrics.failed("fetch")
			o.Logger.Warn("kafka fetch failed", "brokers", brokers, "err", err.Error(),
				"retry_in", wait.Round(time.Millisecond).String())
			if !backoff.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		bo.Reset()
		if ctx.Err() != nil {
			// kafka-go may still hand out a buffered message after ctx is done: a stopping
			// worker takes no new work (m stays uncommitted and is delivered again).
			return nil
		}

		l := loop{logger: o.Logger, dl: o.DeadLetters, metrics: o.Metrics, minBackoff: o.MinBackoff, maxBackoff: o.MaxBackoff}
		if !handleUntilDone(ctx, workCtx, l, o.Handler, m) {
			return nil // stopping: m stays uncommitted and is delivered again
		}
		if err := o.Reader.CommitMessages(workCtx, m); err != nil {
			o.Metrics.failed("commit")
			o.Logger.Error("kafka commit failed", "brokers", brokers,
				"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err.Error())
		} else {
			o.Metrics.committed(m)
		}
	}
}

// handleUntilDone hands m to h until it succeeds or its permanent error was dead-lettered
// (true), or ctx is cancelled (false).
func handleUntilDone(ctx, workCtx context.Context, l loop, h Handler, m kafka.Message) bool {
	bo := backoff.Backoff{Min: l.minBackoff, Max: l.maxBackoff}
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := handle(workCtx, h, m)
		l.metrics.observe(m.Topic, time.Since(start))
		if err == nil {
			l.metrics.done(m)
			return true
		}
		if Permanent(err) {
			return deadLetterUntilDone(ctx, workCtx, l, m, err)
		}
		wait := bo.Next()
		l.metrics.retried(m.Topic, "handler")
		l.logger.Error("message handler failed; retrying the message, nothing after it is committed",
			"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "attempt", attempt,
			"retry_in", wait.Round(time.Millisecond).String(), "err", err.Error())
		if ctx.Err() != nil || !backoff.Sleep(ctx, wait) {
			return false
		}
	}
}

func handle(ctx context.Context, h Handler, m kafka.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h(ctx, m)
}
