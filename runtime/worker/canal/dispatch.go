// Package canal is the `chii worker canal` process: it consumes Debezium
// change events (MySQL CDC via Kafka) and dispatches them by table.
package canal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/runtime/worker/consume"
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

// TableHandler processes the events of one table. An error of kind domain.ErrInvalid means the
// event can never be processed: it is dead-lettered. Any other error leaves the message
// uncommitted: it is handed over again.
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
	batchOf  map[string]int         // table → index in batched
	events   *prometheus.CounterVec // table, op, outcome; nil: not counted
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
//   - value that is not a Debezium JSON envelope (not JSON, no source.table), or an op other
//     than c/u/d/r for a table with a handler → an error of kind domain.ErrInvalid: the
//     consume loop dead-letters the message;
//   - table without handler (unknown, or not implemented yet) → debug, success;
//   - otherwise the table handler's result (a batch handler's, called with this one event).
func (d *Dispatcher) Handle(ctx context.Context, m kafka.Message) error {
	e, ok, err := d.decodeCounted(m)
	if err != nil || !ok {
		return err
	}
	if i, ok := d.batchOf[e.Table]; ok {
		err = d.batched[i](ctx, []Event{e})
	} else {
		err = d.handlers[e.Table](ctx, e)
	}
	d.count(e.Table, e.Op, outcome(err))
	return err
}

// HandleBatch is the consume.BatchHandler of the canal worker. It decodes every message as
// Handle does and, in message order, hands each event of a table with a TableHandler to it;
// then it hands the events of the tables of each batch handler to that handler in one call.
//
// A message that cannot be decoded, or whose TableHandler fails permanently (an error of kind
// domain.ErrInvalid), is poison: the others go on, and once all are done HandleBatch returns
// a *consume.Poison naming it, so that the loop dead-letters just that message. Any other
// error is returned at once: the whole batch is handed over again, so the handlers of the
// messages before it run again (every handler is idempotent). A batch handler's error is
// returned as it is; a permanent one makes the loop hand the messages over one at a time
// (consume.BatchHandler), which finds the poison event among the batch's.
func (d *Dispatcher) HandleBatch(ctx context.Context, msgs []kafka.Message) error {
	var groups [][]Event
	poison := map[int]error{}
	for i, m := range msgs {
		e, ok, err := d.decodeCounted(m)
		if err != nil {
			poison[i] = err
			continue
		}
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
		err = d.handlers[e.Table](ctx, e)
		d.count(e.Table, e.Op, outcome(err))
		if err != nil {
			err = fmt.Errorf("%s event at %s/%d/%d: %w", e.Table, m.Topic, m.Partition, m.Offset, err)
			if consume.Permanent(err) {
				poison[i] = err
				continue
			}
			return err
		}
	}
	for i, events := range groups {
		if len(events) == 0 {
			continue
		}
		err := d.batched[i](ctx, events)
		for _, e := range events {
			d.count(e.Table, e.Op, outcome(err))
		}
		if err != nil {
			return err
		}
	}
	if len(poison) > 0 {
		return &consume.Poison{Errs: poison}
	}
	return nil
}

// ops are the Debezium operations: create, update, delete, snapshot read.
var ops = map[string]bool{"c": true, "u": true, "d": true, "r": true}

// decode reads m's envelope. ok is false for a message that needs nothing done: a tombstone or
// a table without handler (logged at debug). err (of kind domain.ErrInvalid) is a message
// that can never be processed: a value that is not a Debezium JSON envelope, or an unknown op
// of a table with a handler.
func (d *Dispatcher) decode(m kafka.Message) (e Event, ok bool, err error) {
	if len(m.Value) == 0 {
		return Event{}, false, nil
	}
	var env envelope
	if err := json.Unmarshal(m.Value, &env); err != nil {
		return Event{}, false, domain.Errorf(domain.ErrInvalid, "not a Debezium JSON envelope: %v", err)
	}
	if len(env.Schema) > 0 && len(env.Payload) > 0 {
		// Written with schemas: the envelope is the payload (null: a tombstone), the key's
		// columns the key's payload.
		payload := env.Payload
		if string(payload) == "null" {
			return Event{}, false, nil
		}
		env = envelope{}
		if err := json.Unmarshal(payload, &env); err != nil {
			return Event{}, false, domain.Errorf(domain.ErrInvalid, "payload is not a Debezium JSON envelope: %v", err)
		}
		m.Key = unwrapPayload(m.Key)
	}
	if env.Source.Table == "" {
		return Event{}, false, domain.Errorf(domain.ErrInvalid, "not a Debezium JSON envelope: no source.table")
	}
	_, batched := d.batchOf[env.Source.Table]
	if _, ok := d.handlers[env.Source.Table]; !ok && !batched {
		if knownTables[env.Source.Table] {
			d.logger.Debug("canal: no handler registered for table yet", "table", env.Source.Table, "op", env.Op,
				"topic", m.Topic, "offset", m.Offset)
		} else {
			d.logger.Debug("canal: ignoring table", "table", env.Source.Table, "topic", m.Topic, "offset", m.Offset)
		}
		return Event{Table: env.Source.Table, Op: env.Op}, false, nil
	}
	if !ops[env.Op] {
		return Event{Table: env.Source.Table, Op: env.Op}, false,
			domain.Errorf(domain.ErrInvalid, "%s event with unknown op %q", env.Source.Table, env.Op)
	}
	return Event{Table: env.Source.Table, Op: env.Op, Before: env.Before, After: env.After, Key: m.Key, Msg: m}, true, nil
}

// CountEvents makes d count every event it decodes in c, by table, op and outcome: "ok",
// "retry" (a transient handler error: handed over again), "dead_letter" (not an envelope, an
// unknown op, a handler's permanent error), "ignored" (a table without handler) or
// "tombstone". Table and op are "-" when the value has none. NewEventCounter makes c. It
// returns d; call it before the Dispatcher is used.
func (d *Dispatcher) CountEvents(c *prometheus.CounterVec) *Dispatcher {
	d.events = c
	return d
}

// NewEventCounter registers chii_canal_events_total{table,op,outcome} in reg.
func NewEventCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "chii", Subsystem: "canal", Name: "events_total",
		Help: "Change events by table, op and outcome (ok, retry, dead_letter, ignored, tombstone)."},
		[]string{"table", "op", "outcome"})
	reg.MustRegister(c)
	return c
}

// decodeCounted is decode, counting the events that reach no handler.
func (d *Dispatcher) decodeCounted(m kafka.Message) (Event, bool, error) {
	e, ok, err := d.decode(m)
	switch {
	case err != nil:
		d.count(e.Table, e.Op, "dead_letter")
	case !ok && e.Table == "":
		d.count("", "", "tombstone")
	case !ok:
		d.count(e.Table, e.Op, "ignored")
	}
	return e, ok, err
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case consume.Permanent(err):
		return "dead_letter"
	default:
		return "retry"
	}
}

func (d *Dispatcher) count(table, op, outcome string) {
	if d.events == nil {
		return
	}
	if table == "" {
		table = "-"
	}
	if op == "" {
		op = "-"
	}
	d.events.WithLabelValues(table, op, outcome).Inc()
}
