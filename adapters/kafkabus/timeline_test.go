package kafkabus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/timeline"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// monoStore is the smallest store the collect use case runs on (adapters may not import
// each other, so not inmem): targets exist, collects are remembered.
type monoStore struct {
	mu    sync.Mutex
	crt   map[uint32]character.Character
	prsn  map[uint32]person.Person
	rows  map[collect.MonoCollect]bool // ID and CreatedAt zero
	added int
}

func (s *monoStore) Get(_ context.Context, id uint32) (character.Character, error) {
	if c, ok := s.crt[id]; ok {
		return c, nil
	}
	return character.Character{}, domain.NotFound()
}

func (s *monoStore) GetByIDs(context.Context, []uint32) (map[uint32]character.Character, error) {
	panic("not used")
}

func (s *monoStore) MaxID(context.Context) (uint32, error) { panic("not used") }

func (s *monoStore) IDsAfter(context.Context, uint32, int) ([]uint32, error) { panic("not used") }

type monoPersons struct{ s *monoStore }

func (p monoPersons) Get(_ context.Context, id uint32) (person.Person, error) {
	if v, ok := p.s.prsn[id]; ok {
		return v, nil
	}
	return person.Person{}, domain.NotFound()
}

func (monoPersons) GetByIDs(context.Context, []uint32) (map[uint32]person.Person, error) {
	panic("not used")
}

func (monoPersons) MaxID(context.Context) (uint32, error) { panic("not used") }

func (monoPersons) IDsAfter(context.Context, uint32, int) ([]uint32, error) { panic("not used") }

func (s *monoStore) Do(ctx context.Context, fn func(context.Context, ports.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(ctx, monoTx{s: s})
}

// monoTx is a transaction that writes mono collects only: the embedded (nil) ports.Tx gives
// it the other repositories of the port, which panic when called (the collect use case never
// does), so the fake keeps compiling as the port grows.
type monoTx struct {
	ports.Tx
	s *monoStore
}

func (t monoTx) MonoCollects() ports.MonoCollectWriter { return monoWriter{t.s} }

type monoWriter struct{ s *monoStore }

func (monoWriter) Count(context.Context, uint32, mono.Category) (int64, error) { panic("not used") }
func (monoWriter) List(context.Context, uint32, mono.Category, int, int) ([]collect.MonoCollect, error) {
	panic("not used")
}
func (w monoWriter) LockTarget(context.Context, mono.Category, uint32) error { return nil }
func (w monoWriter) Find(_ context.Context, uid uint32, cat mono.Category, id uint32) (collect.MonoCollect, error) {
	k := collect.MonoCollect{Category: cat, TargetID: id, UserID: uid}
	if w.s.rows[k] {
		return k, nil
	}
	return collect.MonoCollect{}, domain.Errorf(domain.ErrNotFound, "collect not found")
}
func (w monoWriter) Add(_ context.Context, c collect.MonoCollect) error {
	w.s.rows[collect.MonoCollect{Category: c.Category, TargetID: c.TargetID, UserID: c.UserID}] = true
	w.s.added++
	return nil
}
func (monoWriter) Remove(context.Context, uint32, mono.Category, uint32) (int64, error) {
	panic("not used")
}
func (monoWriter) AddToCounter(context.Context, mono.Category, uint32, int) error { return nil }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Unix(1700000000, 500_000_000) }

// logSink collects JSON log records.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func newLogger() (*slog.Logger, *logSink) {
	sink := &logSink{}
	return slog.New(slog.NewJSONHandler(sink, nil)), sink
}

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// topicMessages reads every message of partition 0 of topic.
func topicMessages(t *testing.T, broker, topic string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := kafka.DialLeader(ctx, "tcp", broker, topic, 0)
	if err != nil {
		t.Fatalf("dial leader: %v", err)
	}
	defer conn.Close()
	first, last, err := conn.ReadOffsets()
	if err != nil {
		t.Fatalf("read offsets: %v", err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: topic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		t.Fatal(err)
	}
	var out []kafka.Message
	for off := first; off < last; off++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read message %d of [%d, %d): %v", off, first, last, err)
		}
		out = append(out, m)
	}
	return out
}

func TestTimelinePublisher_Publish(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cat    mono.Category
		id     uint32
		golden string
	}{
		{"Character", mono.Character, 1, "mono_collect.golden.json"},
		{"Person", mono.Person, 7, "mono_collect_person.golden.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			brokers := testenv.Kafka(t, kafkabus.TimelineTopic)
			log, sink := newLogger()
			pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: brokers}, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = pub.Close() })

			s := &monoStore{
				crt:  map[uint32]character.Character{1: {ID: 1, Name: "ルルーシュ・ランペルージ"}},
				prsn: map[uint32]person.Person{7: {ID: 7, Name: "福山潤"}},
				rows: map[collect.MonoCollect]bool{},
			}
			uc := usecase.Collect{Characters: s, Persons: monoPersons{s}, UoW: s, Timeline: pub, Clock: fixedClock{}}
			viewer := auth.Auth{UserID: 20, Legacy: true}
			for range 2 { // the second collect changes nothing and publishes nothing
				start := time.Now()
				if err := uc.Add(t.Context(), viewer, tc.cat, tc.id); err != nil {
					t.Fatalf("Add() = %v", err)
				}
				if d := time.Since(start); d > 500*time.Millisecond {
					t.Errorf("Add() took %s with a healthy broker, want no batching delay", d)
				}
			}
			if s.added != 1 {
				t.Fatalf("%d rows added, want 1", s.added)
			}

			var got []string
			for _, m := range topicMessages(t, brokers[0], kafkabus.TimelineTopic) {
				got = append(got, string(m.Key)+" "+string(m.Value))
			}
			if diff := cmp.Diff([]string{"20 " + golden(t, tc.golden)}, got); diff != "" {
				t.Errorf("topic %s mismatch (-want +got):\n%s", kafkabus.TimelineTopic, diff)
			}
			if n := pub.Failures(); n != 0 {
				t.Errorf("Failures() = %d, want 0", n)
			}
			if recs := sink.records(t); len(recs) != 0 {
				t.Errorf("logged %v, want nothing", recs)
			}
		})
	}
}

// TestTimelinePublisher_BrokerDown: whatever way the broker is unreachable, Publish returns
// within 1 s, logs the whole message at error level and counts it.
func TestTimelinePublisher_BrokerDown(t *testing.T) {
	msg, err := timeline.Mono{UID: 20, Cat: 1, Type: 1, ID: 1, Name: "ルルーシュ・ランペルージ", CreatedAt: 1700000000, Source: 5}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(msg.Value), golden(t, "mono_collect.golden.json"); got != want {
		t.Fatalf("encoded message %s, want the golden %s", got, want)
	}

	for _, tc := range []struct {
		name string
		// broker returns the broker address and, for a broker that was up, a function that
		// stops it after a first successful publish.
		broker func(t *testing.T) (addr string, stop func())
	}{
		{"Stopped", func(t *testing.T) (string, func()) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, kafkabus.TimelineTopic))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			return c.ListenAddrs()[0], c.Close
		}},
		{"ProduceNeverAnswered", func(t *testing.T) (string, func()) {
			// Metadata is answered; produce requests wait until the test ends.
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, kafkabus.TimelineTopic))
			if err != nil {
				t.Fatal(err)
			}
			release := make(chan struct{})
			t.Cleanup(c.Close)
			t.Cleanup(func() { close(release) }) // runs first
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				c.SleepControl(func() { <-release })
				return nil, nil, false
			})
			return c.ListenAddrs()[0], nil
		}},
		{"NothingListening", func(t *testing.T) (string, func()) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			_ = l.Close()
			return addr, nil
		}},
		{"NeverAnswers", func(t *testing.T) (string, func()) {
			// Accepts connections and reads requests but never answers.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var conns sync.WaitGroup
			t.Cleanup(func() { _ = l.Close(); conns.Wait() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					conns.Go(func() {
						defer c.Close()
						_, _ = io.Copy(io.Discard, c)
					})
				}
			}()
			return l.Addr().String(), nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, stop := tc.broker(t)
			log, sink := newLogger()
			pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: []string{addr}}, log)
			if err != nil {
				t.Fatal(err)
			}
			if stop != nil {
				if err := pub.Publish(t.Context(), msg); err != nil {
					t.Fatalf("Publish() while the broker is up = %v", err)
				}
				stop()
			}

			start := time.Now()
			err = pub.Publish(t.Context(), msg)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Publish() = nil with the broker down, want an error")
			}
			if elapsed > time.Second {
				t.Errorf("Publish() took %s, want at most 1s", elapsed)
			}
			t.Logf("Publish() = %v after %s", err, elapsed)
			if n := pub.Failures(); n != 1 {
				t.Errorf("Failures() = %d, want 1", n)
			}
			recs := sink.records(t)
			if len(recs) != 1 {
				t.Fatalf("logged %d records, want 1: %v", len(recs), recs)
			}
			rec := recs[0]
			got := map[string]any{"level": rec["level"], "topic": rec["topic"], "key": rec["key"], "value": rec["value"], "attempts": rec["attempts"]}
			want := map[string]any{"level": "ERROR", "topic": "timeline", "key": "20", "value": string(msg.Value), "attempts": float64(2)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("failure log mismatch (-want +got):\n%s", diff)
			}
			if e, _ := rec["error"].(string); e == "" {
				t.Error("failure log has no error")
			}

			closed := make(chan error, 1)
			go func() { closed <- pub.Close() }()
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("Close() = %v, want nil: nothing is left to flush after a failed publish", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Close() still blocked after 5s")
			}
		})
	}
}

// TestTimelinePublisher_Recovers: a publisher made while the broker was down delivers again
// soon after the broker comes up.
func TestTimelinePublisher_Recovers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: []string{l.Addr().String()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	msg := timeline.Message{Key: []byte("20"), Value: []byte(golden(t, "mono_collect.golden.json"))}
	if err := pub.Publish(t.Context(), msg); err == nil {
		t.Fatal("Publish() = nil before the broker started")
	}

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(1, kafkabus.TimelineTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	up := time.Now()
	for {
		err := pub.Publish(t.Context(), msg)
		if err == nil {
			t.Logf("delivered %s after the broker came up", time.Since(up))
			break
		}
		if time.Since(up) > 5*time.Second {
			t.Fatalf("Publish() still fails 5s after the broker came up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	msgs := topicMessages(t, c.ListenAddrs()[0], kafkabus.TimelineTopic)
	if len(msgs) == 0 || string(msgs[len(msgs)-1].Value) != string(msg.Value) {
		t.Errorf("topic holds %d messages, want the published one last", len(msgs))
	}
}
