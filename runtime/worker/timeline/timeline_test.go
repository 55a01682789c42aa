package timeline_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests/testenv"
	tl "github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/consume"
	"github.com/bangumi/chii/runtime/worker/timeline"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// fakeWriter answers Write with the queued errors, then nil.
type fakeWriter struct {
	mu    sync.Mutex
	errs  []error
	calls []string
	hook  func(call int) // runs on each call, before answering
}

func (f *fakeWriter) write(_ context.Context, m tl.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, string(m.Key)+" "+string(m.Value))
	if f.hook != nil {
		f.hook(len(f.calls))
	}
	if len(f.errs) == 0 {
		return nil
	}
	err := f.errs[0]
	f.errs = f.errs[1:]
	return err
}

func newHandler(w timeline.Writer) (func(context.Context, kafka.Message) error, *syncBuf) {
	var buf syncBuf
	h := timeline.NewHandler(timeline.HandlerOptions{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Write: w})
	return h, &buf
}

// waitTimeout bounds a wait of these tests that only a regression would reach.
const waitTimeout = 10 * time.Second

func TestNewHandler(t *testing.T) {
	const value = `{"op":"mono","message":{"uid":382951,"cat":1,"type":1,"id":1}}`
	msg := kafka.Message{Topic: "timeline", Offset: 7, Key: []byte("382951"), Value: []byte(value)}
	down := errors.New("dial tcp 127.0.0.1:3306: connect: connection refused")

	t.Run("WrittenIsAcknowledged", func(t *testing.T) {
		f := &fakeWriter{}
		h, _ := newHandler(f.write)
		if err := h(t.Context(), msg); err != nil {
			t.Fatalf("handler = %v, want nil", err)
		}
		if diff := cmp.Diff([]string{"382951 " + value}, f.calls); diff != "" {
			t.Errorf("writer calls mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("EmptyValueSkipped", func(t *testing.T) {
		f := &fakeWriter{}
		h, _ := newHandler(f.write)
		if err := h(t.Context(), kafka.Message{Key: []byte("1")}); err != nil || len(f.calls) != 0 {
			t.Errorf("handler = %v with %d writes, want nil and none", err, len(f.calls))
		}
	})

	t.Run("PoisonIsPermanent", func(t *testing.T) {
		// The consume loop dead-letters a message whose handler error is permanent.
		store := inmem.NewStore()
		h, _ := newHandler(usecase.TimelineWriter{UoW: store.UnitOfWork()}.Write)
		for _, v := range []string{`{oops`, `{"op":"blog","message":{"uid":1}}`, `{"op":"daily","message":{"uid":1,"type":6,"mid":2}}`} {
			err := h(t.Context(), kafka.Message{Topic: "timeline", Offset: 3, Key: []byte("1"), Value: []byte(v)})
			if !consume.Permanent(err) {
				t.Errorf("handler(%s) = %v, want a permanent error (dead-lettered)", v, err)
			}
		}
		if n := len(store.TimelineRows()); n != 0 {
			t.Errorf("%d rows written, want 0", n)
		}
	})

	t.Run("TransientErrorIsNotAcknowledged", func(t *testing.T) {
		// The consume loop retries a message whose handler failed (runtime/worker/consume).
		f := &fakeWriter{errs: []error{down}}
		h, _ := newHandler(f.write)
		if err := h(t.Context(), msg); !errors.Is(err, down) {
			t.Fatalf("handler = %v, want the write error (not committed)", err)
		}
		if err := h(t.Context(), msg); err != nil {
			t.Fatalf("handler on the retry = %v, want nil once the write succeeds", err)
		}
	})

	t.Run("WriteIsBounded", func(t *testing.T) {
		// A MySQL that never answers fails the attempt (retried by the loop) instead of
		// holding the worker: the write's context ends after WriteTimeout.
		var buf syncBuf
		h := timeline.NewHandler(timeline.HandlerOptions{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), WriteTimeout: 20 * time.Millisecond,
			Write: func(ctx context.Context, _ tl.Message) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(waitTimeout):
					return errors.New("the write was not bounded")
				}
			}})
		err := h(t.Context(), msg)
		if !errors.Is(err, context.DeadlineExceeded) || consume.Permanent(err) {
			t.Errorf("handler = %v, want a transient deadline error", err)
		}
	})

	t.Run("WorkContextCancelledGivesUp", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		f := &fakeWriter{errs: []error{context.Canceled}, hook: func(int) { cancel() }}
		h, _ := newHandler(f.write)
		if err := h(ctx, msg); err == nil {
			t.Fatal("handler = nil, want an error")
		}
	})
}

func loadConfig(t *testing.T, brokers []string, dsn string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"CHII_KAFKA_BROKERS":  strings.Join(brokers, ","),
			"CHII_MYSQL_DSN":      dsn,
			"CHII_SHUTDOWN_GRACE": "5s",
		}[k]
	}, config.TimelineWorker)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startRun runs the worker until the returned stop is called; stop returns Run's error (and
// the same again when called again).
func startRun(t *testing.T, cfg config.Config, logs *syncBuf) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- timeline.Run(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil))) }()
	return sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Error("Run() did not return within 10s of cancel")
			return nil
		}
	})
}

func produce(t *testing.T, brokers []string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: "timeline", BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func encode(t *testing.T, e tl.Event) kafka.Message {
	t.Helper()
	m, err := tl.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Key: m.Key, Value: m.Value}
}

func timelineRows(t *testing.T, db *sql.DB) []tl.Row {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT tml_id, tml_uid, tml_cat, tml_type, tml_related, tml_memo,
		tml_img, tml_batch, tml_source, tml_replies, tml_dateline FROM chii_timeline ORDER BY tml_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []tl.Row
	for rows.Next() {
		var r tl.Row
		if err := rows.Scan(&r.ID, &r.UID, &r.Cat, &r.Type, &r.Related, &r.Memo, &r.Img, &r.Batch, &r.Source, &r.Replies, &r.Dateline); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const t0 = 1700000000

// e2eMessages: two mono collects within 10 minutes (one batched row), poison messages, a
// tombstone, and a subject collect after them.
func e2eMessages(t *testing.T) []kafka.Message {
	return []kafka.Message{
		encode(t, &tl.Mono{UID: 1, Cat: tl.MonoCatCharacter, Type: tl.MonoTypeCollect, ID: 1, Name: "ルルーシュ", CreatedAt: t0, Source: tl.SourceAPI}),
		encode(t, &tl.Mono{UID: 1, Cat: tl.MonoCatPerson, Type: tl.MonoTypeCollect, ID: 2, Name: "福山潤", CreatedAt: t0 + 60, Source: tl.SourceAPI}),
		{Key: []byte("1"), Value: []byte(`{"op":"progressEpisode","message":{"uid":1,"subject":{"id":8,"type":2},"episode":{"id":1,"status":0},"createdAt":1700000000,"source":5}}`)},
		{Key: []byte("1")},
		{Key: []byte("1"), Value: []byte(`{oops`)},
		encode(t, &tl.Subject{UID: 1, Subject: tl.SubjectRef{ID: 8, Type: 2}, Collect: tl.Collect{ID: 1234, Type: 2, Rate: 8, Comment: "<Great>"},
			CreatedAt: t0 + 70, Source: tl.SourceAPI}),
	}
}

var e2eRows = []tl.Row{
	{ID: 1, UID: 1, Cat: tl.CatMono, Type: 1, Related: "1", Batch: true, Source: 5, Dateline: t0,
		Memo: `{"1":{"cat":1,"id":1,"name":"ルルーシュ"},"2":{"cat":2,"id":2,"name":"福山潤"}}`},
	{ID: 2, UID: 1, Cat: tl.CatSubject, Type: 6, Related: "8", Source: 5, Dateline: t0 + 70,
		Memo: `{"subject_id":8,"collect_id":1234,"collect_comment":"&lt;Great&gt;","collect_rate":8}`},
}

func waitCommitted(t *testing.T, brokers []string, want int64, logs *syncBuf) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline") != want {
		if time.Now().After(deadline) {
			t.Fatalf("committed offset = %d, want %d; logs:\n%s", testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"), want, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRun_WritesAndCommits runs the worker on an in-process broker and MySQL: the rows are
// written (two monos batched into one row), poison messages land in timeline.dlq with their
// key, value and error, and the group's committed offset moves past every message.
func TestRun_WritesAndCommits(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline", "timeline.dlq")
	dsn, db := testenv.MySQL(t)
	msgs := e2eMessages(t)
	produce(t, brokers, msgs...)

	var logs syncBuf
	stop := startRun(t, loadConfig(t, brokers, dsn), &logs)
	waitCommitted(t, brokers, int64(len(msgs)), &logs)
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if diff := cmp.Diff(e2eRows, timelineRows(t, db)); diff != "" {
		t.Errorf("chii_timeline mismatch (-want +got):\n%s", diff)
	}
	assertDeadLetters(t, brokers, msgs, []int64{2, 4}, []string{"episode status is none", "not a JSON"})
}

// TestRun_MySQLDownCommitsNothing: with MySQL unreachable the worker retries, commits
// nothing and stops within the grace period; once MySQL is back, the same messages are
// delivered again and written.
func TestRun_MySQLDownCommitsNothing(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline", "timeline.dlq")
	dsn, db := testenv.MySQL(t)
	msgs := e2eMessages(t)
	produce(t, brokers, msgs...)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()

	var logs syncBuf
	stop := startRun(t, loadConfig(t, brokers, "u:p@tcp("+closed+")/bangumi?timeout=1s"), &logs)
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(logs.String(), "retrying the message") < 3 {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no retries logged:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"); got > 0 {
		t.Errorf("committed offset %d while MySQL is down, want nothing committed", got)
	}
	began := time.Now()
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("stop took %v, longer than the grace period", took)
	}
	if got := testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"); got > 0 {
		t.Errorf("committed offset %d after stopping with MySQL down, want nothing committed", got)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("retry lines do not say why:\n%s", logs.String())
	}

	var again syncBuf
	stop = startRun(t, loadConfig(t, brokers, dsn), &again)
	waitCommitted(t, brokers, int64(len(msgs)), &again)
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if diff := cmp.Diff(e2eRows, timelineRows(t, db)); diff != "" {
		t.Errorf("chii_timeline after MySQL came back mismatch (-want +got):\n%s", diff)
	}
}
