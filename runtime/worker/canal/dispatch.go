// Package canal is the `chii worker canal` process: it consumes Debezium
// change events (MySQL CDC via Kafka) and dispatches them by table.
package canal

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/segmentio/kafka-go"
)

// Event is one decoded Debezium change event (JSON converter without schema).
type Event struct {
	Table  string          // source.table, e.g. "chii_subjects"
	Op     string          // c create, u update, d delete, r snapshot read
	Before json.RawMessage // row image before the change (JSON null for c/r)
	After  json.RawMessage // row image after the change (JSON null for d)
	Key    []byte          // the message key: JSON object of the primary key columns
	Msg    kafka.Message   // the raw message (topic, partition, offset)
}

// TableHandler processes the events of one table. An error leaves the
// message uncommitted.
type TableHandler func(ctx context.Context, e Event) error

// Tables the bangumi canal worker reacts to (canal-worker spec §3).
var knownTables = map[string]bool{
	"chii_subjects":       true,
	"chii_subject_fields": true,
	"chii_characters":     true,
	"chii_persons":        true,
	"chii_members":        true,
}

// Dispatcher decodes Debezium envelopes and routes them by table.
type Dispatcher struct {
	logger   *slog.Logger
	handlers map[string]TableHandler
}

// NewDispatcher returns a Dispatcher routing source.table to handlers.
func NewDispatcher(logger *slog.Logger, handlers map[string]TableHandler) *Dispatcher {
	return &Dispatcher{logger: logger, handlers: handlers}
}

type envelope struct {
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	Op     string          `json:"op"`
	Source struct {
		Table string `json:"table"`
	} `json:"source"`
}

// Handle is the consume.Handler of the canal worker:
//   - empty value (Debezium tombstone) → success;
//   - value that is not a JSON envelope → warning, success (skipped);
//   - table without handler (unknown, or not implemented yet) → debug, success;
//   - otherwise the table handler's result.
func (d *Dispatcher) Handle(ctx context.Context, m kafka.Message) error {
	if len(m.Value) == 0 {
		return nil
	}
	var env envelope
	if err := json.Unmarshal(m.Value, &env); err != nil {
		d.logger.Warn("canal: skipping message that is not a Debezium JSON envelope",
			"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err.Error())
		return nil
	}
	h, ok := d.handlers[env.Source.Table]
	if !ok {
		if knownTables[env.Source.Table] {
			d.logger.Debug("canal: no handler registered for table yet", "table", env.Source.Table, "op", env.Op,
				"topic", m.Topic, "offset", m.Offset)
		} else {
			d.logger.Debug("canal: ignoring table", "table", env.Source.Table, "topic", m.Topic, "offset", m.Offset)
		}
		return nil
	}
	return h(ctx, Event{Table: env.Source.Table, Op: env.Op, Before: env.Before, After: env.After, Key: m.Key, Msg: m})
}
