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

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/backoff"
)

// BatchHandler processes a batch of messages, in fetch order (the order of each partition).
// A nil error commits every message of the batch. A *Poison error says every message is done
// but the poison ones it names: the loop dead-letters those, then commits the batch. An error
// for which Permanent holds (a poison message the handler cannot point at, such as a bulk
// write rejected as a whole) makes the loop isolate it: it hands the messages of the batch to
// the handler one at a time, each a batch of one, so that only the message that fails
// permanently alone is dead-lettered. Any other error means "not done": the loop logs it and
// hands the same batch to the handler again after a backoff, so nothing fetched after it is
// handled or committed first. The handler must therefore be idempotent over the batch (a
// retry, or the isolation, may redo what a failed attempt did).
type BatchHandler func(ctx context.Context, msgs []kafka.Message) error

// Batch defaults.
const (
	DefaultMaxMessages = 500
	DefaultLinger      = 200 * time.Millisecond
)

// BatchOptions configures RunBatch.
type BatchOptions struct {
	Reader  Reader
	Handler BatchHandler
	Logger  *slog.Logger
	// Brokers are logged with fetch errors (host:port list).
	Brokers []string
	// MaxMessages bounds a batch; 0 means DefaultMaxMessages.
	MaxMessages int
	// Linger bounds how long a batch keeps collecting after its first message arrived; 0
	// means DefaultLinger. A batch is handed over when it is full or its linger has passed.
	Linger time.Duration
	// Grace bounds how long the in-flight batch may still take after ctx is cancelled; then
	// its context is cancelled too. 0 means 10s.
	Grace time.Duration
	// Backoff bounds for retrying failed fetches and failed batches; zero values mean 500ms
	// and 30s.
	MinBackoff, MaxBackoff time.Duration
	// DeadLetters keeps the poison messages; nil logs them (key and value) and acknowledges
	// them.
	DeadLetters DeadLetters
	// Metrics counts messages, retries and dead letters; nil counts nothing.
	Metrics *Metrics
}

// RunBatch is Run for handlers that are cheaper per batch than per message (one index write
// for many change events). It consumes until ctx is cancelled, then returns nil once the
// in-flight batch (if any) is finished or its grace has passed.
//
// It waits as long as it takes for a batch's first message, then fetches more until the
// batch holds MaxMessages or Linger has passed since the first one, and hands the batch to
// the handler. The batch is committed only after the handler succeeded and its poison
// messages (see BatchHandler) are in DeadLetters; any other handler error or panic is logged and the same batch is retried with backoff until it succeeds or ctx is
// cancelled, and nothing after it is fetched meanwhile. Messages fetched while ctx is being
// cancelled (a batch still collecting, or a failed batch waiting for its retry) are not
// handled and stay uncommitted: they are delivered again. Fetch errors are logged with the
// broker addresses and retried with backoff, forever; one that interrupts a collecting batch
// hands over the messages fetched so far. Commit errors are logged (the batch may then be
// delivered again).
func RunBatch(ctx context.Context, o BatchOptions) error {
	if o.Reader == nil || o.Handler == nil || o.Logger == nil {
		return errors.New("consume: Reader, Handler and Logger are required")
	}
	if o.MaxMessages <= 0 {
		o.MaxMessages = DefaultMaxMessages
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	workCtx, stop := graceContext(ctx, o.Grace)
	defer stop()
	brokers := strings.Join(o.Brokers, ",")

	bo := backoff.Backoff{Min: o.MinBackoff, Max: o.MaxBackoff}
	for {
		batch, err := collect(ctx, o.Reader, o.MaxMessages, o.Linger)
		if ctx.Err() != nil {
			return nil // stopping: a batch not yet handed over stays uncommitted
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("consume: reader closed: %w", err)
		}
		switch {
		case err != nil && len(batch) == 0:
			wait := bo.Next()
			o.Metrics.failed("fetch")
			o.Logger.Warn("kafka fetch failed", "brokers", brokers, "err", err.Error(),
				"retry_in", wait.Round(time.Millisecond).String())
			if !backoff.Sleep(ctx, wait) {
				return nil
			}
			continue
		case err != nil:
			// The next fetch tries again (and backs off if it fails too).
			o.Metrics.failed("fetch")
			o.Logger.Warn("kafka fetch failed; handling the messages fetched before it", "brokers", brokers,
				"err", err.Error(), "messages", len(batch))
		default:
			bo.Reset()
		}

		l := loop{logger: o.Logger, dl: o.DeadLetters, metrics: o.Metrics, minBackoff: o.MinBackoff, maxBackoff: o.MaxBackoff}
		if !handleBatchUntilDone(ctx, workCtx, l, o.Handler, batch) {
			return nil // stopping: the batch stays uncommitted and is delivered again
		}
		if err := o.Reader.CommitMessages(workCtx, batch...); err != nil {
			o.Metrics.failed("commit")
			first, last := batch[0], batch[len(batch)-1]
			o.Logger.Error("kafka commit failed", "brokers", brokers, "messages", len(batch),
				"first_topic", first.Topic, "first_partition", first.Partition, "first_offset", first.Offset,
				"last_topic", last.Topic, "last_partition", last.Partition, "last_offset", last.Offset,
				"err", err.Error())
		} else {
			o.Metrics.committed(batch...)
		}
	}
}

// ServeBatch is Serve with RunBatch: topics are consumed in batches of at most maxMessages
// messages (0: DefaultMaxMessages) collected for at most linger (0: DefaultLinger).
func ServeBatch(ctx context.Context, cfg config.Config, topics []string, checks []health.Check, h BatchHandler,
	maxMessages int, linger time.Duration, logger *slog.Logger, opts ...ServeOption,
) error {
	so := serveOptions(opts)
	return serve(ctx, cfg, topics, checks, logger, so, func(ctx context.Context, reader Reader, dl DeadLetters, grace time.Duration) error {
		return RunBatch(ctx, BatchOptions{
			Reader: reader, Handler: h, Logger: logger, Brokers: cfg.Kafka.Brokers,
			MaxMessages: maxMessages, Linger: linger, Grace: grace, DeadLetters: dl, Metrics: so.metrics,
		})
	})
}

// graceContext returns the context in-flight work runs on: it survives ctx's cancellation
// for at most grace (0: 10s). stop releases it.
func graceContext(ctx context.Context, grace time.Duration) (workCtx context.Context, stop func()) {
	if grace <= 0 {
		grace = 10 * time.Second
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancelWork)
		context.AfterFunc(workCtx, func() { t.Stop() })
	})
	return workCtx, func() { stopAfter(); cancelWork() }
}

// collect fetches a batch: it waits for the first message until ctx ends, then fetches more
// until the batch holds maxMessages or linger has passed since the first. err is a fetch
// error (or ctx's) that ended the batch early; the messages fetched before it are returned
// with it.
func collect(ctx context.Context, r Reader, maxMessages int, linger time.Duration) ([]kafka.Message, error) {
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{m}
	lingerCtx, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	for len(batch) < maxMessages {
		m, err := r.FetchMessage(lingerCtx)
		if err != nil {
			if ctx.Err() == nil && lingerCtx.Err() != nil {
				return batch, nil // the linger has passed
			}
			return batch, err
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// handleBatchUntilDone hands batch to h until it succeeds, its poison messages are
// dead-lettered or, after a permanent error, each of its messages is done alone (true), or
// ctx is cancelled (false).
func handleBatchUntilDone(ctx, workCtx context.Context, l loop, h BatchHandler, batch []kafka.Message) bool {
	bo := backoff.Backoff{Min: l.minBackoff, Max: l.maxBackoff}
	first, last := batch[0], batch[len(batch)-1]
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := handleBatch(workCtx, h, batch)
		l.metrics.observe(first.Topic, time.Since(start))
		if err == nil {
			l.metrics.done(batch...)
			return true
		}
		if p, ok := errors.AsType[*Poison](err); ok {
			for i, m := range batch {
				if _, poison := p.Errs[i]; !poison {
					l.metrics.done(m)
				}
			}
			return deadLetterPoison(ctx, workCtx, l, batch, p)
		}
		if Permanent(err) {
			if len(batch) == 1 {
				return deadLetterUntilDone(ctx, workCtx, l, batch[0], err)
			}
			l.logger.Warn("batch handler failed permanently; handing its messages over one at a time to find the poison one",
				"messages", len(batch), "first_topic", first.Topic, "first_partition", first.Partition,
				"first_offset", first.Offset, "err", err.Error())
			for _, m := range batch {
				if !handleBatchUntilDone(ctx, workCtx, l, h, []kafka.Message{m}) {
					return false
				}
			}
			return true
		}
		wait := bo.Next()
		l.metrics.retried(first.Topic, "handler")
		l.logger.Error("batch handler failed; retrying the batch, nothing after it is committed",
			"messages", len(batch),
			"first_topic", first.Topic, "first_partition", first.Partition, "first_offset", first.Offset,
			"last_topic", last.Topic, "last_partition", last.Partition, "last_offset", last.Offset,
			"attempt", attempt, "retry_in", wait.Round(time.Millisecond).String(), "err", err.Error())
		if ctx.Err() != nil || !backoff.Sleep(ctx, wait) {
			return false
		}
	}
}

// deadLetterPoison dead-letters the messages p names, in batch order (an index outside the
// batch is ignored): true once all are stored, false when ctx was cancelled first.
func deadLetterPoison(ctx, workCtx context.Context, l loop, batch []kafka.Message, p *Poison) bool {
	for i, m := range batch {
		if cause, ok := p.Errs[i]; ok {
			if cause == nil {
				cause = errors.New("poison message")
			}
			if !deadLetterUntilDone(ctx, workCtx, l, m, cause) {
				return false
			}
		}
	}
	return true
}

func handleBatch(ctx context.Context, h BatchHandler, batch []kafka.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("batch handler panic: %v", r)
		}
	}()
	return h(ctx, batch)
}
