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
