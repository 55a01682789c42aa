// Package canal is the `chii worker canal` process: it consumes Debezium
// change events (MySQL CDC via Kafka) and dispatches them by table.
package canal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/segmentio/kafka-go"
)

// Event is one decoded Debezium change event (JSON converter with or without schemas: the
// {"schema":…,"payload":…} wrapper of a key or value is taken off).
type Event struct {
	Table  string          // source.table, e.g. "chii_subjects"
	Op     string          // c create, u update, d delete, r snapshot read
	Before json.RawMessage // row image before the change (JSON null for c/r)
	After  json.RawMessage // row image after the change (JSON null for d)
	Key    []byte          // the message key: JSON object of the primary key columns (unwrapped)
	Msg    kafka.Message   // the message (topic, partition, offset, time; Key unwrapped)
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

// BatchTableHandler processes the events of the tables it is registered for, of one batch of
// messages, in message order, in one call (one index write for many events). An error leaves
// the whole batch uncommitted: it is handed over again.
type BatchTableHandler func(ctx context.Context, events []Event) error

// Dispatcher decodes Debezium envelopes and routes them by table.
type Dispatcher struct {
	logger   *slog.Logger
	handlers map[string]TableHandler
	batched  []BatchTableHandler
	batchOf  map[string]int // table → index in batched
}

// NewDispatcher returns a Dispatcher routing source.table to handlers.
func NewDispatcher(logger *slog.Logger, handlers map[string]TableHandler) *Dispatcher {
	return &Dispatcher{logger: logger, handlers: handlers, batchOf: map[string]int{}}
}

// WithBatch routes the events of tables to h, which HandleBatch calls once per batch with
// all of them (Handle calls it with one). A table routed to h is no longer routed to a
// TableHandler. It returns d; call it before the Dispatcher is used.
func (d *Dispatcher) WithBatch(h BatchTableHandler, tables ...string) *Dispatcher {
	d.batched = append(d.batched, h)
	for _, t := range tables {
		d.batchOf[t] = len(d.batched) - 1
		delete(d.handlers, t)
	}
	return d
}

// Tables lists the tables that have a handler, sorted.
func (d *Dispatcher) Tables() []string {
	var out []string
	for t := range d.handlers {
		out = append(out, t)
	}
	for t := range d.batchOf {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

type envelope struct {
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	Op     string          `json:"op"`
	Source struct {
		Table string `json:"table"`
	} `json:"source"`
	// Schema and Payload are set when the converter wrote schemas (schemas.enable=true): the
	// envelope is then the payload.
	Schema  json.RawMessage `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}

// unwrapPayload returns the payload of a key or value written with schemas
// ({"schema":…,"payload":…}), and raw itself otherwise.
func unwrapPayload(raw []byte) []byte {
	var w struct {
		Schema  json.RawMessage `json:"schema"`
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(raw, &w) != nil || len(w.Schema) == 0 || len(w.Payload) == 0 {
		return raw
	}
	return w.Payload
}

// Handle is the consume.Handler of the canal worker:
//   - empty value (Debezium tombstone) → success;
//   - value that is not a JSON envelope → warning, success (skipped);
//   - table without handler (unknown, or not implemented yet) → debug, success;
//   - otherwise the table handler's result (a batch handler's, called with this one event).
func (d *Dispatcher) Handle(ctx context.Context, m kafka.Message) error {
	e, ok := d.decode(m)
	if !ok {
		return nil
	}
	if i, ok := d.batchOf[e.Table]; ok {
		return d.batched[i](ctx, []Event{e})
	}
	return d.handlers[e.Table](ctx, e)
}

// HandleBatch is the consume.BatchHandler of the canal worker. It decodes every message as
// Handle does and, in message order, hands each event of a table with a TableHandler to it;
// then it hands the events of the tables of each batch handler to that handler in one call.
// The first error is returned: the whole batch is handed over again, so the handlers of the
// messages before it run again (every handler is idempotent).
func (d *Dispatcher) HandleBatch(ctx context.Context, msgs []kafka.Message) error {
	var groups [][]Event
	for _, m := range msgs {
		e, ok := d.decode(m)
		if !ok {
			continue
		}
		if i, ok := d.batchOf[e.Table]; ok {
			if groups == nil {
				groups = make([][]Event, len(d.batched))
			}
			groups[i] = append(groups[i], e)
			continue
		}
		if err := d.handlers[e.Table](ctx, e); err != nil {
			return fmt.Errorf("%s event at %s/%d/%d: %w", e.Table, m.Topic, m.Partition, m.Offset, err)
		}
	}
	for i, events := range groups {
		if len(events) == 0 {
			continue
		}
		if err := d.batched[i](ctx, events); err != nil {
			return err
		}
	}
	return nil
}

// decode reads m's envelope. ok is false for a message that needs nothing done: a tombstone,
// a value that is not a JSON envelope (logged), a table without handler (logged at debug).
func (d *Dispatcher) decode(m kafka.Message) (e Event, ok bool) {
	if len(m.Value) == 0 {
		return Event{}, false
	}
	var env envelope
	if err := json.Unmarshal(m.Value, &env); err != nil {
		d.logger.Warn("canal: skipping message that is not a Debezium JSON envelope",
			"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err.Error())
		return Event{}, false
	}
	if len(env.Schema) > 0 && len(env.Payload) > 0 {
		// Written with schemas: the envelope is the payload (null: a tombstone), the key's
		// columns the key's payload.
		payload := env.Payload
		env = envelope{}
		if err := json.Unmarshal(payload, &env); err != nil {
			d.logger.Warn("canal: skipping message whose payload is not a Debezium JSON envelope",
				"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err.Error())
			return Event{}, false
		}
		if string(payload) == "null" {
			return Event{}, false
		}
		m.Key = unwrapPayload(m.Key)
	}
	_, batched := d.batchOf[env.Source.Table]
	if _, ok := d.handlers[env.Source.Table]; !ok && !batched {
		if knownTables[env.Source.Table] {
			d.logger.Debug("canal: no handler registered for table yet", "table", env.Source.Table, "op", env.Op,
				"topic", m.Topic, "offset", m.Offset)
		} else {
			d.logger.Debug("canal: ignoring table", "table", env.Source.Table, "topic", m.Topic, "offset", m.Offset)
		}
		return Event{}, false
	}
	return Event{Table: env.Source.Table, Op: env.Op, Before: env.Before, After: env.After, Key: m.Key, Msg: m}, true
}
