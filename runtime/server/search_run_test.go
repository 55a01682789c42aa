package server

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
)

type searchPage struct {
	Data []struct {
		ID   uint32 `json:"id"`
		NSFW bool   `json:"nsfw"`
	} `json:"data"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func postSearch(t *testing.T, url, token, body string) (int, searchPage, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", golden.UserAgent)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var p searchPage
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("POST %s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode, p, string(b)
}

// waitLog waits (10 s at most) until buf holds a record whose msg is msg and whose attrs
// include every pair of want.
func waitLog(t *testing.T, buf *syncBuf, msg string, want map[string]string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(buf.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != msg {
				continue
			}
			ok := true
			for k, v := range want {
				if s, _ := rec[k].(string); s != v {
					ok = false
				}
			}
			if ok {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q %v line in:\n%s", msg, want, buf.String())
}

// The server on MySQL searches out of the box: its embedded index (on disk) is built from the
// data at start, answers with the detail shapes, clamps the page, keeps NSFW subjects from
// anonymous viewers (D3); restarted on the same directory it does not rebuild, and still finds.
func TestRun_SearchOnMySQLWithEmbeddedIndex(t *testing.T) {
	dsn, _ := testenv.MySQL(t, testenv.WithData())
	dir := t.TempDir()
	env := map[string]string{
		"CHII_HTTP_ADDR": "127.0.0.1:0", "CHII_MYSQL_DSN": dsn, "CHII_SEARCH_DIR": dir,
		"CHII_RATE_LIMIT_COUNT": "1000000",
	}
	t.Run("FirstStartBuilds", func(t *testing.T) {
		logs := runServer(t, env)
		api := "http://" + listenAddr(t, logs)
		for _, kind := range []string{"subjects", "characters", "persons"} {
			waitLog(t, logs, "search: index built", map[string]string{"index": kind})
		}
		checkSearch(t, api)
	})
	// A restart on the same directory finds the index finished: no rebuild, same answers.
	t.Run("RestartKeepsTheIndex", func(t *testing.T) {
		logs := runServer(t, env)
		api := "http://" + listenAddr(t, logs)
		checkSearch(t, api)
		if strings.Contains(logs.String(), "search: index built") {
			t.Errorf("the server rebuilt a finished index at restart:\n%s", logs.String())
		}
	})
	// An index that lost its documents (its directory removed) is rebuilt, though its
	// checkpoint says finished; the others are left alone.
	t.Run("LostIndexIsRebuilt", func(t *testing.T) {
		if err := os.RemoveAll(filepath.Join(dir, "subjects")); err != nil {
			t.Fatal(err)
		}
		logs := runServer(t, env)
		api := "http://" + listenAddr(t, logs)
		waitLog(t, logs, "search: index built", map[string]string{"index": "subjects"})
		checkSearch(t, api)
		if strings.Contains(logs.String(), `"index":"persons"`) {
			t.Errorf("the server rebuilt the persons index, which was finished:\n%s", logs.String())
		}
	})
}

func checkSearch(t *testing.T, api string) {
	t.Helper()

	// Subject 8 of the dev dataset, by its Japanese name and by its Chinese name.
	for _, keyword := range []string{"コードギアス 反逆のルルーシュR2", "Code Geass 反叛的鲁路修R2"} {
		code, page, body := postSearch(t, api+"/v0/search/subjects", "", `{"keyword":`+quote(keyword)+`}`)
		if code != http.StatusOK || len(page.Data) == 0 || page.Data[0].ID != 8 {
			t.Errorf("search %q = %d %s; want subject 8 first", keyword, code, body)
		}
	}
	code, page, body := postSearch(t, api+"/v0/search/subjects?limit=50", "", `{}`)
	if code != http.StatusOK || page.Limit != 20 || len(page.Data) != 20 {
		t.Errorf("limit=50: %d, limit %d, %d items; want 200, 20, 20 (%.200s)", code, page.Limit, len(page.Data), body)
	}
	for _, f := range []string{`{}`, `{"filter":{"nsfw":true}}`, `{"filter":{"nsfw":null}}`} {
		for offset := 0; offset < 120; offset += 20 {
			_, page, _ := postSearch(t, api+"/v0/search/subjects?limit=20&offset="+itoa(offset), "", f)
			for _, d := range page.Data {
				if d.NSFW {
					t.Errorf("body %s, offset %d: NSFW subject %d given to an anonymous viewer", f, offset, d.ID)
				}
			}
		}
	}
	if code, _, body := postSearch(t, api+"/v0/search/subjects", "", `{"sort":"hot"}`); code != http.StatusBadRequest ||
		!strings.Contains(body, "sort not supported") {
		t.Errorf("unknown sort = %d %s, want 400 sort not supported", code, body)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// With Kafka, the server keeps its embedded index current with the Debezium change events as
// its own consumer group: a subject renamed in MySQL is found by its new name within seconds
// of its event, and a subject merged into another leaves the index.
func TestRun_SearchFollowsChangeEvents(t *testing.T) {
	const topic = "debezium.chii.bangumi.chii_subjects"
	dsn, db := testenv.MySQL(t, testenv.WithData())
	brokers := testenv.Kafka(t, topic)
	env := map[string]string{
		"CHII_HTTP_ADDR": "127.0.0.1:0", "CHII_MYSQL_DSN": dsn, "CHII_RATE_LIMIT_COUNT": "1000000",
		"CHII_KAFKA_BROKERS": strings.Join(brokers, ","), "CHII_SEARCH_TOPICS": topic, "CHII_SEARCH_GROUP_ID": "chii-search-test",
	}
	logs := runServer(t, env)
	api := "http://" + listenAddr(t, logs)
	waitLog(t, logs, "search: index built", map[string]string{"index": "subjects"})

	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, BatchTimeout: time.Millisecond}
	t.Cleanup(func() { _ = w.Close() })
	event := func(op string) kafka.Message {
		return kafka.Message{Key: []byte(`{"subject_id":8}`), Value: []byte(`{"before":{"subject_id":8},"after":{"subject_id":8},"source":{"db":"bangumi","table":"chii_subjects"},"op":"` + op + `","ts_ms":1}`)}
	}
	found := func(keyword string) bool {
		code, page, body := postSearch(t, api+"/v0/search/subjects", "", `{"keyword":`+quote(keyword)+`}`)
		if code != http.StatusOK {
			t.Fatalf("search %q = %d %s", keyword, code, body)
		}
		for _, d := range page.Data {
			if d.ID == 8 {
				return true
			}
		}
		return false
	}
	waitFound := func(keyword string, want bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for found(keyword) != want {
			if time.Now().After(deadline) {
				t.Fatalf("search %q: subject 8 found = %v 20 s after its event, want %v", keyword, !want, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	const renamed = "chii 改名测试 renamed"
	if found(renamed) {
		t.Fatalf("subject 8 found by %q before the rename", renamed)
	}
	if _, err := db.ExecContext(t.Context(), "UPDATE chii_subjects SET subject_name = ? WHERE subject_id = 8", renamed); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessages(t.Context(), event("u")); err != nil {
		t.Fatal(err)
	}
	waitFound(renamed, true)

	if _, err := db.ExecContext(t.Context(), "UPDATE chii_subject_fields SET field_redirect = 12 WHERE field_sid = 8"); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessages(t.Context(), event("u")); err != nil {
		t.Fatal(err)
	}
	waitFound(renamed, false)
}
