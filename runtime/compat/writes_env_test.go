package compat_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/server"
)

// The write tests' shared environment: a fresh copy of the dev dataset (plus
// fixture-adjust.sql) with extra members, served as the server composes it with the unit of
// work wrapped (fault injection) and an in-memory timeline publisher.

// writeDB loads the dataset, runs each setup statement, and adds n members with legacy tokens
// (every scope): uid firstUID+i, username <prefix>_<i>, token tokenOf(i).
func writeDB(t *testing.T, firstUID, n int, prefix string, tokenOf func(int) string, setup ...string) *sql.DB {
	t.Helper()
	_, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	db.SetMaxOpenConns(20)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range setup {
		exec(q)
	}
	for i := range n {
		uid := firstUID + i
		exec(`INSERT INTO chii_members (uid, username, nickname, avatar, groupid, regdate, lastvisit, lastactivity,
			sign, password_crypt, email, acl, timeoffset)
		 VALUES (?, ?, ?, '', 10, UNIX_TIMESTAMP('2017-12-03'), 0, 0, '', '', '', '', '9999')`,
			uid, fmt.Sprintf("%s_%d", prefix, i), fmt.Sprintf("%s %d", prefix, i))
		exec(`INSERT INTO chii_oauth_access_tokens (type, access_token, client_id, user_id, expires, scope, info)
		 VALUES (0, ?, 'test_client_id', ?, '2037-12-31 00:00:00', NULL, '')`, tokenOf(i), fmt.Sprint(uid))
	}
	return db
}

// serveWrites serves the API on db with its unit of work wrapped by wrap; it returns the URL.
func serveWrites(t *testing.T, db *sql.DB, wrap func(ports.UnitOfWork) ports.UnitOfWork) string {
	t.Helper()
	a := server.MySQLAdapters(db)
	a.UnitOfWork = wrap(a.UnitOfWork)
	a.Timeline = inmem.NewTimelinePublisher()
	srv := httptest.NewServer(server.NewAPI(a, server.APIOptions{Logger: slog.New(slog.DiscardHandler), Version: "compat"}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sendAs sends one request with token's bearer header (a JSON body when body is not "") and
// reads the answer.
func sendAs(t *testing.T, baseURL, method, path, token, body string) golden.Response {
	t.Helper()
	r := golden.Request{Method: method, Path: path, Headers: map[string]string{"Authorization": "Bearer " + token}}
	if body != "" {
		r.Body = json.RawMessage(body)
	}
	req, err := r.NewRequest(t.Context(), baseURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
