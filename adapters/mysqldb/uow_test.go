package mysqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// newUoW gives each call its own database holding f.
func newUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, f)
	return mysqldb.NewUnitOfWork(db), readRepos(db)
}

var _ contracttests.NewUnitOfWork = newUoW

func TestUnitOfWork(t *testing.T) { contracttests.TestUnitOfWork(t, newUoW) }

func TestCollect(t *testing.T) { contracttests.TestCollect(t, newUoW) }

// TestUnitOfWork_Deadlock provokes a real deadlock (two transactions locking two characters
// in opposite orders): MySQL aborts one, Do runs its fn again, and both commit.
func TestUnitOfWork_Deadlock(t *testing.T) {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, contracttests.UoWFixture())
	uow := mysqldb.NewUnitOfWork(db)

	var calls atomic.Int32
	firstLocks := sync.WaitGroup{}
	firstLocks.Add(2)
	txn := func(first, second uint32) func(ctx context.Context, tx ports.Tx) error {
		var attempt atomic.Int32
		return func(ctx context.Context, tx ports.Tx) error {
			calls.Add(1)
			w := tx.MonoCollects()
			if err := w.LockTarget(ctx, mono.Character, first); err != nil {
				return err
			}
			if attempt.Add(1) == 1 { // both hold their first lock before asking for the second
				firstLocks.Done()
				firstLocks.Wait()
			}
			if err := w.LockTarget(ctx, mono.Character, second); err != nil {
				return err
			}
			return w.AddToCounter(ctx, mono.Character, first, 1)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = uow.Do(ctx, txn(1, 2)) })
	wg.Go(func() { errs[1] = uow.Do(ctx, txn(2, 1)) })
	wg.Wait()
	if diff := cmp.Diff([]string{"<nil>", "<nil>"}, []string{fmt.Sprint(errs[0]), fmt.Sprint(errs[1])}); diff != "" {
		t.Errorf("Do() errors mismatch (-want +got):\n%s", diff)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("fn ran %d times, want 3 (the deadlock victim once more)", got)
	}
	r := readRepos(db)
	for id, want := range map[uint32]uint32{1: 3, 2: 1} {
		c, err := r.Characters.Get(t.Context(), id)
		if err != nil || c.Collects != want {
			t.Errorf("character %d collects = %d, %v; want %d", id, c.Collects, err, want)
		}
	}
}

// TestUnitOfWork_ErrorNotRetried: only deadlocks are retried.
func TestUnitOfWork_ErrorNotRetried(t *testing.T) {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, contracttests.UoWFixture())
	uow := mysqldb.NewUnitOfWork(db)
	for name, fnErr := range map[string]error{
		"DomainError": domain.Errorf(domain.ErrNotFound, "character not collected"),
		"SQLError": func() error { // a real MySQL error other than a deadlock (1146 no such table)
			_, err := db.ExecContext(t.Context(), "SELECT * FROM no_such_table")
			return err
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := uow.Do(t.Context(), func(context.Context, ports.Tx) error {
				calls++
				return fnErr
			})
			if !errors.Is(err, fnErr) || calls != 1 {
				t.Errorf("Do() = %v after %d calls, want fn's error after 1 call", err, calls)
			}
		})
	}
}

// collectDump is every row and counter the write path may touch, read with plain SQL.
type collectDump struct {
	Rows     []string // prsn_clt_id cat mid uid dateline
	Counters []string // "crt id collects", "prsn id collects"
}

func dumpCollects(t *testing.T, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) collectDump {
	t.Helper()
	var d collectDump
	read := func(dst *[]string, query string) {
		rows, err := q.QueryContext(t.Context(), query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			var a, b, c, e, f sql.NullString
			if err := rows.Scan(&a, &b, &c, &e, &f); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			*dst = append(*dst, fmt.Sprintf("%s %s %s %s %s", a.String, b.String, c.String, e.String, f.String))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	read(&d.Rows, `SELECT prsn_clt_id, prsn_clt_cat, prsn_clt_mid, prsn_clt_uid, prsn_clt_dateline
		FROM chii_person_collects ORDER BY prsn_clt_id`)
	read(&d.Counters, `SELECT 'crt', crt_id, crt_collects, NULL, NULL FROM chii_characters
		UNION ALL SELECT 'prsn', prsn_id, prsn_collects, NULL, NULL FROM chii_persons ORDER BY 1, 2`)
	return d
}

// TestCollect_RolledBack runs the collect use case inside one outer transaction (each unit of
// work a savepoint), checks inside it that the writes happened, and rolls it back: the
// database is then exactly as before, and no other connection ever saw the writes.
func TestCollect_RolledBack(t *testing.T) {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, contracttests.UoWFixture())
	ctx := t.Context()
	before := dumpCollects(t, db)

	outer, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = outer.Rollback() }()
	uc := usecase.Collect{
		Characters: mysqldb.NewCharacterRepository(outer),
		Persons:    mysqldb.NewPersonRepository(outer),
		UoW:        mysqldb.NewSavepointUnitOfWork(outer),
	}
	collector := auth.Auth{UserID: 20, Legacy: true}
	owner := auth.Auth{UserID: 10, Legacy: true}
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"collect character 2", func() error { return uc.Add(ctx, collector, mono.Character, 2) }},
		{"collect person 2", func() error { return uc.Add(ctx, collector, mono.Person, 2) }},
		{"collect person 2 again", func() error { return uc.Add(ctx, collector, mono.Person, 2) }},
		{"uncollect character 3 (two rows)", func() error { return uc.Remove(ctx, owner, mono.Character, 3) }},
	} {
		if err := step.run(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	// A failing unit of work rolls back to its savepoint only.
	if err := uc.Remove(ctx, collector, mono.Character, 1); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("uncollect of a character not collected = %v, want ErrNotFound", err)
	}

	inside := dumpCollects(t, outer)
	if len(inside.Rows) != len(before.Rows)+2-2 {
		t.Errorf("inside the transaction: %d rows, want %d (2 added, 2 removed):\n%v", len(inside.Rows), len(before.Rows), inside.Rows)
	}
	wantCounters := map[string]string{"crt 2": "1", "prsn 2": "1", "crt 3": "1"}
	for _, c := range inside.Counters {
		var kind, id, n string
		_, _ = fmt.Sscan(c, &kind, &id, &n)
		if want, ok := wantCounters[kind+" "+id]; ok && n != want {
			t.Errorf("inside the transaction: %s %s collects = %s, want %s", kind, id, n, want)
		}
	}
	if diff := cmp.Diff(before, inside); diff == "" {
		t.Fatal("inside the transaction nothing changed: the test proves nothing")
	}
	if diff := cmp.Diff(before, dumpCollects(t, db)); diff != "" {
		t.Errorf("another connection saw uncommitted writes (-before +seen):\n%s", diff)
	}

	if err := outer.Rollback(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, dumpCollects(t, db)); diff != "" {
		t.Errorf("database after rollback differs (-before +after):\n%s", diff)
	}
}

// TestUnitOfWork_FindSeesLatestCommitted: the unit of work runs at READ COMMITTED, so a row
// another transaction commits while this one runs is visible to its next read — the collect
// use case's existence check under the target lock cannot miss a row.
func TestUnitOfWork_FindSeesLatestCommitted(t *testing.T) {
	_, db := testenv.MySQL(t)
	loadFixture(t, db, contracttests.UoWFixture())
	uow := mysqldb.NewUnitOfWork(db)
	err := uow.Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
		w := tx.MonoCollects()
		if n, err := w.Count(ctx, 20, mono.Character); err != nil || n != 0 {
			t.Fatalf("Count() = %d, %v; want 0, nil", n, err)
		}
		if _, err := w.Find(ctx, 20, mono.Character, 2); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("Find() before the concurrent commit = %v, want not found", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO chii_person_collects
			(prsn_clt_cat, prsn_clt_mid, prsn_clt_uid, prsn_clt_dateline) VALUES ('crt', 2, 20, 1700000000)`); err != nil {
			t.Fatalf("concurrent insert: %v", err)
		}
		got, err := w.Find(ctx, 20, mono.Character, 2)
		if err != nil {
			t.Fatalf("Find() of a row committed during the transaction = %v, want the row", err)
		}
		if got.TargetID != 2 || got.UserID != 20 || got.CreatedAt.Unix() != 1700000000 {
			t.Errorf("Find() = %+v", got)
		}
		if n, err := w.Count(ctx, 20, mono.Character); err != nil || n != 1 {
			t.Errorf("Count() after the concurrent commit = %d, %v; want 1", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnitOfWork_ReadCommitted: the transaction's isolation level, on which the absence of
// gap-lock deadlocks between collects of different targets rests.
func TestUnitOfWork_ReadCommitted(t *testing.T) {
	_, db := testenv.MySQL(t)
	err := mysqldb.NewUnitOfWork(db).Do(t.Context(), func(ctx context.Context, tx ports.Tx) error {
		level, err := mysqldb.TxIsolation(ctx, tx)
		if err != nil {
			return err
		}
		if level != "READ COMMITTED" {
			t.Errorf("transaction isolation = %s, want READ COMMITTED", level)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
