package canal

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// Run consumes cfg.Kafka.Topics as group cfg.Kafka.GroupID (default
// go-canal) until ctx is cancelled, in batches (consume.RunBatch: the search
// handler writes the index once per batch), then finishes the in-flight
// batch within cfg.ShutdownGrace. A message that can never be processed goes
// to its topic's dead-letter topic (<topic>.dlq) before it is committed. Unreachable brokers, databases or
// Meilisearch are retried with backoff and logged; they never stop the
// process.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	d, err := deps.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()

	disp, cleanup, err := buildHandlers(ctx, cfg, d, logger)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for a dependency
		}
		return fmt.Errorf("canal: compose handlers: %w", err)
	}
	defer cleanup()

	logger.Info("canal: table handlers registered", "tables", disp.Tables())
	return consume.ServeBatch(ctx, cfg, cfg.Kafka.Topics, d.Checks, disp.HandleBatch, 0, 0, logger,
		consume.WithDeadLetterTopics())
}
