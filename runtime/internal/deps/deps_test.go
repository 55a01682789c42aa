package deps_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
	"github.com/bangumi/chii/runtime/internal/deps"
)

// The readiness check has its own connection: with every connection of the main pool taken
// (as when they all wait on a locked table), /readyz still answers 200 and MySQL is not failing,
// while a ping through the main pool cannot get a connection.
func TestOpen_ReadinessDoesNotWaitOnABusyPool(t *testing.T) {
	dsn, _ := testenv.MySQL(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_MYSQL_DSN": dsn, "CHII_MYSQL_MAX_OPEN_CONNS": "2"}[k]
	}, config.Server)
	if err != nil {
		t.Fatal(err)
	}
	d, err := deps.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})

	// Hold every connection of the main pool.
	var held []*sql.Conn
	for range cfg.MySQL.MaxOpenConns {
		c, err := d.MySQL.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	// The main pool is exhausted: what a ping through it would report.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	err = d.MySQL.PingContext(ctx)
	cancel()
	if err == nil {
		t.Fatal("a ping through the held main pool succeeded: the test holds nothing")
	}
	t.Logf("ping through the main pool: %v", err)

	checker := health.New(d.Checks...)
	watchCtx, stop := context.WithCancel(t.Context())
	defer stop()
	go checker.Watch(watchCtx, slog.New(slog.DiscardHandler), 50*time.Millisecond)
	select {
	case <-checker.Checked():
	case <-time.After(5 * time.Second):
		t.Fatal("no first round of checks within 5s")
	}
	routes := checker.Routes(http.NotFoundHandler())
	for i := range 5 {
		rec := httptest.NewRecorder()
		routes.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body health.Status
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || body.Status != "ok" {
			t.Fatalf("/readyz #%d with the main pool held = %d %s, want 200 ok", i, rec.Code, rec.Body.String())
		}
		time.Sleep(60 * time.Millisecond) // past a re-check
	}

	// The pool is not lost: released connections serve again.
	for _, c := range held {
		_ = c.Close()
	}
	held = nil
	if err := d.MySQL.PingContext(t.Context()); err != nil {
		t.Errorf("ping after releasing the pool: %v", err)
	}
}

// Close closes the readiness check's pool along with the main one.
func TestClose_ClosesTheCheckPool(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CHII_MYSQL_DSN": "u:p@tcp(127.0.0.1:1)/bangumi"}[k]
	}, config.Server)
	if err != nil {
		t.Fatal(err)
	}
	d, err := deps.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if len(d.Checks) != 1 {
		t.Fatalf("checks = %d, want 1 (mysql)", len(d.Checks))
	}
	if err := d.Checks[0].Ping(t.Context()); err == nil || err.Error() != "sql: database is closed" {
		t.Errorf("the readiness check after Close() = %v, want sql: database is closed", err)
	}
}
