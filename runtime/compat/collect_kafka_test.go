package compat_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
func collectAPI(t *testing.T, brokers []string) (baseURL string, db *sql.DB, logs *syncBuffer) {
	t.Helper()
	_, db = testenv.MySQL(t, testenv.WithData(),
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
	return srv.URL, db, logs
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

// kafkaGolden reads a timeline message recorded in adapters/kafkabus/testdata (createdAt 1700000000).
func kafkaGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "adapters", "kafkabus", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// createdAtField is the only part of a timeline message that the golden files cannot fix.
var createdAtField = regexp.MustCompile(`"createdAt":([0-9]+)`)

// Issue 4 / decision D7, end to end: HTTP → MySQL transaction → Kafka. A collect produces exactly
// one "mono" message on the timeline topic, keyed by the user, byte for byte the golden message
// of adapters/kafkabus/testdata (bangumi's shape and field order) once its timestamp is set aside.
func TestCollect_PublishesOneMonoMessage(t *testing.T) {
	brokers := testenv.Kafka(t, kafkabus.TimelineTopic)
	baseURL, db, _ := collectAPI(t, brokers)
	// The golden message is user 20's collect of character 1 (ルルーシュ・ランペルージ).
	for _, q := range []string{
		`INSERT INTO chii_members (uid, username, nickname, avatar, groupid, regdate, lastvisit, lastactivity,
			sign, password_crypt, email, acl, timeoffset)
		 VALUES (20, 'golden_user20', 'golden user 20', '', 10, UNIX_TIMESTAMP('2017-12-03'), 0, 0, '', '',
			'golden20@example.invalid', '', '9999')`,
		`INSERT INTO chii_oauth_access_tokens (type, access_token, client_id, user_id, expires, scope, info)
		 VALUES (0, 'golden_user20_token', 'test_client_id', '20', '2037-12-31 00:00:00', NULL, '')`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}

	for range 2 { // the second collect is a no-op and publishes nothing
		if resp, _ := post(t, baseURL, "/v0/characters/1/collect", "golden_user20_token"); resp.Status != http.StatusNoContent {
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
	if string(m.Key) != "20" {
		t.Errorf("key = %q, want the user id 20", m.Key)
	}
	value := string(m.Value)
	match := createdAtField.FindStringSubmatch(value)
	if match == nil {
		t.Fatalf("value %s has no createdAt", value)
	}
	createdAt, err := strconv.ParseInt(match[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(time.Unix(createdAt, 0)); d < -time.Second || d > time.Minute {
		t.Errorf("createdAt = %d, want about now", createdAt)
	}
	normalised := createdAtField.ReplaceAllLiteralString(value, `"createdAt":1700000000`)
	if want := kafkaGolden(t, "mono_collect.golden.json"); normalised != want {
		t.Errorf("value (createdAt set to the golden's) =\n%s\nwant the golden\n%s", normalised, want)
	}

	// Exactly one: nothing follows the first message.
	short, cancelShort := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancelShort()
	if extra, err := r.ReadMessage(short); err == nil {
		t.Errorf("a second message was published: %s", extra.Value)
	}
}

// With the broker down the collect still commits and answers 204 promptly; the failure is logged
// with the whole message so it can be replayed. Down is both a refused connection and a broker
// that accepts the connection and never answers (the publisher's own bound must end the wait).
func TestCollect_BrokerDownStillAnswers204(t *testing.T) {
	for _, tc := range []struct {
		name   string
		broker func(t *testing.T) string
	}{
		{"Refused", func(t *testing.T) string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			closed := ln.Addr().String()
			_ = ln.Close() // nothing listens there any more
			return closed
		}},
		{"AcceptsAndNeverAnswers", func(t *testing.T) string { return testenv.Frozen(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseURL, _, logs := collectAPI(t, []string{tc.broker(t)})
			// The client gives up well after D7's bound, so a hung publish fails here with a
			// message instead of hanging the test.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			req, err := golden.Request{Method: http.MethodPost, Path: "/v0/persons/1/collect",
				Headers: map[string]string{"Authorization": "Bearer parity_treehole2_token"}}.NewRequest(ctx, baseURL)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			resp, err := golden.Do(golden.NewClient(), req)
			took := time.Since(start)
			if err != nil {
				t.Fatalf("collect with the broker down: no answer after %v: %v", took, err)
			}
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
		})
	}
}
