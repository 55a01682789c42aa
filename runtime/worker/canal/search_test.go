package canal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// syncCall is one call of a recordingSyncer.
type syncCall struct {
	Kind search.Kind
	IDs  []uint32
}

type recordingSyncer struct {
	mu    sync.Mutex
	calls []syncCall
	err   error
}

func (r *recordingSyncer) Sync(_ context.Context, kind search.Kind, ids ...uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, syncCall{kind, append([]uint32(nil), ids...)})
	return r.err
}

// event is a Debezium message (schemaless JSON, as the worker consumes) of table with op, the
// key and the row images given as JSON ("" for none: no key, or a null image).
func event(table, op, key, before, after string) kafka.Message {
	img := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	v := fmt.Sprintf(`{"before":%s,"after":%s,"source":{"version":"2.5.0.Final","connector":"mysql","name":"chii","db":"bangumi","table":%q},"op":%q,"ts_ms":1660329273723,"transaction":null}`,
		img(before), img(after), table, op)
	m := kafka.Message{Value: []byte(v)}
	if key != "" {
		m.Key = []byte(key)
	}
	return m
}

func searchDispatcher(syncer canal.SearchSyncer, buf *bytes.Buffer, others map[string]canal.TableHandler) *canal.Dispatcher {
	logger := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return canal.NewDispatcher(logger, others).WithBatch(canal.SearchHandler(syncer, logger), canal.SearchTables...)
}

// The events of a batch collapse into one Sync per kind, with every id the batch names,
// whatever the op (c, u, r, d) and whichever of a subject's two tables changed.
func TestSearchHandler_OneSyncPerKindPerBatch(t *testing.T) {
	s := &recordingSyncer{}
	var buf bytes.Buffer
	d := searchDispatcher(s, &buf, nil)
	err := d.HandleBatch(t.Context(), []kafka.Message{
		event("chii_persons", "c", `{"prsn_id":3}`, "", `{"prsn_id":3,"prsn_name":"new"}`),
		event("chii_subjects", "u", `{"subject_id":8}`, `{"subject_id":8,"subject_name":"a"}`, `{"subject_id":8,"subject_name":"b"}`),
		event("chii_characters", "d", `{"crt_id":1}`, `{"crt_id":1,"crt_name":"gone"}`, ""),
		event("chii_subject_fields", "u", `{"field_sid":9}`, `{"field_sid":9}`, `{"field_sid":9,"field_rank":3}`),
		event("chii_subjects", "r", `{"subject_id":12}`, "", `{"subject_id":12}`),
		event("chii_subject_fields", "d", `{"field_sid":8}`, `{"field_sid":8}`, ""),
		event("chii_characters", "u", `{"crt_id":2}`, `{"crt_id":2}`, `{"crt_id":2}`),
		{Topic: "t", Key: []byte(`{"subject_id":8}`)}, // tombstone
	})
	if err != nil {
		t.Fatalf("HandleBatch() = %v", err)
	}
	if diff := cmp.Diff([]syncCall{
		{search.KindSubject, []uint32{8, 9, 12, 8}},
		{search.KindCharacter, []uint32{1, 2}},
		{search.KindPerson, []uint32{3}},
	}, s.calls); diff != "" {
		t.Errorf("Sync calls (-want +got):\n%s", diff)
	}
}

// The id is the key's primary key column; without a usable key, the row image's (after, or
// before for a delete), so a key in the schema wrapper (which names no column at its top)
// still finds its row.
func TestSearchHandler_ID(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  kafka.Message
		want uint32
	}{
		{"Key", event("chii_subjects", "u", `{"subject_id":8}`, `{"subject_id":1}`, `{"subject_id":2}`), 8},
		{"KeyString", event("chii_subjects", "u", `{"subject_id":"8"}`, "", ""), 8},
		{"NoKeyAfter", event("chii_characters", "c", "", "", `{"crt_id":5,"crt_name":"x"}`), 5},
		{"NoKeyBefore", event("chii_persons", "d", "", `{"prsn_id":6}`, ""), 6},
		{"WrappedKey", event("chii_subject_fields", "u", `{"schema":{},"payload":{"field_sid":7}}`, "", `{"field_sid":7}`), 7},
		{"KeyNotJSON", event("chii_subjects", "u", `8`, "", `{"subject_id":9}`), 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &recordingSyncer{}
			var buf bytes.Buffer
			if err := searchDispatcher(s, &buf, nil).HandleBatch(t.Context(), []kafka.Message{tc.msg}); err != nil {
				t.Fatal(err)
			}
			if len(s.calls) != 1 || !cmp.Equal(s.calls[0].IDs, []uint32{tc.want}) {
				t.Errorf("Sync calls = %+v, want one with id %d", s.calls, tc.want)
			}
		})
	}
}

// An event without a usable id can never be handled: it is an error of kind
// domain.ErrInvalid (consume.Permanent), returned before anything is synced, so that the
// consume loop isolates it and dead-letters it alone (TestSearchHandler_DeadLettersEventWithoutID).
// (An unknown op never reaches the handler: the dispatcher dead-letters it, TestDispatcher_Handle.)
func TestSearchHandler_EventWithoutIDIsPermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  kafka.Message
	}{
		{"NoID", event("chii_persons", "u", `{"uid":1}`, `{"prsn_name":"x"}`, `{"prsn_name":"y"}`)},
		{"IDZero", event("chii_characters", "u", `{"crt_id":0}`, "", "")},
		{"IDNegative", event("chii_characters", "u", `{"crt_id":-1}`, "", "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &recordingSyncer{}
			var buf bytes.Buffer
			err := searchDispatcher(s, &buf, nil).HandleBatch(t.Context(), []kafka.Message{
				event("chii_subjects", "u", `{"subject_id":9}`, "", ""), tc.msg,
			})
			if !consume.Permanent(err) || !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("HandleBatch() = %v, want a permanent error (domain.ErrInvalid)", err)
			}
			if !strings.Contains(err.Error(), "without a usable id") || !strings.Contains(err.Error(), string(tc.msg.Key)) {
				t.Errorf("the error does not say why, with the key: %v", err)
			}
			if len(s.calls) != 0 {
				t.Errorf("Sync calls = %+v before the batch was isolated, want none", s.calls)
			}
		})
	}
}

// Through the loop the worker runs (consume.RunBatch with a dead-letter writer): a batch with an
// event without a usable id among good ones dead-letters that event alone, to <topic>.dlq with
// its error and offset, syncs the others and commits the whole batch.
func TestSearchHandler_DeadLettersEventWithoutID(t *testing.T) {
	const topic = "debezium.chii.bangumi.search-noid"
	brokers := testenv.Kafka(t, topic, topic+kafkabus.DeadLetterSuffix)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	msgs := []kafka.Message{
		event("chii_subjects", "u", `{"subject_id":9}`, "", ""),
		event("chii_characters", "u", `{"crt_id":0}`, "", ""), // no usable id
		event("chii_persons", "d", `{"prsn_id":3}`, `{"prsn_id":3}`, ""),
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	const group = "chii-canal-search-noid"
	reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: brokers, Topics: []string{topic}, GroupID: group,
		MaxWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	dlq, err := kafkabus.NewDeadLetterWriter(kafkabus.WriterOptions{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer dlq.Close()
	s := &recordingSyncer{}
	var buf bytes.Buffer
	disp := searchDispatcher(s, &buf, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- consume.RunBatch(ctx, consume.BatchOptions{Reader: reader, Handler: disp.HandleBatch,
			Logger: slog.New(slog.DiscardHandler), DeadLetters: dlq, MaxMessages: 3, Linger: 2 * time.Second,
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for testenv.CommittedOffset(t, brokers, group, topic) != int64(len(msgs)) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("committed offset = %d after 30s, want %d", testenv.CommittedOffset(t, brokers, group, topic), len(msgs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunBatch() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunBatch() did not return within 10s of the cancel")
	}

	dl := testenv.ReadTopic(t, brokers, topic+kafkabus.DeadLetterSuffix, 1)[0]
	if got := testenv.Header(dl, kafkabus.HeaderDLQOffset); got != "1" {
		t.Errorf("dead letter of offset %s, want 1", got)
	}
	if got := testenv.Header(dl, kafkabus.HeaderDLQError); !strings.Contains(got, "without a usable id") {
		t.Errorf("dead letter's error = %q, want it to say the event has no usable id", got)
	}
	if !bytes.Equal(dl.Value, msgs[1].Value) || !bytes.Equal(dl.Key, msgs[1].Key) {
		t.Errorf("dead letter = %s %s, want the event's key and value", dl.Key, dl.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	synced := map[search.Kind][]uint32{}
	for _, c := range s.calls {
		synced[c.Kind] = append(synced[c.Kind], c.IDs...)
	}
	if diff := cmp.Diff(map[search.Kind][]uint32{search.KindSubject: {9}, search.KindPerson: {3}}, synced); diff != "" {
		t.Errorf("synced ids (-want +got):\n%s", diff)
	}
}

// A Sync error (MySQL or the index down) is the batch's error: nothing is committed, the
// batch is handed over again.
func TestSearchHandler_SyncErrorFailsTheBatch(t *testing.T) {
	down := errors.New("index down")
	s := &recordingSyncer{err: down}
	var buf bytes.Buffer
	err := searchDispatcher(s, &buf, nil).HandleBatch(t.Context(), []kafka.Message{
		event("chii_subjects", "u", `{"subject_id":8}`, "", ""),
	})
	if !errors.Is(err, down) {
		t.Errorf("HandleBatch() = %v, want it to wrap %v", err, down)
	}
}

// HandleBatch hands other tables' events to their own handlers, one by one in message order,
// and a failing one fails the batch; Handle routes a search event to the batch handler alone.
func TestDispatcher_HandleBatch(t *testing.T) {
	s := &recordingSyncer{}
	var members []string
	var buf bytes.Buffer
	d := searchDispatcher(s, &buf, map[string]canal.TableHandler{
		"chii_members": func(_ context.Context, e canal.Event) error {
			members = append(members, string(e.Key))
			if string(e.Key) == `{"uid":3}` {
				return errors.New("redis down")
			}
			return nil
		},
		// A table handler registered for a search table is replaced by the batch handler.
		"chii_subjects": func(context.Context, canal.Event) error { return errors.New("must not be called") },
	})
	if diff := cmp.Diff([]string{"chii_characters", "chii_members", "chii_persons", "chii_subject_fields", "chii_subjects"}, d.Tables()); diff != "" {
		t.Errorf("Tables() (-want +got):\n%s", diff)
	}
	msgs := []kafka.Message{
		event("chii_members", "u", `{"uid":1}`, `{"uid":1}`, `{"uid":1}`),
		{Topic: "t", Value: []byte("{not json")},
		event("chii_subjects", "u", `{"subject_id":8}`, "", ""),
		event("chii_index", "c", `{"idx_id":1}`, "", `{"idx_id":1}`),
		event("chii_members", "u", `{"uid":2}`, `{"uid":2}`, `{"uid":2}`),
	}
	// The invalid message is poison: the others are done, and it alone is named.
	err := d.HandleBatch(t.Context(), msgs)
	if p, ok := errors.AsType[*consume.Poison](err); !ok || len(p.Errs) != 1 || !consume.Permanent(p.Errs[1]) {
		t.Fatalf("HandleBatch() = %v, want a *consume.Poison naming message 1 alone", err)
	}
	if diff := cmp.Diff([]string{`{"uid":1}`, `{"uid":2}`}, members); diff != "" {
		t.Errorf("member events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]syncCall{{search.KindSubject, []uint32{8}}}, s.calls); diff != "" {
		t.Errorf("Sync calls (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "not a Debezium JSON envelope") {
		t.Errorf("the poison error does not say why: %v", err)
	}

	members, s.calls = nil, nil
	err = d.HandleBatch(t.Context(), append(msgs, event("chii_members", "u", `{"uid":3}`, "{}", "{}")))
	if err == nil || !strings.Contains(err.Error(), "redis down") {
		t.Errorf("HandleBatch() with a failing member event = %v, want its error", err)
	}

	s.calls = nil
	if err := d.Handle(t.Context(), event("chii_characters", "u", `{"crt_id":4}`, "", "")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]syncCall{{search.KindCharacter, []uint32{4}}}, s.calls); diff != "" {
		t.Errorf("Handle(): Sync calls (-want +got):\n%s", diff)
	}
}

// ServeSearch follows the topics as its own group with the search handler alone.
func TestServeSearch(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_subjects"
	brokers := testenv.Kafka(t, topic)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		event("chii_subjects", "u", `{"subject_id":8}`, "{}", "{}"),
		event("chii_members", "u", `{"uid":1}`, "{}", "{}"),
		event("chii_persons", "d", `{"prsn_id":2}`, "{}", ""),
	); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_SHUTDOWN_GRACE": "5s"}[k]
	}, config.Server)
	if err != nil {
		t.Fatal(err)
	}
	s := &recordingSyncer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- canal.ServeSearch(ctx, cfg, []string{topic}, "chii-search-host1", s, slog.New(slog.DiscardHandler))
	}()
	deadline := time.Now().Add(30 * time.Second)
	for testenv.CommittedOffset(t, brokers, "chii-search-host1", topic) != 3 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("committed offset of the group = %d after 30s, want 3", testenv.CommittedOffset(t, brokers, "chii-search-host1", topic))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeSearch() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeSearch() did not return within 10s of the cancel")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	got := slices.Clone(s.calls) // the three messages may come in one batch or more
	slices.SortFunc(got, func(a, b syncCall) int { return int(a.Kind) - int(b.Kind) })
	if diff := cmp.Diff([]syncCall{{search.KindSubject, []uint32{8}}, {search.KindPerson, []uint32{2}}}, got); diff != "" {
		t.Errorf("Sync calls (-want +got):\n%s", diff)
	}
}
