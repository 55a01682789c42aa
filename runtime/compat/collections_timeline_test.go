package compat_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/adapters/kafkabus"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/worker/timeline"
)

// Issue 13 end to end: HTTP → MySQL transaction → Kafka → worker timeline → chii_timeline. The
// subject and episode collection writes publish bangumi's three ops, byte for byte the golden
// messages of adapters/kafkabus/testdata once the timestamp is set aside (field order, omitted
// fields, number types), and the timeline worker writes them as timeline.md §3 says.
func TestCollectionWrites_TimelineEndToEnd(t *testing.T) {
	brokers := testenv.Kafka(t, kafkabus.TimelineTopic, kafkabus.TimelineTopic+".dlq")
	dsn, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	pub, err := kafkabus.NewTimelinePublisher(kafkabus.WriterOptions{Brokers: brokers, Topic: kafkabus.TimelineTopic}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	srv := httptest.NewServer(composeAPI(db, inmem.NewCache(nil), pub, logger))
	t.Cleanup(srv.Close)
	for _, q := range []string{
		`INSERT INTO chii_members (uid, username, nickname, avatar, groupid, regdate, lastvisit, lastactivity,
			sign, password_crypt, email, acl, timeoffset)
		 VALUES (20, 'golden_user20', 'golden user 20', '', 10, UNIX_TIMESTAMP('2017-12-03'), 0, 0, '', '', '', '', '9999')`,
		`INSERT INTO chii_oauth_access_tokens (type, access_token, client_id, user_id, expires, scope, info)
		 VALUES (0, 'golden_user20_token', 'test_client_id', '20', '2037-12-31 00:00:00', NULL, '')`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/v0/users/-/collections/253", `{"type":2,"rate":8,"comment":"  Great <3 & \"more\" "}`},
		{"PATCH", "/v0/users/-/collections/253", `{"rate":9}`},        // no type: no message
		{"POST", "/v0/users/-/collections/22267", `{"ep_status":12}`}, // a book's progress
		{"PATCH", "/v0/users/-/collections/253/episodes", `{"episode_id":[519,7027],"type":2}`},
		{"PATCH", "/v0/users/-/collections/253/episodes", `{"episode_id":[519],"type":0}`}, // a removal: no message
	} {
		req, err := golden.Request{Method: w.method, Path: w.path, Body: json.RawMessage(w.body),
			Headers: map[string]string{"Authorization": "Bearer golden_user20_token"}}.NewRequest(t.Context(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := golden.Do(golden.NewClient(), req)
		if err != nil || resp.Status != http.StatusNoContent {
			t.Fatalf("%s %s: %d %s %v", w.method, w.path, resp.Status, resp.Body, err)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: kafkabus.TimelineTopic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	for _, name := range []string{"subject_collect.golden.json", "progress_subject.golden.json", "progress_episode.golden.json"} {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("no message for %s: %v", name, err)
		}
		if string(m.Key) != "20" {
			t.Errorf("%s: key %q, want the user id", name, m.Key)
		}
		got := createdAtField.ReplaceAllLiteralString(string(m.Value), `"createdAt":1700000000`)
		if want := kafkaGolden(t, name); got != want {
			t.Errorf("message (createdAt set to the golden's) =\n%s\nwant %s\n%s", got, name, want)
		}
	}
	short, cancelShort := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancelShort()
	if extra, err := r.ReadMessage(short); err == nil {
		t.Errorf("a fourth message was published: %s", extra.Value)
	}

	// The timeline worker writes them.
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_MYSQL_DSN": dsn, "CHII_SHUTDOWN_GRACE": "5s"}[k]
	}, config.TimelineWorker)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- timeline.Run(runCtx, cfg, logger) }()
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the timeline worker did not stop within 10s")
		}
	}()
	want := []string{"3 6 253 5 0", "4 0 22267 5 0", "4 2 253 5 0"} // cat type related source batch
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := timelineOf(t, db, 20)
		if strings.Join(got, "|") == strings.Join(want, "|") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chii_timeline rows of user 20 = %q, want %q; logs:\n%s", got, want, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var memo string
	if err := db.QueryRowContext(t.Context(), "SELECT tml_memo FROM chii_timeline WHERE tml_uid = 20 AND tml_cat = 3").Scan(&memo); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(memo, `"collect_id":900005`) || !strings.Contains(memo, `Great &lt;3 &amp; &quot;more&quot;`) {
		t.Errorf("subject memo %s: want the collection id and the comment HTML-escaped (timeline.md §3.2)", memo)
	}
}

func timelineOf(t *testing.T, db *sql.DB, uid uint32) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT CONCAT_WS(' ', tml_cat, tml_type, tml_related, tml_source, tml_batch)
		FROM chii_timeline WHERE tml_uid = ? ORDER BY tml_id`, uid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
