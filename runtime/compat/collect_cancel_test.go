package compat_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/httpapi"
	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/server"
)

// lockedBuffer is a log destination the handler's goroutines and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A client that disconnects while its collect runs inside the MySQL transaction is not a
// server error: nothing is logged at error level, InternalErrors (and Unavailable) stay 0,
// and nothing is kept. Two moments: while the collect waits for the character's row lock
// (another connection holds it), and after its last statement, before the commit (when
// database/sql has already rolled the transaction back and Commit says only sql.ErrTxDone).
func TestCollect_ClientGoneIsNotAServerError(t *testing.T) {
	t.Run("DuringLockWait", func(t *testing.T) {
		testClientGone(t, true, func(ports.UnitOfWork) ports.UnitOfWork { return nil },
			func(t *testing.T, db *sql.DB, check func()) { waitForLockWait(t, db, 10*time.Second, check) })
	})
	t.Run("BeforeCommit", func(t *testing.T) {
		reached := make(chan struct{}, 1)
		testClientGone(t, false, func(u ports.UnitOfWork) ports.UnitOfWork { return pauseBeforeCommit{u, reached} },
			func(t *testing.T, _ *sql.DB, check func()) {
				select {
				case <-reached:
				case <-time.After(10 * time.Second):
					check()
					t.Fatal("the collect's transaction did not reach its commit within 10 s")
				}
			})
	})
}

// pauseBeforeCommit runs fn and then, before the commit, waits for the caller to go away and
// for database/sql to roll the ended transaction back.
type pauseBeforeCommit struct {
	ports.UnitOfWork
	reached chan<- struct{}
}

func (u pauseBeforeCommit) Do(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	return u.UnitOfWork.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		select {
		case u.reached <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			return errors.New("pauseBeforeCommit: the caller did not go away within 10 s")
		}
		// database/sql rolls back in its own goroutine when the context ends; a Commit after
		// that rollback reports sql.ErrTxDone. Without this pause the test still passes,
		// checking less (Commit then returns the context's error itself).
		time.Sleep(200 * time.Millisecond)
		return nil
	})
}

// testClientGone serves a collect of character 3 on MySQL, waits with blocked until it is
// under way, cancels the client's request and checks the server took it for a client gone.
// lock holds the character's row lock from another connection meanwhile; wrap may replace the
// unit of work (nil: keep it).
func testClientGone(t *testing.T, lock bool, wrap func(ports.UnitOfWork) ports.UnitOfWork,
	blocked func(t *testing.T, db *sql.DB, check func())) {
	_, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(golden.Dir(t), "fixture-adjust.sql")))
	const token, uid, characterID = "a_development_access_token", 382951, 3
	target := monoTarget{cat: "crt", id: characterID, counterSQL: "SELECT crt_collects FROM chii_characters WHERE crt_id = ?"}
	before := readState(t, db, target, uid)

	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	metrics := &httpapi.Metrics{}
	a := server.MySQLAdapters(db)
	if u := wrap(a.UnitOfWork); u != nil {
		a.UnitOfWork = u
	}
	a.Timeline = inmem.NewTimelinePublisher()
	a.RateLimiter = inmem.NewRateLimiter(10*time.Minute, 3000, time.Hour, nil)
	api := server.NewAPI(a, server.APIOptions{Logger: logger, Version: "compat", Metrics: metrics})
	handled := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r)
		handled <- struct{}{}
	}))
	t.Cleanup(srv.Close)

	// Another connection holds the character's row lock, so the collect waits in its transaction.
	locker, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = locker.Rollback() }()
	if lock {
		if _, err := locker.ExecContext(t.Context(), "SELECT crt_id FROM chii_characters WHERE crt_id = ? FOR UPDATE", characterID); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := golden.Request{Method: http.MethodPost, Path: "/v0/characters/3/collect",
		Headers: map[string]string{"Authorization": "Bearer " + token}}.NewRequest(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	clientDone := make(chan answer, 1)
	go func() {
		resp, err := golden.Do(golden.NewClient(), req)
		clientDone <- answer{resp.Status, string(resp.Body), err}
	}()

	blocked(t, db, func() {
		select {
		case a := <-clientDone:
			t.Fatalf("the collect answered %d %s (%v) before it waited for the lock", a.status, a.body, a.err)
		default:
		}
	})
	cancel()
	select {
	case a := <-clientDone:
		if a.err == nil {
			t.Fatalf("the collect answered %d %s although its client went away", a.status, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the client's request did not end within 10 s of its cancellation")
	}
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not return within 10 s of the client going away")
	}

	if n := metrics.InternalErrors.Load(); n != 0 {
		t.Errorf("InternalErrors = %d, want 0 for a client that went away; log:\n%s", n, logs.String())
	}
	if n := metrics.Unavailable.Load(); n != 0 {
		t.Errorf("Unavailable = %d, want 0 for a client that went away; log:\n%s", n, logs.String())
	}
	if l := logs.String(); strings.Contains(l, "level=ERROR") {
		t.Errorf("a client that went away was logged as an error:\n%s", l)
	}
	if err := locker.Rollback(); err != nil {
		t.Fatal(err)
	}
	if after := readState(t, db, target, uid); after.Counter != before.Counter || len(after.Rows) != len(before.Rows) {
		t.Errorf("after a cancelled collect: %+v, want the state before %+v", after, before)
	}
}

// waitForLockWait waits until a statement of this test's database waits for a row lock (the
// only locking read running is one that waits: the lock holder's own read has returned).
// check runs at each poll (to fail early when the waiter gave up).
func waitForLockWait(tb testing.TB, db *sql.DB, timeout time.Duration, check func()) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var n int
		// MariaDB lists a locking read of a primary key that waits (in its "Statistics" phase)
		// in the processlist, not always in innodb_trx as LOCK WAIT.
		err := db.QueryRowContext(tb.Context(), `SELECT COUNT(*) FROM information_schema.processlist p
			WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID() AND p.command IN ('Query', 'Execute')
			AND p.info LIKE '%FOR UPDATE%'`).Scan(&n)
		if err != nil {
			tb.Fatalf("poll the lock waits: %v", err)
		}
		if n > 0 {
			return
		}
		check()
		if time.Now().After(deadline) {
			tb.Fatalf("no transaction waited for the row lock within %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
