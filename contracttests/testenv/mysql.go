package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/testcontainers/testcontainers-go"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"
)

// MySQLOption changes what MySQL loads into the new database.
type MySQLOption func(*mysqlOptions)

type mysqlOptions struct {
	data  bool
	files []string
}

// WithData also loads the dev-env data set (sql/data/*.sql, ~2 MB) after the schema.
func WithData() MySQLOption {
	return func(o *mysqlOptions) { o.data = true }
}

// WithSQLFiles applies extra SQL files, in order, after the schema (and the
// data set with WithData), e.g.
// filepath.Join(testenv.SharedDir(t), "golden", "fixture-adjust.sql").
// Relative paths are resolved against the test's working directory.
func WithSQLFiles(paths ...string) MySQLOption {
	return func(o *mysqlOptions) { o.files = append(o.files, paths...) }
}

// MySQL creates a fresh database with a unique name on a MySQL server,
// loads the bangumi schema into it (sql/sql_mode.sql then sql/schema/*.sql,
// in the order of sql_script_load_order.txt), and drops it when tb ends.
//
// It returns a DSN for the new database and a pool opened on it. Both use
// the session settings of mysqldb.Open: utf8mb4 / utf8mb4_unicode_ci,
// an empty sql_mode, time_zone +00:00, parseTime=true, loc=UTC.
//
// The server is, in this order: CHII_TEST_MYSQL_DSN (any database name in it
// is ignored; the user must be allowed to create databases), a server on
// 127.0.0.1:3306 as root without password, or a MySQL 8 container when a
// Docker engine is reachable. Without any, tb is skipped (failed with CI=true).
func MySQL(tb testing.TB, opts ...MySQLOption) (dsn string, db *sql.DB) {
	tb.Helper()
	var o mysqlOptions
	for _, opt := range opts {
		opt(&o)
	}

	srv, err := mysqlServer()
	if err != nil {
		unavailable(tb, "MySQL server", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	name := "chii_test_" + randomHex(6)
	if _, err := srv.admin.ExecContext(ctx,
		"CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("testenv: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := srv.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			tb.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	if err := load(ctx, tb, srv, name, o); err != nil {
		tb.Fatalf("testenv: load database %s: %v", name, err)
	}

	cfg := srv.cfg.Clone()
	cfg.DBName = name
	applySession(cfg)
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatalf("testenv: connector: %v", err)
	}
	db = sql.OpenDB(connector)
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(10)
	tb.Cleanup(func() { _ = db.Close() }) // registered last: runs before DROP DATABASE
	return cfg.FormatDSN(), db
}

// applySession mirrors mysqldb.Open's connection settings (testenv may not
// import adapters, see runtime/archtest).
func applySession(cfg *mysql.Config) {
	_ = cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci"))
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	cfg.Params["time_zone"] = "'+00:00'"
}

func load(ctx context.Context, tb testing.TB, srv *server, name string, o mysqlOptions) error {
	scripts, err := devEnvScripts(tb)
	if err != nil {
		return err
	}
	cfg := srv.cfg.Clone()
	cfg.DBName = name
	return loadInto(ctx, cfg, scripts, o)
}

// LoadDevEnv loads the bangumi schema into the database named by dsn (which
// must exist and should be empty: the schema drops and recreates its
// tables), then the options' dev-env data set (WithData) and SQL files
// (WithSQLFiles), exactly as MySQL does for a test, but without a
// testing.TB: for programs such as runtime/cmd/benchhttp. sharedDir is the
// project's shared/ folder; "" finds it as SharedDir does (CHII_SHARED_DIR,
// else walking up from the working directory). The DSN's session settings
// are replaced by those of mysqldb.Open.
func LoadDevEnv(ctx context.Context, dsn, sharedDir string, opts ...MySQLOption) error {
	var o mysqlOptions
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("testenv: parse DSN: %w", err)
	}
	if cfg.DBName == "" {
		return errors.New("testenv: LoadDevEnv: the DSN names no database")
	}
	if sharedDir == "" {
		if sharedDir, err = FindSharedDir(); err != nil {
			return err
		}
	}
	scripts, err := readDevEnv(filepath.Join(sharedDir, "reference", "dev-env"))
	if err != nil {
		return fmt.Errorf("testenv: dev-env in %s: %w", sharedDir, err)
	}
	if err := loadInto(ctx, cfg, scripts, o); err != nil {
		return fmt.Errorf("testenv: load database %s: %w", cfg.DBName, err)
	}
	return nil
}

// FindSharedDir is SharedDir for programs: the project's shared/ folder
// (CHII_SHARED_DIR, else found by walking up from the working directory), or
// an error saying where it looked.
func FindSharedDir() (string, error) {
	sharedDir.once.Do(func() { sharedDir.dir, sharedDir.err = findSharedDir() })
	return sharedDir.dir, sharedDir.err
}

// loadInto runs the schema, the data set (o.data) and o.files, in this order,
// on one connection to the database cfg names.
func loadInto(ctx context.Context, cfg *mysql.Config, scripts devEnv, o mysqlOptions) error {
	cfg = cfg.Clone()
	cfg.MultiStatements = true
	applySession(cfg)
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx) // one dedicated connection: session settings stick
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()

	run := func(what, script string) error {
		if _, err := conn.ExecContext(ctx, script); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := run("schema", scripts.schema); err != nil {
		return err
	}
	if o.data {
		if err := run("data", scripts.data); err != nil {
			return err
		}
	}
	for _, f := range o.files {
		script, err := readSQLFile(f)
		if err != nil {
			return err
		}
		if err := run(f, script); err != nil {
			return err
		}
	}
	return nil
}

// resetSession restores the session defaults a dump may have changed
// (mysqldump headers SET NAMES utf8 and restore it at the end, but be sure).
const resetSession = "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci; SET SESSION sql_mode = ''; SET time_zone = '+00:00';\n"

type devEnv struct{ schema, data string }

var devEnvCache struct {
	once sync.Once
	env  devEnv
	err  error
}

// devEnvScripts reads and prepares the dev-env SQL once per test binary.
func devEnvScripts(tb testing.TB) (devEnv, error) {
	dir := filepath.Join(SharedDir(tb), "reference", "dev-env")
	devEnvCache.once.Do(func() { devEnvCache.env, devEnvCache.err = readDevEnv(dir) })
	return devEnvCache.env, devEnvCache.err
}

// qualifiedInsert matches `insert into bangumi.` (one data file names its
// database explicitly; the rows must land in the test database).
var qualifiedInsert = regexp.MustCompile("(?i)(insert\\s+into\\s+)`?bangumi`?\\.")

func readDevEnv(dir string) (devEnv, error) {
	f, err := os.Open(filepath.Join(dir, "sql_script_load_order.txt"))
	if err != nil {
		return devEnv{}, fmt.Errorf("load order: %w", err)
	}
	defer f.Close()
	var schema, data strings.Builder
	schema.WriteString(resetSession)
	data.WriteString(resetSession + "SET SESSION unique_checks = 0, foreign_key_checks = 0; START TRANSACTION;\n")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "./")
		if rel == "" || strings.HasPrefix(rel, "#") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return devEnv{}, err
		}
		dst := &schema
		if strings.HasPrefix(rel, "sql/data/") {
			dst = &data
		}
		dst.WriteString(prepare(string(b)))
	}
	if err := sc.Err(); err != nil {
		return devEnv{}, err
	}
	data.WriteString("COMMIT; SET SESSION unique_checks = 1, foreign_key_checks = 1;\n")
	return devEnv{schema: schema.String(), data: data.String()}, nil
}

// prepare rewrites database-qualified inserts and makes sure the script's
// last statement is terminated, so that scripts can be concatenated for one
// multi-statement Exec (an empty statement ";" is a syntax error).
func prepare(script string) string {
	script = qualifiedInsert.ReplaceAllString(script, "$1")
	lines := strings.Split(strings.TrimRight(script, " \t\r\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "--") || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.HasSuffix(l, ";") {
			script += "\n;"
		}
		break
	}
	return script + "\n"
}

var sqlFiles sync.Map // path → string

func readSQLFile(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if s, ok := sqlFiles.Load(abs); ok {
		return s.(string), nil
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return "", err
	}
	s := resetSession + prepare(string(b))
	sqlFiles.Store(abs, s)
	return s, nil
}

// server is the MySQL server shared by the tests of one test binary.
type server struct {
	cfg   *mysql.Config // root-capable credentials, no database
	admin *sql.DB
}

var mysqlSrv struct {
	once sync.Once
	srv  *server
	err  error
}

func mysqlServer() (*server, error) {
	mysqlSrv.once.Do(func() { mysqlSrv.srv, mysqlSrv.err = findMySQL() })
	return mysqlSrv.srv, mysqlSrv.err
}

func findMySQL() (*server, error) {
	if dsn := os.Getenv("CHII_TEST_MYSQL_DSN"); dsn != "" {
		srv, err := connectMySQL(dsn)
		if err != nil {
			return nil, fmt.Errorf("CHII_TEST_MYSQL_DSN: %w", err)
		}
		return srv, nil
	}
	var reasons []string
	const local = "127.0.0.1:3306"
	if c, err := net.DialTimeout("tcp", local, 500*time.Millisecond); err != nil {
		reasons = append(reasons, fmt.Sprintf("nothing on %s (%v)", local, err))
	} else {
		_ = c.Close()
		srv, err := connectMySQL("root@tcp(" + local + ")/")
		if err == nil {
			return srv, nil
		}
		reasons = append(reasons, fmt.Sprintf("root@%s: %v", local, err))
	}
	if err := DockerReachable(); err != nil {
		reasons = append(reasons, "no Docker engine ("+err.Error()+")")
		return nil, errors.New("CHII_TEST_MYSQL_DSN unset; " + strings.Join(reasons, "; "))
	}
	dsn, err := startMySQLContainer()
	if err != nil {
		reasons = append(reasons, "MySQL container: "+err.Error())
		return nil, errors.New("CHII_TEST_MYSQL_DSN unset; " + strings.Join(reasons, "; "))
	}
	return connectMySQL(dsn)
}

func connectMySQL(dsn string) (*server, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	cfg.DBName = ""
	cfg.Timeout = 3 * time.Second
	applySession(cfg)
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	admin := sql.OpenDB(connector)
	admin.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("ping %s: %w", cfg.Addr, err)
	}
	dropStale(ctx, admin)
	return &server{cfg: cfg, admin: admin}, nil
}

// dropStale removes test databases left behind by killed test runs (older
// than two hours, so never one that a concurrent test binary is using).
func dropStale(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, `SELECT table_schema FROM information_schema.tables
		WHERE table_schema LIKE 'chii\_test\_%'
		GROUP BY table_schema HAVING MIN(create_time) < NOW() - INTERVAL 2 HOUR`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			stale = append(stale, name)
		}
	}
	_ = rows.Close()
	for _, name := range stale {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	}
}

// DockerReachable reports whether a Docker engine answers on DOCKER_HOST or
// the default socket, without asking testcontainers (which is slow to fail):
// suites start a container only when it returns nil.
func DockerReachable() error {
	network, addr := "unix", "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		u, err := url.Parse(h)
		if err != nil {
			return fmt.Errorf("DOCKER_HOST=%s: %w", h, err)
		}
		switch u.Scheme {
		case "unix":
			addr = u.Path
		case "tcp":
			network, addr = "tcp", u.Host
		default:
			return fmt.Errorf("DOCKER_HOST=%s: unsupported scheme", h)
		}
	}
	c, err := net.DialTimeout(network, addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	_ = c.Close()
	return nil
}

// startMySQLContainer runs MySQL 8 for the rest of the test binary's life
// (testcontainers' reaper removes it when the process exits).
func startMySQLContainer() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := tcmysql.Run(ctx, "mysql:8.0.36",
		tcmysql.WithUsername("root"),
		tcmysql.WithPassword("chii"),
		tcmysql.WithDatabase("chii"),
		testcontainers.WithCmdArgs("--sql-mode=", "--character-set-server=utf8mb4",
			"--collation-server=utf8mb4_unicode_ci", "--max-allowed-packet=64M"),
	)
	if err != nil {
		return "", err
	}
	return c.ConnectionString(ctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
