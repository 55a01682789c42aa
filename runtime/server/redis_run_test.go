package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
)

// TestRun_OnMySQLAndRedis runs the server as operators do, on MySQL and Redis: answers are
// kept in Redis' tier, and a collect through the API shows on the next GET.
func TestRun_OnMySQLAndRedis(t *testing.T) {
	dsn, _ := testenv.MySQL(t, testenv.WithData(), testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	rdb, _ := testenv.Redis(t)
	// The server's own prefix: clear it before and after, so no other run's answers count.
	prefix := "chii:" + Version() + ":rc:"
	clear := func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	}
	clear()
	t.Cleanup(clear)
	o := rdb.Options()
	env := map[string]string{
		"CHII_HTTP_ADDR": "127.0.0.1:0", "CHII_METRICS_ADDR": "127.0.0.1:0",
		"CHII_MYSQL_DSN": dsn, "CHII_REDIS_URL": fmt.Sprintf("redis://%s/%d", o.Addr, o.DB),
		"CHII_RATE_LIMIT_COUNT": "1000000",
	}
	logs := runServer(t, env)
	api := "http://" + listenAddr(t, logs)
	internal := "http://" + logAddr(t, logs, "internal listener")

	collects := func() int {
		t.Helper()
		code, body := get(t, api+"/v0/characters/1")
		var c struct {
			Stat struct{ Collects int } `json:"stat"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &c) != nil {
			t.Fatalf("GET /v0/characters/1 = %d %s", code, body)
		}
		return c.Stat.Collects
	}
	before := collects()
	if n, err := rdb.Exists(t.Context(), prefix+"e:a /v0/characters/1").Result(); err != nil || n != 1 {
		t.Errorf("the answer is not in Redis' tier (%d, %v)", n, err)
	}
	if again := collects(); again != before {
		t.Fatalf("second GET = %d, want %d", again, before)
	}
	_, scrape := get(t, internal+"/metrics")
	if hits := metricValue(t, scrape, "chii_response_cache_local_hits_total"); hits < 1 {
		t.Errorf("local hits %v after two GETs, want the second from the cache", hits)
	}

	req, _ := http.NewRequest(http.MethodPost, api+"/v0/characters/1/collect", nil)
	req.Header.Set("User-Agent", golden.UserAgent)
	req.Header.Set("Authorization", "Bearer a_development_access_token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("collect = %d, want 204", resp.StatusCode)
	}
	if got := collects(); got != before+1 {
		t.Errorf("GET after the collect = %d collects, want %d", got, before+1)
	}
}

// runServer runs Run with the configuration of env until the test ends (then it must return
// nil within 45 s) and returns its log.
func runServer(t *testing.T, env map[string]string) *syncBuf {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, config.Server)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil))) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run() = %v", err)
			}
		case <-time.After(45 * time.Second):
			t.Error("Run() did not return within 45 s of the stop")
		}
	})
	return logs
}
