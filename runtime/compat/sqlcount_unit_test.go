package compat_test

import (
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/compat"
)

// countingDB opens a pool on dsn whose statements are counted.
func countingDB(tb testing.TB, dsn string) (*sql.DB, *compat.CountingConnector) {
	tb.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	inner, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	counter := compat.NewCountingConnector(inner)
	db := sql.OpenDB(counter)
	tb.Cleanup(func() { _ = db.Close() })
	return db, counter
}

func TestCountingConnector(t *testing.T) {
	dsn, _ := testenv.MySQL(t)
	db, counter := countingDB(t, dsn)
	ctx := t.Context()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}

	type counts struct{ Queries, Execs, Prepares, Statements int }
	snapshot := func() counts {
		c := counter.Counts()
		return counts{c.Queries, c.Execs, c.Prepares, c.Statements()}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
		want counts
	}{
		{"QueryWithoutArgs", func(t *testing.T) {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
		}, counts{Queries: 1, Statements: 1}},
		{"QueryWithArgsIsPrepared", func(t *testing.T) {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT ?", 1).Scan(&n); err != nil {
				t.Fatal(err)
			}
		}, counts{Queries: 1, Prepares: 1, Statements: 1}},
		{"ExecWithArgs", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "INSERT INTO chii_usergroup (usr_grp_id, usr_grp_name, usr_grp_perm, usr_grp_dateline) VALUES (?, 'x', '', 0)", 7); err != nil {
				t.Fatal(err)
			}
		}, counts{Execs: 1, Prepares: 1, Statements: 1}},
		{"PreparedTwice", func(t *testing.T) {
			st, err := db.PrepareContext(ctx, "SELECT COUNT(*) FROM chii_usergroup WHERE usr_grp_id = ?")
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for _, id := range []int{7, 8} {
				var n int
				if err := st.QueryRowContext(ctx, id).Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
		}, counts{Queries: 2, Prepares: 1, Statements: 2}},
		{"Transaction", func(t *testing.T) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, "DELETE FROM chii_usergroup WHERE usr_grp_id = 7"); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM chii_usergroup").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}, counts{Queries: 1, Execs: 1, Statements: 2}},
		{"FailedStatementCounts", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, "SELECT nosuchcolumn FROM chii_usergroup"); err == nil {
				t.Fatal("query of a missing column succeeded")
			}
		}, counts{Execs: 1, Statements: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter.Reset()
			tc.run(t)
			if diff := cmp.Diff(tc.want, snapshot()); diff != "" {
				t.Errorf("counts mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("SQLListed", func(t *testing.T) {
		counter.Reset()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT 2").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"SELECT 2"}, counter.Counts().SQL); diff != "" {
			t.Errorf("SQL mismatch (-want +got):\n%s", diff)
		}
	})
}
