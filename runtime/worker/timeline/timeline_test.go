package timeline_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/timeline"
)

func TestHandler(t *testing.T) {
	var got []timeline.Message
	w := func(_ context.Context, m timeline.Message) error {
		got = append(got, m)
		if m.Op == "fail" {
			return errors.New("db down")
		}
		return nil
	}
	var buf bytes.Buffer
	h := timeline.Handler(slog.New(slog.NewJSONHandler(&buf, nil)), w)

	for _, v := range []string{"", "{bad", `{"message":{}}`} {
		if err := h(t.Context(), kafka.Message{Value: []byte(v)}); err != nil {
			t.Errorf("value %q: %v, want skipped", v, err)
		}
	}
	if len(got) != 0 {
		t.Fatalf("writer called for skipped messages: %+v", got)
	}
	if n := strings.Count(buf.String(), "skipping message"); n != 2 {
		t.Errorf("%d skip warnings, want 2:\n%s", n, buf.String())
	}
	err := h(t.Context(), kafka.Message{Key: []byte("382951"), Value: []byte(`{"op":"mono","message":{"uid":382951,"cat":1,"type":1,"id":1}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Op != "mono" || string(got[0].Key) != "382951" || !strings.Contains(string(got[0].Message), `"cat":1`) {
		t.Errorf("writer got %+v", got)
	}
	if err := h(t.Context(), kafka.Message{Value: []byte(`{"op":"fail","message":{}}`)}); err == nil {
		t.Error("writer error not returned (the message would be committed)")
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRun_DefaultWriterAcknowledges runs the worker with its default
// composition against an in-process broker: the message is logged and the
// consumer keeps going (it is not blocked by a missing writer).
func TestRun_DefaultWriterAcknowledges(t *testing.T) {
	brokers := testenv.Kafka(t, "timeline")
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_SHUTDOWN_GRACE": "5s"}[k]
	}, config.TimelineWorker)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: "timeline", BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(),
		kafka.Message{Key: []byte("1"), Value: []byte(`{"op":"mono","message":{"uid":1}}`)},
		kafka.Message{Key: []byte("1"), Value: []byte(`{"op":"daily","message":{"uid":1}}`)},
	); err != nil {
		t.Fatal(err)
	}
	var buf syncBuf
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- timeline.Run(ctx, cfg, slog.New(slog.NewJSONHandler(&buf, nil))) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), `"op":"daily"`) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("second message never handled:\n%s", buf.String())
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
	if !strings.Contains(buf.String(), "no writer configured yet") {
		t.Errorf("log lacks the placeholder writer's line:\n%s", buf.String())
	}
}
