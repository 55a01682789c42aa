// Package timeline is the `chii worker timeline` process: it consumes the
// timeline topic ({"op": …, "message": {…}} values) and hands each message
// to the timeline writer.
package timeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/internal/deps"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// Message is one decoded timeline message.
type Message struct {
	Op      string          `json:"op"`      // subject, progressEpisode, progressSubject, mono, daily, …
	Message json.RawMessage `json:"message"` // op-specific payload (timeline spec §2)
	Key     []byte          `json:"-"`       // the acting user id as a decimal string
}

// Writer writes one timeline message (into chii_timeline). An error leaves
// the Kafka message uncommitted.
type Writer func(ctx context.Context, m Message) error

// Handler adapts w to the consume loop: empty values (tombstones) are
// skipped; a value that is not a JSON object with a string "op" is logged
// and skipped (the TypeScript consumer swallows such messages too).
func Handler(logger *slog.Logger, w Writer) consume.Handler {
	return func(ctx context.Context, km kafka.Message) error {
		if len(km.Value) == 0 {
			return nil
		}
		var m Message
		if err := json.Unmarshal(km.Value, &m); err != nil || m.Op == "" {
			logger.Warn("timeline: skipping message that is not {\"op\",\"message\"} JSON",
				"topic", km.Topic, "partition", km.Partition, "offset", km.Offset, "err", errString(err))
			return nil
		}
		m.Key = km.Key
		return w(ctx, m)
	}
}

func errString(err error) string {
	if err == nil {
		return "missing op"
	}
	return err.Error()
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

	return consume.Serve(ctx, cfg, []string{cfg.TimelineTopic}, d.Checks, Handler(logger, w), logger)
}
