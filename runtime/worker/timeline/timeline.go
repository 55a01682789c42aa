// Package timeline is the `chii worker timeline` process: it consumes the
// timeline topic ({"op": …, "message": {…}} values) and writes each message
// into chii_timeline (usecase.TimelineWriter on MySQL).
//
// Commit semantics, with runtime/worker/consume (which commits a message
// when the handler returns nil, and otherwise logs the error and goes on
// with the next message, whose commit would then cover the failed one):
//
//   - written: the handler returns nil after the transaction committed, so
//     the offset is committed only once the row is durable;
//   - poison (domain.ErrInvalid: not JSON, unknown op, rejected input): it can
//     never be written, so it is logged at error level with its whole key and
//     value (to replay it once fixed) and acknowledged;
//   - any other error (MySQL down, deadlock, timeout): the handler retries the
//     write with backoff, holding the partition, until it succeeds. When the
//     process stops meanwhile, the handler returns the error (the message
//     stays uncommitted) and refuses every later message, so no later commit
//     can pass over it; it is redelivered after the restart.
package timeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/domain"
	tl "github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/backoff"
	"github.com/bangumi/chii/runtime/internal/deps"
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
	// Stop ends the retries of a failing write: the process is stopping. Nil: never.
	Stop context.Context
	// Backoff bounds between retries of a failing write; zero values mean 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
}

// errStopped is returned for the messages after one that was left unwritten.
var errStopped = errors.New("timeline: an earlier message was not written; later ones wait for the restart")

// NewHandler adapts o.Write to the consume loop with the commit semantics of
// the package documentation. Empty values (tombstones) are skipped.
func NewHandler(o HandlerOptions) consume.Handler {
	stop := o.Stop
	if stop == nil {
		stop = context.Background()
	}
	var gaveUp atomic.Bool
	return func(ctx context.Context, km kafka.Message) error {
		if gaveUp.Load() {
			return errStopped
		}
		if len(km.Value) == 0 {
			o.Logger.Debug("timeline: skipping empty message", "topic", km.Topic, "partition", km.Partition, "offset", km.Offset)
			return nil
		}
		msg := tl.Message{Key: km.Key, Value: km.Value}
		bo := backoff.Backoff{Min: o.MinBackoff, Max: o.MaxBackoff}
		for attempt := 1; ; attempt++ {
			err := o.Write(ctx, msg)
			if err == nil {
				if attempt > 1 {
					o.Logger.Info("timeline: message written after retries", "topic", km.Topic, "partition", km.Partition,
						"offset", km.Offset, "attempts", attempt)
				}
				return nil
			}
			if errors.Is(err, domain.ErrInvalid) {
				o.Logger.Error("timeline: message rejected and acknowledged; replay it from this line once fixed",
					"topic", km.Topic, "partition", km.Partition, "offset", km.Offset,
					"key", string(km.Key), "value", string(km.Value), "err", err.Error())
				return nil
			}
			wait := bo.Next()
			o.Logger.Error("timeline: write failed; retrying", "topic", km.Topic, "partition", km.Partition,
				"offset", km.Offset, "attempt", attempt, "retry_in", wait.Round(time.Millisecond).String(), "err", err.Error())
			if !sleep(stop, ctx, wait) {
				gaveUp.Store(true)
				return fmt.Errorf("timeline: message at offset %d not written before stopping: %w", km.Offset, err)
			}
		}
	}
}

// sleep waits for d; it reports false as soon as stop or ctx is done.
func sleep(stop, ctx context.Context, d time.Duration) bool {
	if stop.Err() != nil || ctx.Err() != nil {
		return false
	}
	both, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(stop, cancel)()
	return backoff.Sleep(both, d)
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

	h := NewHandler(HandlerOptions{Logger: logger, Write: w, Stop: ctx})
	return consume.Serve(ctx, cfg, []string{cfg.TimelineTopic}, d.Checks, h, logger)
}
