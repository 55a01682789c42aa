// Package timeline is the `chii worker timeline` process: it consumes the
// timeline topic ({"op": …, "message": {…}} values) and writes each message
// into chii_timeline (usecase.TimelineWriter on MySQL).
//
// Commit semantics (runtime/worker/consume commits a message when the
// handler returns nil and otherwise retries the same message with backoff,
// holding its partition):
//
//   - written: the handler returns nil after the transaction committed, so
//     the offset is committed only once the row is durable; a message delivered
//     again (the process stopped between the two commits) finds its row and
//     writes nothing (timeline.Plan);
//   - poison (domain.ErrInvalid: not JSON, unknown op, rejected input): it can
//     never be written, so the handler returns the error as it is and the loop
//     produces the message to the dead-letter topic (timeline.dlq: key, value,
//     the error and the source offset in headers), committing it only once that
//     write succeeded;
//   - any other error (MySQL down, deadlock, timeout): returned, so the loop
//     retries the message until it is written; a message still unwritten when
//     the process stops is delivered again after the restart.
package timeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/segmentio/kafka-go"

	tl "github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/buildinfo"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/internal/metricsrv"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// Writer writes one timeline message into chii_timeline. An error of kind
// domain.ErrInvalid means the message can never be written; any other error
// means nothing was written and a retry may succeed.
type Writer func(ctx context.Context, m tl.Message) error

// HandlerOptions configures NewHandler.
type HandlerOptions struct {
	Logger *slog.Logger
	Write  Writer
	// Messages counts the messages by outcome (NewMessageCounter); nil counts nothing.
	Messages *prometheus.CounterVec
	// WriteTimeout bounds one write (0: DefaultWriteTimeout): a MySQL that hangs (a
	// connection that never answers) fails the attempt, which the loop retries, instead of
	// holding the worker forever.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout bounds one write of a message: well above MySQL's 5 s lock waits.
const DefaultWriteTimeout = 30 * time.Second

// NewMessageCounter registers chii_timeline_messages_total{outcome} in reg: "written" (the
// transaction committed, or the message was found written before), "invalid" (can never be
// written: dead-lettered), "failed" (transient: handed over again), "empty" (a tombstone).
func NewMessageCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "timeline", Name: "messages_total",
		Help: "Timeline messages handled, by outcome: written, invalid, failed, empty."}, []string{"outcome"})
	for _, o := range []string{"written", "invalid", "failed", "empty"} {
		c.WithLabelValues(o)
	}
	reg.MustRegister(c)
	return c
}

// NewHandler adapts o.Write to the consume loop with the commit semantics of
// the package documentation. Empty values (tombstones) are skipped.
func NewHandler(o HandlerOptions) consume.Handler {
	timeout := o.WriteTimeout
	if timeout <= 0 {
		timeout = DefaultWriteTimeout
	}
	count := func(outcome string) {
		if o.Messages != nil {
			o.Messages.WithLabelValues(outcome).Inc()
		}
	}
	return func(ctx context.Context, km kafka.Message) error {
		if len(km.Value) == 0 {
			count("empty")
			o.Logger.Debug("timeline: skipping empty message", "topic", km.Topic, "partition", km.Partition, "offset", km.Offset)
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, timeout)
		err := o.Write(wctx, tl.Message{Key: km.Key, Value: km.Value})
		cancel()
		switch {
		case err == nil:
			count("written")
			return nil
		case consume.Permanent(err):
			count("invalid")
		default:
			count("failed")
		}
		// domain.ErrInvalid stays in the chain: the loop dead-letters the message.
		return fmt.Errorf("timeline: write message at offset %d: %w", km.Offset, err)
	}
}

// Run consumes cfg.TimelineTopic as group cfg.Kafka.GroupID (default
// go-timeline) until ctx is cancelled, then finishes the in-flight message
// within cfg.ShutdownGrace.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	d, err := deps.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()

	w, cleanup, err := buildWriter(ctx, cfg, d, logger)
	if err != nil {
		return fmt.Errorf("timeline: compose writer: %w", err)
	}
	defer cleanup()

	// The internal listener (CHII_METRICS_ADDR): the loop's, the handler's and MySQL's figures.
	reg := metricsrv.NewRegistry(buildinfo.Version())
	reg.MustRegister(collectors.NewDBStatsCollector(d.MySQL, "mysql"))
	stopMetrics, err := metricsrv.Listen(cfg.MetricsAddr, reg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()

	h := NewHandler(HandlerOptions{Logger: logger, Write: w, Messages: NewMessageCounter(reg)})
	return consume.Serve(ctx, cfg, []string{cfg.TimelineTopic}, d.Checks, h, logger, consume.WithDeadLetterTopics(),
		consume.WithMetrics(consume.NewMetrics(reg)),
		consume.WithReader(func(r *kafka.Reader) { reg.MustRegister(consume.ReaderLag(r)) }))
}
