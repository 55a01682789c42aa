package consume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// Serve is the body of a worker process: it consumes topics as consumer
// group cfg.Kafka.GroupID from cfg.Kafka.Brokers with h until ctx is
// cancelled, then lets the in-flight message finish within
// cfg.ShutdownGrace. Meanwhile it watches the brokers and checks (the
// worker's other dependencies), logging each failure with its address and
// retrying with backoff; nothing unreachable stops the process.
func Serve(ctx context.Context, cfg config.Config, topics []string, checks []health.Check, h Handler, logger *slog.Logger,
	opts ...ServeOption,
) error {
	so := serveOptions(opts)
	return serve(ctx, cfg, topics, checks, logger, so, func(ctx context.Context, reader Reader, dl DeadLetters, grace time.Duration) error {
		return Run(ctx, Options{Reader: reader, Handler: h, Logger: logger, Brokers: cfg.Kafka.Brokers, Grace: grace,
			DeadLetters: dl, Metrics: so.metrics})
	})
}

// ServeOption configures Serve and ServeBatch.
type ServeOption func(*serveOpts)

type serveOpts struct {
	deadLetters bool
	metrics     *Metrics
	readerHook  func(*kafka.Reader)
}

func serveOptions(opts []ServeOption) serveOpts {
	var so serveOpts
	for _, o := range opts {
		o(&so)
	}
	return so
}

// WithDeadLetterTopics sends the poison messages of topic t to t + kafkabus.DeadLetterSuffix
// (a kafkabus.DeadLetterWriter on cfg.Kafka.Brokers). Without it they are logged and
// acknowledged: a consumer that every instance runs (the server's search consumer) leaves
// dead letters to the worker that owns the topics.
func WithDeadLetterTopics() ServeOption { return func(o *serveOpts) { o.deadLetters = true } }

// WithMetrics counts the loop's work in m.
func WithMetrics(m *Metrics) ServeOption { return func(o *serveOpts) { o.metrics = m } }

// WithReader calls hook with the reader once it is made (the lag gauges read its Stats).
func WithReader(hook func(*kafka.Reader)) ServeOption {
	return func(o *serveOpts) { o.readerHook = hook }
}

// serve is Serve's body with the loop (Run or RunBatch) given: run consumes from reader and
// lets its in-flight work finish within grace after ctx's cancellation.
func serve(ctx context.Context, cfg config.Config, topics []string, checks []health.Check, logger *slog.Logger,
	so serveOpts, run func(ctx context.Context, reader Reader, dl DeadLetters, grace time.Duration) error,
) error {
	reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{
		Brokers: cfg.Kafka.Brokers, Topics: topics, GroupID: cfg.Kafka.GroupID, Logger: logger,
	})
	if err != nil {
		return fmt.Errorf("kafka reader: %w", err)
	}
	if so.readerHook != nil {
		so.readerHook(reader)
	}
	var dl DeadLetters
	if so.deadLetters {
		w, err := kafkabus.NewDeadLetterWriter(kafkabus.WriterOptions{Brokers: cfg.Kafka.Brokers, Logger: logger})
		if err != nil {
			_ = reader.Close()
			return fmt.Errorf("kafka dead-letter writer: %w", err)
		}
		defer func() {
			if err := w.Close(); err != nil {
				logger.Warn("closing the dead-letter writer failed", "err", err.Error())
			}
		}()
		dl = w
	}

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go health.New(append(checks, deps.KafkaCheck(cfg.Kafka.Brokers))...).Watch(watchCtx, logger, 30*time.Second)

	// The whole stop (in-flight message, then leaving the group) must fit in
	// the grace period that starts with ctx's cancellation.
	var mu sync.Mutex
	var stopAt time.Time
	defer context.AfterFunc(ctx, func() { mu.Lock(); stopAt = time.Now(); mu.Unlock() })()

	logger.Info("consuming", "topics", topics, "group_id", cfg.Kafka.GroupID, "brokers", cfg.Kafka.Brokers)
	// The in-flight work gets most of the grace; leaving the group gets what is left.
	runErr := run(ctx, reader, dl, cfg.ShutdownGrace*8/10)
	closeBudget := cfg.ShutdownGrace
	mu.Lock()
	if !stopAt.IsZero() {
		closeBudget = max(cfg.ShutdownGrace*95/100-time.Since(stopAt), 10*time.Millisecond)
	}
	mu.Unlock()
	return errors.Join(runErr, closeWithin(reader.Close, closeBudget))
}

// closeWithin runs closeFn but stops waiting after d: a reader leaving its
// group on a dead broker must not hold the process past its grace period.
func closeWithin(closeFn func() error, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("close kafka reader: %w", err)
		}
		return nil
	case <-t.C:
		return nil
	}
}
