package canal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/consume"
)

// TestRun_DeadLetterTopicMissingHoldsTheBatch: while <topic>.dlq cannot be written (missing,
// and the broker creates no topics), the batch holding the invalid message is not committed;
// once the topic exists the worker goes on by itself and commits everything.
func TestRun_DeadLetterTopicMissingHoldsTheBatch(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_members"
	brokers := testenv.Kafka(t, topic)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_KAFKA_TOPICS": topic, "CHII_SHUTDOWN_GRACE": "5s",
		}[k]
	}, config.CanalWorker)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		kafka.Message{Value: []byte(`{"source":{"table":"chii_index"},"op":"c","after":{}}`)},
		kafka.Message{Key: []byte(`{"uid":1}`), Value: []byte("garbage")},
		kafka.Message{Value: []byte(`{"source":{"table":"chii_index"},"op":"c","after":{}}`)},
	); err != nil {
		t.Fatal(err)
	}

	var logs syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- canal.Run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(logs.String(), "dead-letter write failed") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no failed dead-letter writes logged within 30s:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := testenv.CommittedOffset(t, brokers, "go-canal", topic); got > 0 {
		t.Errorf("committed offset %d while the dead-letter topic is missing, want nothing committed", got)
	}

	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if _, err := c.CreateTopics(t.Context(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: topic + kafkabus.DeadLetterSuffix, NumPartitions: 1, ReplicationFactor: 1},
	}}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(60 * time.Second)
	for testenv.CommittedOffset(t, brokers, "go-canal", topic) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("committed offset = %d, want 3 once the topic exists\n%s", testenv.CommittedOffset(t, brokers, "go-canal", topic), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run() did not return after cancel")
	}
	dl := testenv.ReadTopic(t, brokers, topic+kafkabus.DeadLetterSuffix, 1)[0]
	if string(dl.Value) != "garbage" || testenv.Header(dl, kafkabus.HeaderDLQOffset) != "1" {
		t.Errorf("dead letter = %q at offset header %s, want garbage from offset 1", dl.Value, testenv.Header(dl, kafkabus.HeaderDLQOffset))
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// crashReader is the reader of a process killed at a batch: just before the commit of the
// batch holding offset before (the effects are done, the offsets not committed), or just
// after the commit of the batch holding offset after (before the next batch).
type crashReader struct {
	consume.Reader
	before, after int64
	kill          context.CancelFunc
}

func holds(msgs []kafka.Message, offset int64) bool {
	for _, m := range msgs {
		if m.Offset == offset {
			return true
		}
	}
	return false
}

func (r *crashReader) CommitMessages(ctx context.Context, msgs ...kafka.Message) error {
	if holds(msgs, r.before) {
		r.kill()
		return errors.New("killed before the commit")
	}
	err := r.Reader.CommitMessages(ctx, msgs...)
	if holds(msgs, r.after) {
		r.kill()
	}
	return err
}

// TestRunBatch_KillAndRestart runs the canal dispatcher in batches of two (consume.RunBatch,
// as the worker runs it) with a member handler whose effect is a row per user (the user's
// new_notify, written by key: doing it again leaves the same row), kills it before a batch's
// commit and after another's, and restarts it each time: every event's effect is there as if
// handled once, the events of the batches killed before their commit were handled twice,
// the others once, and the invalid event went to the dead-letter topic once.
func TestRunBatch_KillAndRestart(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_members"
	brokers := testenv.Kafka(t, topic, topic+kafkabus.DeadLetterSuffix)
	const group = "chii-canal-crash"
	var msgs []kafka.Message
	want := map[int]int{}
	for i := range 10 {
		uid, notify := 1+i%4, i
		want[uid] = notify
		msgs = append(msgs, kafka.Message{Key: fmt.Appendf(nil, `{"uid":%d}`, uid), Value: fmt.Appendf(nil,
			`{"before":{"uid":%d,"new_notify":0},"after":{"uid":%d,"new_notify":%d},"source":{"table":"chii_members"},"op":"u"}`, uid, uid, notify)})
	}
	msgs[6] = kafka.Message{Key: []byte(`{"uid":3}`), Value: []byte(`{"source":{"table":"chii_members"},"op":"?"}`)} // dead-lettered
	want[3] = 2                                                                                                      // the last valid event of user 3
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	rows := map[int]int{} // uid → new_notify: the effect
	handled := map[int64]int{}
	// A batch handler, as the worker's composition registers every handler (Compose).
	disp := canal.NewDispatcher(slog.New(slog.DiscardHandler), nil).WithBatch(func(_ context.Context, events []canal.Event) error {
		for _, e := range events {
			var after struct {
				UID       int `json:"uid"`
				NewNotify int `json:"new_notify"`
			}
			if err := json.Unmarshal(e.After, &after); err != nil {
				return err
			}
			mu.Lock()
			handled[e.Msg.Offset]++
			rows[after.UID] = after.NewNotify
			mu.Unlock()
		}
		return nil
	}, "chii_members")

	// Batches of two: {0,1} {2,3} {4,5} {6,7} {8,9}.
	runs := []struct{ before, after int64 }{{1, -1}, {-1, 3}, {5, -1}, {7, -1}, {-1, -1}}
	for i, run := range runs {
		reader, err := kafkabus.NewReader(kafkabus.ReaderOptions{Brokers: brokers, Topics: []string{topic}, GroupID: group,
			MaxWait: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		dlq, err := kafkabus.NewDeadLetterWriter(kafkabus.WriterOptions{Brokers: brokers})
		if err != nil {
			t.Fatal(err)
		}
		ctx, kill := context.WithTimeout(t.Context(), 60*time.Second)
		cr := &crashReader{Reader: reader, before: run.before, after: run.after, kill: kill}
		done := make(chan error, 1)
		go func() {
			done <- consume.RunBatch(ctx, consume.BatchOptions{Reader: cr, Handler: disp.HandleBatch, Logger: slog.New(slog.DiscardHandler),
				DeadLetters: dlq, MaxMessages: 2, Linger: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
		}()
		if run.before < 0 && run.after < 0 {
			deadline := time.Now().Add(30 * time.Second)
			for testenv.CommittedOffset(t, brokers, group, topic) != int64(len(msgs)) {
				if time.Now().After(deadline) {
					t.Fatalf("run %d: committed offset %d, want %d", i, testenv.CommittedOffset(t, brokers, group, topic), len(msgs))
				}
				time.Sleep(20 * time.Millisecond)
			}
			kill()
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: RunBatch() = %v", i, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("run %d: the worker was not killed within 60s", i)
		}
		kill()
		_ = dlq.Close()
		if err := reader.Close(); err != nil {
			t.Fatal(err)
		}
	}

	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	// {0,1} and {4,5} killed before their commit; 6 is not a valid event, {6,7} killed too.
	wantHandled := map[int64]int{0: 2, 1: 2, 2: 1, 3: 1, 4: 2, 5: 2, 7: 2, 8: 1, 9: 1}
	if diff := cmp.Diff(wantHandled, handled); diff != "" {
		t.Errorf("times each offset was handled (-want +got):\n%s", diff)
	}
	// The invalid event was dead-lettered in the killed run and again after the restart: a
	// dead letter, like an effect, may be repeated by a redelivery, never lost.
	letters := testenv.ReadTopic(t, brokers, topic+kafkabus.DeadLetterSuffix, 2)
	for _, dl := range letters {
		if testenv.Header(dl, kafkabus.HeaderDLQOffset) != "6" {
			t.Errorf("dead letter of offset %s, want 6", testenv.Header(dl, kafkabus.HeaderDLQOffset))
		}
	}
}
