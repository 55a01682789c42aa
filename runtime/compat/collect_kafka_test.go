package compat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
)

// syncBuffer is a log sink the HTTP server's goroutines may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// collectAPI serves the API on the dev dataset with a Kafka timeline publisher for brokers.
func collectAPI(t *testing.T, brokers []string) (baseURL string, logs *syncBuffer) {
	t.Helper()
	_, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	logs = &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: brokers, Topic: kafkabus.TimelineTopic}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	srv := httptest.NewServer(composeAPI(db, inmem.NewCache(nil), pub, logger))
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

func post(t *testing.T, baseURL, path, token string) (golden.Response, time.Duration) {
	t.Helper()
	req, err := golden.Request{Method: http.MethodPost, Path: path,
		Headers: map[string]string{"Authorization": "Bearer " + token}}.NewRequest(t.Context(), baseURL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, time.Since(start)
}

// Issue 4 / decision D7, end to end: HTTP → MySQL transaction → Kafka. A collect produces exactly
// one "mono" message on the timeline topic, keyed by the user, equal to bangumi's shape.
func TestCollect_PublishesOneMonoMessage(t *testing.T) {
	brokers := testenv.Kafka(t, kafkabus.TimelineTopic)
	baseURL, _ := collectAPI(t, brokers)

	for range 2 { // the second collect is a no-op and publishes nothing
		if resp, _ := post(t, baseURL, "/v0/characters/2/collect", "a_development_access_token"); resp.Status != http.StatusNoContent {
			t.Fatalf("collect: status %d %s, want 204", resp.Status, resp.Body)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: kafkabus.TimelineTopic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatalf("no timeline message: %v", err)
	}
	if string(m.Key) != "382951" {
		t.Errorf("key = %q, want the user id 382951", m.Key)
	}
	var got struct {
		Op      string         `json:"op"`
		Message map[string]any `json:"message"`
	}
	if err := json.Unmarshal(m.Value, &got); err != nil {
		t.Fatalf("value %s: %v", m.Value, err)
	}
	createdAt, _ := got.Message["createdAt"].(float64)
	if d := time.Since(time.Unix(int64(createdAt), 0)); d < 0 || d > time.Minute {
		t.Errorf("createdAt = %v, want about now", got.Message["createdAt"])
	}
	delete(got.Message, "createdAt")
	want := `{"op":"mono","message":{"cat":1,"id":2,"name":"枢木スザク","source":5,"type":1,"uid":382951}}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("value (createdAt aside) = %s\nwant %s", b, want)
	}
	if !bytes.HasPrefix(m.Value, []byte(`{"op":"mono","message":{"uid":382951,"cat":1,"type":1,"id":2,"name":"枢木スザク","createdAt":`)) {
		t.Errorf("value %s does not keep bangumi's field order", m.Value)
	}

	// Exactly one: nothing follows the first message.
	short, cancelShort := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancelShort()
	if extra, err := r.ReadMessage(short); err == nil {
		t.Errorf("a second message was published: %s", extra.Value)
	}
}

// With the broker down the collect still commits and answers 204 promptly; the failure is logged
// with the whole message so it can be replayed.
func TestCollect_BrokerDownStillAnswers204(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close() // nothing listens there any more

	baseURL, logs := collectAPI(t, []string{closed})
	resp, took := post(t, baseURL, "/v0/persons/1/collect", "parity_treehole2_token")
	if resp.Status != http.StatusNoContent {
		t.Fatalf("collect with the broker down: status %d %s, want 204", resp.Status, resp.Body)
	}
	if took > time.Second {
		t.Errorf("collect with the broker down took %v, want at most 1s (D7)", took)
	}
	after := get(t, baseURL, "/v0/users/treehole2/collections/-/persons/1")
	if after.Status != http.StatusOK {
		t.Errorf("the collect was not committed: %d %s", after.Status, after.Body)
	}
	out := logs.String()
	for _, want := range []string{`"level":"ERROR"`, `\"op\":\"mono\"`, `\"uid\":318250`, `\"cat\":2`, `\"id\":1`} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not contain %s:\n%s", want, out)
		}
	}
}
