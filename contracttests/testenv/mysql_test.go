package testenv_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/contracttests/testenv"
)

func count(tb testing.TB, db *sql.DB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRowContext(tb.Context(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestMySQL_SchemaLoaded(t *testing.T) {
	start := time.Now()
	_, db := testenv.MySQL(t)
	t.Logf("schema loaded in %s", time.Since(start))
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'chii_subjects'"); n != 1 {
		t.Fatalf("chii_subjects: %d tables, want 1", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"); n < 100 {
		t.Errorf("%d tables, want the whole schema (>100)", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM chii_subjects"); n != 0 {
		t.Errorf("chii_subjects has %d rows without WithData, want 0", n)
	}
}

func TestMySQL_WithData(t *testing.T) {
	start := time.Now()
	_, db := testenv.MySQL(t, testenv.WithData())
	t.Logf("schema+data loaded in %s", time.Since(start))
	// Row counts of the dev-env data set as loaded by the mysql client.
	for table, want := range map[string]int{
		"chii_subjects":      101,
		"chii_tag_neue_list": 366, // the file that names database bangumi explicitly
		"chii_members":       77,
		"chii_persons":       104,
		"chii_rev_history":   2171,
	} {
		if got := count(t, db, "SELECT COUNT(*) FROM "+table); got != want {
			t.Errorf("%s has %d rows, want %d", table, got, want)
		}
	}
}

func TestMySQL_WithSQLFiles(t *testing.T) {
	_, db := testenv.MySQL(t, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(testenv.SharedDir(t), "golden", "fixture-adjust.sql")))
	if n := count(t, db, "SELECT COUNT(*) FROM chii_members WHERE username = 'parity_young'"); n != 1 {
		t.Errorf("fixture-adjust.sql not applied: %d parity_young rows", n)
	}
}

func TestMySQL_ErrorInLaterStatementFails(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.sql")
	if err := os.WriteFile(bad, []byte("SELECT 1;\nSELECT nosuchcolumn FROM chii_subjects;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Run MySQL on a fake TB to observe its failure without failing this test.
	ft := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testenv.MySQL(ft, testenv.WithSQLFiles(bad))
	}()
	<-done
	if ft.skipped {
		t.Skip(ft.msg)
	}
	if !ft.failed || !strings.Contains(ft.msg, "nosuchcolumn") {
		t.Errorf("MySQL() with a failing second statement: failed=%v msg=%q, want a failure naming nosuchcolumn", ft.failed, ft.msg)
	}
}

func TestMySQL_DatabasesAreIsolated(t *testing.T) {
	dsn1, db1 := testenv.MySQL(t)
	dsn2, db2 := testenv.MySQL(t)
	c1, err := mysql.ParseDSN(dsn1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := mysql.ParseDSN(dsn2)
	if err != nil {
		t.Fatal(err)
	}
	if c1.DBName == c2.DBName {
		t.Fatalf("two calls returned the same database %s", c1.DBName)
	}
	if _, err := db1.ExecContext(t.Context(), "INSERT INTO chii_usergroup (usr_grp_id, usr_grp_name, usr_grp_perm, usr_grp_dateline) VALUES (1, 'x', '', 0)"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db2, "SELECT COUNT(*) FROM chii_usergroup"); n != 0 {
		t.Errorf("row written through db1 visible in db2 (%d rows)", n)
	}
}

func TestMySQL_SessionSettings(t *testing.T) {
	dsn, db := testenv.MySQL(t)
	var mode, tz, charset, collation string
	if err := db.QueryRowContext(t.Context(),
		"SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@character_set_connection, @@collation_connection").
		Scan(&mode, &tz, &charset, &collation); err != nil {
		t.Fatal(err)
	}
	if mode != "" || tz != "+00:00" || charset != "utf8mb4" || collation != "utf8mb4_unicode_ci" {
		t.Errorf("session = (%q, %q, %q, %q), want ('', +00:00, utf8mb4, utf8mb4_unicode_ci)", mode, tz, charset, collation)
	}
	var now time.Time // parseTime=true: scans into time.Time
	if err := db.QueryRowContext(t.Context(), "SELECT NOW()").Scan(&now); err != nil {
		t.Fatal(err)
	}
	if now.Location() != time.UTC {
		t.Errorf("NOW() scanned in %v, want UTC", now.Location())
	}
	// The DSN carries the same settings for code that opens it itself.
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ParseTime || cfg.Loc != time.UTC || cfg.Params["sql_mode"] != "''" {
		t.Errorf("DSN %s lacks the session settings", dsn)
	}
}

func TestMySQL_DroppedAtCleanup(t *testing.T) {
	var name string
	var admin *sql.DB
	t.Run("inner", func(t *testing.T) {
		dsn, _ := testenv.MySQL(t)
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		name = cfg.DBName
	})
	if name == "" {
		t.Skip("inner test skipped")
	}
	_, admin = testenv.MySQL(t)
	if n := count(t, admin, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name); n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

// fatalTB records Fatal/Skip instead of stopping the real test.
type fatalTB struct {
	testing.TB
	failed, skipped bool
	msg             string
	cleanups        []func()
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	f.stop()
}
func (f *fatalTB) Fatal(args ...any) { f.failed, f.msg = true, fmt.Sprint(args...); f.stop() }
func (f *fatalTB) Skip(args ...any)  { f.skipped, f.msg = true, fmt.Sprint(args...); f.stop() }
func (f *fatalTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fatalTB) stop() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	runtime.Goexit()
}
