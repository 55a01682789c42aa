package canal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

func TestDispatcher_Handle(t *testing.T) {
	var got []canal.Event
	record := func(_ context.Context, e canal.Event) error { got = append(got, e); return nil }
	failing := func(context.Context, canal.Event) error { return errors.New("index down") }

	tests := []struct {
		name          string
		value         string
		wantErr       bool
		wantPermanent bool   // the error is a dead letter's (consume.Permanent)
		wantTable     string // "" = no handler called
		wantLog       string
	}{
		{name: "Tombstone", value: ""},
		{name: "InvalidJSONIsPermanent", value: "{not json", wantErr: true, wantPermanent: true},
		{name: "NotAnObjectIsPermanent", value: `[1,2]`, wantErr: true, wantPermanent: true},
		{name: "NoSourceTableIsPermanent", value: `{"op":"c","after":{}}`, wantErr: true, wantPermanent: true},
		{name: "UnknownOpIsPermanent", value: `{"source":{"table":"chii_subjects"},"op":"x"}`, wantErr: true, wantPermanent: true},
		{name: "UnknownTable", value: `{"before":null,"after":{"idx_id":1},"source":{"table":"chii_index"},"op":"c"}`, wantLog: "ignoring table"},
		{name: "UnknownTableAnyOp", value: `{"source":{"table":"chii_index"},"op":"t"}`, wantLog: "ignoring table"},
		{name: "KnownTableWithoutHandler", value: `{"before":null,"after":{"uid":1},"source":{"table":"chii_members"},"op":"u"}`, wantLog: "no handler registered"},
		{name: "SchemaWrappedTombstone", value: `{"schema":{"type":"struct"},"payload":null}`},
		{
			name:      "SchemaWrappedIsUnwrapped",
			value:     `{"schema":{"type":"struct"},"payload":{"before":{"subject_id":8},"after":{"subject_id":8,"subject_name":"x"},"source":{"table":"chii_subjects"},"op":"u"}}`,
			wantTable: "chii_subjects",
		},
		{
			name:      "DispatchedByTable",
			value:     `{"before":{"subject_id":8},"after":{"subject_id":8,"subject_name":"x"},"source":{"db":"bangumi","table":"chii_subjects"},"op":"u","ts_ms":1}`,
			wantTable: "chii_subjects",
		},
		{
			name:    "HandlerErrorPropagates",
			value:   `{"before":null,"after":{"crt_id":1},"source":{"table":"chii_characters"},"op":"c"}`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			var buf bytes.Buffer
			d := canal.NewDispatcher(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
				map[string]canal.TableHandler{"chii_subjects": record, "chii_characters": failing})
			err := d.Handle(t.Context(), kafka.Message{Key: []byte(`{"subject_id":8}`), Value: []byte(tt.value)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Handle() error = %v, wantErr %v", err, tt.wantErr)
			}
			if consume.Permanent(err) != tt.wantPermanent {
				t.Errorf("Handle() error = %v, permanent = %v, want %v", err, consume.Permanent(err), tt.wantPermanent)
			}
			if tt.wantTable == "" && len(got) > 0 {
				t.Errorf("handler called with %+v, want none", got)
			}
			if tt.wantTable != "" {
				if len(got) != 1 {
					t.Fatalf("handler called %d times, want 1", len(got))
				}
				e := got[0]
				if e.Table != tt.wantTable || e.Op != "u" || string(e.Key) != `{"subject_id":8}` ||
					!strings.Contains(string(e.After), `"subject_name":"x"`) || !strings.Contains(string(e.Before), "8") {
					t.Errorf("event = %+v", e)
				}
			}
			if tt.wantLog != "" && !strings.Contains(buf.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, buf.String())
			}
		})
	}
}

// The reference samples are written with schemas: each is unwrapped and dispatched on the
// table its payload names, with its op and row images.
func TestDispatcher_ReferenceSamples(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "reference", "canal-example")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no samples in " + dir) // SharedDir found the reference data, so they must be there
	}
	var got []canal.Event
	record := func(_ context.Context, e canal.Event) error { got = append(got, e); return nil }
	d := canal.NewDispatcher(slog.New(slog.DiscardHandler), map[string]canal.TableHandler{
		"chii_index": record, "chii_subject_interests": record,
	})
	want := map[string]string{"c.json": "chii_index c", "d.json": "chii_index d", "u.json": "chii_subject_interests u"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		if err := d.Handle(t.Context(), kafka.Message{Value: b}); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		if len(got) != 1 {
			t.Errorf("%s: handed over %d times, want once", filepath.Base(f), len(got))
			continue
		}
		if w, ok := want[filepath.Base(f)]; ok && got[0].Table+" "+got[0].Op != w {
			t.Errorf("%s: event of %s %s, want %s", filepath.Base(f), got[0].Table, got[0].Op, w)
		}
		if string(got[0].Before) == "" || string(got[0].After) == "" {
			t.Errorf("%s: row images lost: before %s, after %s", filepath.Base(f), got[0].Before, got[0].After)
		}
	}
}

// The key of a message written with schemas is unwrapped too: handlers read its columns.
func TestDispatcher_SchemaWrappedKey(t *testing.T) {
	var got []canal.Event
	d := canal.NewDispatcher(slog.New(slog.DiscardHandler), map[string]canal.TableHandler{
		"chii_members": func(_ context.Context, e canal.Event) error { got = append(got, e); return nil },
	})
	err := d.Handle(t.Context(), kafka.Message{
		Key:   []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","field":"uid"}]},"payload":{"uid":7}}`),
		Value: []byte(`{"schema":{"type":"struct"},"payload":{"before":{"uid":7},"after":{"uid":7},"source":{"table":"chii_members"},"op":"u"}}`),
	})
	if err != nil || len(got) != 1 {
		t.Fatalf("Handle() = %v, handed over %d times", err, len(got))
	}
	if string(got[0].Key) != `{"uid":7}` {
		t.Errorf("key = %s, want the payload {\"uid\":7}", got[0].Key)
	}
}

// CountEvents counts each event of a batch once per attempt, by table, op and outcome.
func TestDispatcher_CountEvents(t *testing.T) {
	c := canal.NewEventCounter(prometheus.NewRegistry())
	d := canal.NewDispatcher(slog.New(slog.DiscardHandler), map[string]canal.TableHandler{
		"chii_members": func(_ context.Context, e canal.Event) error {
			switch string(e.Key) {
			case `{"uid":2}`:
				return domain.Errorf(domain.ErrInvalid, "bad row")
			case `{"uid":3}`:
				return errors.New("redis down")
			}
			return nil
		},
	}).WithBatch(func(context.Context, []canal.Event) error { return nil }, "chii_subjects").CountEvents(c)
	member := func(uid int, op string) kafka.Message {
		return kafka.Message{Key: fmt.Appendf(nil, `{"uid":%d}`, uid),
			Value: fmt.Appendf(nil, `{"source":{"table":"chii_members"},"op":%q,"after":{"uid":%d}}`, op, uid)}
	}
	_ = d.HandleBatch(t.Context(), []kafka.Message{
		member(1, "u"), member(2, "u"), member(4, "x"), {Value: []byte("{oops")}, {},
		{Value: []byte(`{"source":{"table":"chii_index"},"op":"c"}`)},
		{Value: []byte(`{"source":{"table":"chii_subjects"},"op":"u","after":{"subject_id":8}}`)},
	})
	_ = d.HandleBatch(t.Context(), []kafka.Message{member(3, "d")})
	for _, tc := range []struct {
		table, op, outcome string
		want               float64
	}{
		{"chii_members", "u", "ok", 1},
		{"chii_members", "u", "dead_letter", 1},
		{"chii_members", "x", "dead_letter", 1},
		{"chii_members", "d", "retry", 1},
		{"-", "-", "dead_letter", 1},
		{"-", "-", "tombstone", 1},
		{"chii_index", "c", "ignored", 1},
		{"chii_subjects", "u", "ok", 1},
	} {
		var m dto.Metric
		if err := c.WithLabelValues(tc.table, tc.op, tc.outcome).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != tc.want {
			t.Errorf("events{%s,%s,%s} = %v, want %v", tc.table, tc.op, tc.outcome, got, tc.want)
		}
	}
}
