package consume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

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
func Serve(ctx context.Context, cfg config.Config, topics []string, checks []health.Check, h Handler, logger *slog.Logger) error {
	return serve(ctx, cfg, topics, checks, logger, func(ctx context.Context, reader Reader, grace time.Duration) error {
		return Run(ctx, Options{Reader: reader, Handler: h, Logger: logger, Brokers: cfg.Kafka.Brokers, Grace: grace})
	})
}

// serve is Serve's body with the loop (Run or RunBatch) given: run consumes from reader and
// lets its in-flight work finish within grace after ctx's cancellation.
func serve(ctx context.Context, cfg config.Config, topics []string, checks []health.Check, logger *slog.Logger,
	run func(ctx context.Context, reader Reader, grace time.Duration) error,
) error {
	reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{
		Brokers: cfg.Kafka.Brokers, Topics: topics, GroupID: cfg.Kafka.GroupID, Logger: logger,
	})
	if err != nil {
		return fmt.Errorf("kafka reader: %w", err)
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
	runErr := run(ctx, reader, cfg.ShutdownGrace*8/10)
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
