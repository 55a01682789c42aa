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
// go-canal) until ctx is cancelled, then finishes the in-flight message
// within cfg.ShutdownGrace. Unreachable brokers or databases are retried
// with backoff and logged; they never stop the process.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	d, err := deps.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()

	handlers, cleanup, err := buildHandlers(ctx, cfg, d, logger)
	if err != nil {
		return fmt.Errorf("canal: compose handlers: %w", err)
	}
	defer cleanup()

	logger.Info("canal: table handlers registered", "count", len(handlers))
	return consume.Serve(ctx, cfg, cfg.Kafka.Topics, d.Checks, NewDispatcher(logger, handlers).Handle, logger)
}
