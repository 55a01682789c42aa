package canal

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/buildinfo"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/internal/metricsrv"
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

	// The internal listener (CHII_METRICS_ADDR): the loop's and the dispatcher's figures.
	reg := metricsrv.NewRegistry(buildinfo.Version())
	if d.MySQL != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(d.MySQL, "mysql"))
	}
	stopMetrics, err := metricsrv.Listen(cfg.MetricsAddr, reg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	disp.CountEvents(NewEventCounter(reg))

	logger.Info("canal: table handlers registered", "tables", disp.Tables())
	return consume.ServeBatch(ctx, cfg, cfg.Kafka.Topics, d.Checks, disp.HandleBatch, 0, 0, logger,
		consume.WithDeadLetterTopics(), consume.WithMetrics(consume.NewMetrics(reg)),
		consume.WithReader(func(r *kafka.Reader) { reg.MustRegister(consume.ReaderLag(r)) }))
}
