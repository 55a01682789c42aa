package mysqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
)

func TestOpen_ServerDownStillReturnsPool(t *testing.T) {
	db, err := mysqldb.Open(t.Context(), mysqldb.Options{DSN: "chii:pw@tcp(127.0.0.1:1)/bangumi?timeout=1s", MaxOpenConns: 3})
	if err != nil {
		t.Fatalf("Open() with an unreachable server = %v, want a pool", err)
	}
	defer db.Close()
	if got := db.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections = %d, want 3", got)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err == nil {
		t.Error("Ping() on 127.0.0.1:1 succeeded")
	}
}

func TestOpen_InvalidDSN(t *testing.T) {
	if _, err := mysqldb.Open(t.Context(), mysqldb.Options{DSN: "not a dsn"}); err == nil {
		t.Error("Open() with an invalid DSN = nil error")
	}
}

func TestOpen_SessionSettings(t *testing.T) {
	dsn, _ := testenv.MySQL(t)
	// Settings in the DSN are overridden by Open's.
	db, err := mysqldb.Open(t.Context(), mysqldb.Options{DSN: dsn + "&loc=Local", MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode, tz, charset, collation string
	if err := db.QueryRowContext(t.Context(),
		"SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@character_set_connection, @@collation_connection").
		Scan(&mode, &tz, &charset, &collation); err != nil {
		t.Fatal(err)
	}
	if mode != "" || tz != "+00:00" || charset != "utf8mb4" || collation != "utf8mb4_unicode_ci" {
		t.Errorf("session = (%q, %q, %q, %q), want ('', +00:00, utf8mb4, utf8mb4_unicode_ci)", mode, tz, charset, collation)
	}
	var lockWait, mdlWait int
	if err := db.QueryRowContext(t.Context(), "SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.lock_wait_timeout").Scan(&lockWait, &mdlWait); err != nil || lockWait != 5 || mdlWait != 5 {
		t.Errorf("innodb_lock_wait_timeout, lock_wait_timeout = %d, %d, %v; want 5, 5", lockWait, mdlWait, err)
	}
	var now time.Time
	if err := db.QueryRowContext(t.Context(), "SELECT NOW()").Scan(&now); err != nil {
		t.Fatal(err)
	}
	if now.Location() != time.UTC {
		t.Errorf("DATETIME scanned in %v, want UTC", now.Location())
	}
	// 4-byte characters survive a round trip (utf8mb4 on the connection).
	if _, err := db.ExecContext(t.Context(), "CREATE TABLE emoji (s VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), "INSERT INTO emoji VALUES (?)", "星🌟"); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := db.QueryRowContext(t.Context(), "SELECT s FROM emoji").Scan(&s); err != nil || s != "星🌟" {
		t.Errorf("round trip = %q, %v", s, err)
	}
}
