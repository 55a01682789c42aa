package timeline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
	tl "github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/faults"
	"github.com/bangumi/chii/runtime/worker/consume"
	"github.com/bangumi/chii/runtime/worker/timeline"
)

// assertDeadLetters checks that timeline.dlq holds the messages of msgs at offsets, in order,
// with their original key and value and the dlq.* headers (the error containing errs[i]).
func assertDeadLetters(t *testing.T, brokers []string, msgs []kafka.Message, offsets []int64, errs []string) {
	t.Helper()
	got := testenv.ReadTopic(t, brokers, "timeline"+kafkabus.DeadLetterSuffix, len(offsets))
	for i, off := range offsets {
		m, want := got[i], msgs[off]
		if string(m.Key) != string(want.Key) || string(m.Value) != string(want.Value) {
			t.Errorf("dead letter %d = key %q value %q, want message %d: key %q value %q", i, m.Key, m.Value, off, want.Key, want.Value)
		}
		if h := testenv.Header(m, kafkabus.HeaderDLQTopic); h != "timeline" {
			t.Errorf("dead letter %d: %s = %q, want timeline", i, kafkabus.HeaderDLQTopic, h)
		}
		if h := testenv.Header(m, kafkabus.HeaderDLQPartition); h != "0" {
			t.Errorf("dead letter %d: %s = %q, want 0", i, kafkabus.HeaderDLQPartition, h)
		}
		if h := testenv.Header(m, kafkabus.HeaderDLQOffset); h != strconv.FormatInt(off, 10) {
			t.Errorf("dead letter %d: %s = %q, want %d", i, kafkabus.HeaderDLQOffset, h, off)
		}
		if h := testenv.Header(m, kafkabus.HeaderDLQError); !strings.Contains(h, errs[i]) {
			t.Errorf("dead letter %d: %s = %q, want it to contain %q", i, kafkabus.HeaderDLQError, h, errs[i])
		}
	}
}

func waitLog(t *testing.T, logs *syncBuf, substr string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(logs.String(), substr) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d log lines with %q within 30s:\n%s", n, substr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRun_DeadLetterTopicMissingHoldsThePartition: while timeline.dlq cannot be written (it
// does not exist and the broker does not create topics), the poison message at offset 2 is
// not committed and nothing after it is written; once the topic exists, the worker goes on
// by itself.
func TestRun_DeadLetterTopicMissingHoldsThePartition(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline")
	dsn, db := testenv.MySQL(t)
	msgs := e2eMessages(t)
	produce(t, brokers, msgs...)

	var logs syncBuf
	stop := startRun(t, loadConfig(t, brokers, dsn), &logs)
	defer stop()
	waitLog(t, &logs, "dead-letter write failed", 2)
	if got := testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"); got != 2 {
		t.Errorf("committed offset = %d while the dead-letter topic is missing, want 2 (the poison message held)", got)
	}
	if diff := cmp.Diff(e2eRows[:1], timelineRows(t, db)); diff != "" {
		t.Errorf("rows while held (-want +got):\n%s", diff)
	}

	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := c.CreateTopics(t.Context(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: "timeline.dlq", NumPartitions: 1, ReplicationFactor: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for topic, err := range resp.Errors {
		if err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}
	waitCommitted(t, brokers, int64(len(msgs)), &logs)
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if diff := cmp.Diff(e2eRows, timelineRows(t, db)); diff != "" {
		t.Errorf("chii_timeline mismatch (-want +got):\n%s", diff)
	}
	assertDeadLetters(t, brokers, msgs, []int64{2, 4}, []string{"episode status is none", "not a JSON"})
}

// crashReader is a consumer-group reader of a process that is killed at a given message: just
// before its offset commit (the row is written, the offset is not) or just after it (before
// the next message). Killing is cancelling the consume loop's context: nothing more is done.
type crashReader struct {
	consume.Reader
	before, after int64 // offsets; -1: none
	kill          context.CancelFunc
}

func (r *crashReader) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	for _, m := range msgs {
		if m.Offset == r.before {
			r.kill()
			return errors.New("killed before the commit")
		}
	}
	err := r.Reader.CommitMessages(ctx, msgs...)
	for _, m := range msgs {
		if m.Offset == r.after {
			r.kill()
		}
	}
	return err
}

// crashMessages cover every kind of write a redelivery could repeat: a single row that a
// second merge would turn into a batch of one (mono, subject), a row of an op that never
// merges (tsukkomi, wiki), a merge into a batch (mono), a progress row replaced in place.
func crashMessages(t *testing.T) []kafka.Message {
	return []kafka.Message{
		encode(t, &tl.Mono{UID: 1, Cat: tl.MonoCatCharacter, Type: tl.MonoTypeCollect, ID: 1, Name: "ルルーシュ", CreatedAt: t0, Source: tl.SourceAPI}),
		encode(t, &tl.StatusTsukkomi{UID: 1, Text: "绝了", CreatedAt: t0 + 5, Source: tl.SourceNext}),
		encode(t, &tl.Mono{UID: 1, Cat: tl.MonoCatPerson, Type: tl.MonoTypeCollect, ID: 2, Name: "福山潤", CreatedAt: t0 + 60, Source: tl.SourceAPI}),
		encode(t, &tl.ProgressEpisode{UID: 1, Subject: tl.SubjectRef{ID: 8, Type: 2}, Episode: tl.Episode{ID: 1001, Status: 2}, CreatedAt: t0 + 70, Source: tl.SourceAPI}),
		encode(t, &tl.Subject{UID: 1, Subject: tl.SubjectRef{ID: 8, Type: 2}, Collect: tl.Collect{ID: 1234, Type: 2, Rate: 8}, CreatedAt: t0 + 80, Source: tl.SourceAPI}),
		encode(t, &tl.Wiki{UID: 1, Subject: tl.SubjectRef{ID: 9, Type: 4}, CreatedAt: t0 + 90, Source: tl.SourceNext}),
		encode(t, &tl.Mono{UID: 1, Cat: tl.MonoCatCharacter, Type: tl.MonoTypeCollect, ID: 3, Name: "C.C.", CreatedAt: t0 + 100, Source: tl.SourceAPI}),
	}
}

// onceRows are the rows of msgs delivered once each, written by the same use case on the
// in-memory store.
func onceRows(t *testing.T, msgs []kafka.Message) []tl.Row {
	t.Helper()
	s := inmem.NewStore()
	w := usecase.TimelineWriter{UoW: s.UnitOfWork()}
	for _, m := range msgs {
		if err := w.Write(t.Context(), tl.Message{Key: m.Key, Value: m.Value}); err != nil {
			t.Fatal(err)
		}
	}
	return s.TimelineRows()
}

// TestRun_KillAndRestart kills the worker (the consume loop of the timeline handler on MySQL,
// as Run composes it) between a row's commit and its offset's commit, and between an
// offset's commit and the next message, and restarts it each time: every message is handled
// (those killed before their commit twice), and the rows are exactly those one delivery of
// each message leaves.
func TestRun_KillAndRestart(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline", "timeline.dlq")
	_, db := testenv.MySQL(t)
	msgs := crashMessages(t)
	produce(t, brokers, msgs...)
	const group = "chii-timeline-crash"

	var mu sync.Mutex
	handled := map[int64]int{}
	write := usecase.TimelineWriter{UoW: mysqldb.NewUnitOfWork(db)}.Write
	h := timeline.NewHandler(timeline.HandlerOptions{Logger: slog.New(slog.DiscardHandler), Write: write})
	handler := func(ctx context.Context, m kafka.Message) error {
		mu.Lock()
		handled[m.Offset]++
		mu.Unlock()
		return h(ctx, m)
	}

	// Each run: kill before the commit of before, or after the commit of after (-1: run until
	// everything is committed).
	runs := []struct{ before, after int64 }{{0, -1}, {1, -1}, {-1, 2}, {3, -1}, {4, -1}, {-1, 5}, {-1, -1}}
	for i, run := range runs {
		reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: brokers, Topics: []string{"timeline"}, GroupID: group,
			MaxWait: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, kill := context.WithTimeout(t.Context(), 60*time.Second)
		cr := &crashReader{Reader: reader, before: run.before, after: run.after, kill: kill}
		done := make(chan error, 1)
		go func() {
			done <- consume.Run(ctx, consume.Options{Reader: cr, Handler: handler, Logger: slog.New(slog.DiscardHandler),
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
		}()
		if run.before < 0 && run.after < 0 {
			deadline := time.Now().Add(30 * time.Second)
			for testenv.CommittedOffset(t, brokers, group, "timeline") != int64(len(msgs)) {
				if time.Now().After(deadline) {
					t.Fatalf("run %d: committed offset %d, want %d", i, testenv.CommittedOffset(t, brokers, group, "timeline"), len(msgs))
				}
				time.Sleep(20 * time.Millisecond)
			}
			kill()
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: Run() = %v", i, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("run %d: the worker was not killed within 60s", i)
		}
		kill()
		if err := reader.Close(); err != nil { // leave the group: the next run is assigned the partition
			t.Fatal(err)
		}
	}

	want := map[int64]int{0: 2, 1: 2, 2: 1, 3: 2, 4: 2, 5: 1, 6: 1}
	if diff := cmp.Diff(want, handled); diff != "" {
		t.Errorf("times each offset was handled (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(onceRows(t, msgs), timelineRows(t, db)); diff != "" {
		t.Errorf("chii_timeline after redeliveries, compared with one delivery each (-want +got):\n%s", diff)
	}
}

// TestRun_MySQLOutage: MySQL refuses every connection (down), or accepts them and answers
// nothing (hung), for 5 s while messages arrive. The worker commits nothing meanwhile, goes on
// by itself once MySQL is back and drains the topic: every row is there, once.
func TestRun_MySQLOutage(t *testing.T) {
	t.Run("Refused", func(t *testing.T) { testMySQLOutage(t, faults.Refuse, "retrying the message") })
	t.Run("Frozen", func(t *testing.T) { testMySQLOutage(t, faults.Freeze, "") })
}

func testMySQLOutage(t *testing.T, mode faults.Mode, logged string) {
	brokers := testenv.Kafka(t, "timeline", "timeline.dlq")
	dsn, db := testenv.MySQL(t)
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faults.NewProxy(mc.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	mc.Addr = proxy.Addr()
	mc.Timeout = time.Second

	var msgs []kafka.Message
	for i := range 40 {
		msgs = append(msgs, encode(t, &tl.Mono{UID: uint32(1 + i%4), Cat: tl.MonoCatCharacter, Type: tl.MonoTypeCollect,
			ID: uint32(100 + i), Name: fmt.Sprint("c", i), CreatedAt: t0 + int64(i)*200, Source: tl.SourceAPI}))
	}
	var logs syncBuf
	stop := startRun(t, loadConfig(t, brokers, mc.FormatDSN()), &logs)
	defer stop()
	produce(t, brokers, msgs[:20]...)
	waitCommitted(t, brokers, 20, &logs)

	proxy.Set(mode)
	produce(t, brokers, msgs[20:]...)
	if logged != "" {
		waitLog(t, &logs, logged, 1)
	}
	outage := time.NewTimer(5 * time.Second) // the outage lasts 5 s (not an assertion)
	<-outage.C
	if got := testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"); got != 20 {
		t.Errorf("committed offset = %d during the outage, want 20", got)
	}
	proxy.Set(faults.Pass)

	deadline := time.Now().Add(90 * time.Second)
	for testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline") != int64(len(msgs)) {
		if time.Now().After(deadline) {
			t.Fatalf("lag did not drain within 90s of MySQL's return: committed %d of %d\n%s",
				testenv.CommittedOffset(t, brokers, config.DefaultTimelineGroupID, "timeline"), len(msgs), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Errorf("Run() = %v", err)
	}
	if diff := cmp.Diff(onceRows(t, msgs), timelineRows(t, db)); diff != "" {
		t.Errorf("chii_timeline after the outage (-want +got):\n%s", diff)
	}
}
