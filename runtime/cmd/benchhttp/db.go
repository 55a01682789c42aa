package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/bangumi/chii/contracttests/testenv"
)

const (
	markerTable = "benchhttp_marker"
	loadTimeout = 5 * time.Minute
)

// mysqlServer is the MySQL server benchhttp loads its databases into.
type mysqlServer struct {
	cfg   *mysql.Config // credentials as given, no database
	admin *sql.DB
}

func connectMySQL(ctx context.Context, dsn string) (*mysqlServer, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DSN: %w", err)
	}
	cfg.DBName = ""
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	m := &mysqlServer{cfg: cfg}
	if m.admin, err = m.open(""); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.admin.PingContext(ctx); err != nil {
		_ = m.admin.Close()
		return nil, fmt.Errorf("ping %s: %w", cfg.Addr, err)
	}
	return m, nil
}

func (m *mysqlServer) close() { _ = m.admin.Close() }

// dsnFor is the DSN of database name, for the chii server (which applies its
// own session settings).
func (m *mysqlServer) dsnFor(name string) string {
	cfg := m.cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN()
}

// open returns a pool on database name ("" none) with the session settings of
// mysqldb.Open: utf8mb4, empty sql_mode, UTC.
func (m *mysqlServer) open(name string) (*sql.DB, error) {
	cfg := m.cfg.Clone()
	cfg.DBName = name
	if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci")); err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "''"
	cfg.Params["time_zone"] = "'+00:00'"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(4)
	return db, nil
}

// markerState is what benchhttp_marker says about a database.
type markerState int

const (
	dbMissing markerState = iota // no such database
	dbForeign                    // exists, has tables, no marker: not ours, never dropped
	dbOurs                       // exists and is empty or carries the marker
)

// inspect returns the state of database name and its marker's fingerprint
// ("" while a load is in progress or was interrupted).
func (m *mysqlServer) inspect(ctx context.Context, name string) (markerState, string, error) {
	var schemas, markers int
	err := m.admin.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?),
		(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?)`,
		name, name, markerTable).Scan(&schemas, &markers)
	if err != nil {
		return 0, "", err
	}
	if schemas == 0 {
		return dbMissing, "", nil
	}
	if markers == 0 {
		var n int
		if err := m.admin.QueryRowContext(ctx,
			"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", name).Scan(&n); err != nil {
			return 0, "", err
		}
		if n > 0 {
			return dbForeign, "", nil
		}
		return dbOurs, "", nil
	}
	var fp string
	err = m.admin.QueryRowContext(ctx, "SELECT fingerprint FROM `"+name+"`."+markerTable+" LIMIT 1").Scan(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return dbOurs, "", nil
	}
	return dbOurs, fp, err
}

// recreate drops database name (only when it is benchhttp's, or absent) and
// creates it empty with the marker table, whose fingerprint is empty until
// markLoaded: a load that is interrupted is redone by the next run.
func (m *mysqlServer) recreate(ctx context.Context, name string) error {
	state, _, err := m.inspect(ctx, name)
	if err != nil {
		return err
	}
	if state == dbForeign {
		return fmt.Errorf("database %s exists and was not made by benchhttp (it has no %s table): choose another -db, or drop it yourself", name, markerTable)
	}
	for _, stmt := range []string{
		"DROP DATABASE IF EXISTS `" + name + "`",
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
		"CREATE TABLE `" + name + "`." + markerTable + ` (
			fingerprint CHAR(64) NOT NULL DEFAULT '',
			loaded_at DATETIME NOT NULL,
			details VARCHAR(1000) NOT NULL DEFAULT ''
		) ENGINE=InnoDB COMMENT='benchhttp: this database may be dropped and reloaded by make bench-http / bench-crawl'`,
		"INSERT INTO `" + name + "`." + markerTable + " (loaded_at) VALUES (UTC_TIMESTAMP())",
	} {
		if _, err := m.admin.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("database %s: %w", name, err)
		}
	}
	return nil
}

func (m *mysqlServer) markLoaded(ctx context.Context, name, fingerprint, details string) error {
	_, err := m.admin.ExecContext(ctx, "UPDATE `"+name+"`."+markerTable+
		" SET fingerprint = ?, details = ?, loaded_at = UTC_TIMESTAMP()", fingerprint, details)
	return err
}

// loadDevEnv fills the (new, empty) database name with the dev dataset and fixture.
func (m *mysqlServer) loadDevEnv(ctx context.Context, name, shared, fixture string) error {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	err := testenv.LoadDevEnv(ctx, m.dsnFor(name), shared, testenv.WithData(), testenv.WithSQLFiles(fixture))
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("loading the dev dataset took longer than %s: %w", loadTimeout, err)
	}
	return err
}

// prepareBenchDB makes database name hold the dev dataset plus the fixture,
// reusing it when its marker matches the files.
func prepareBenchDB(ctx context.Context, m *mysqlServer, name, shared, fixture string, reload bool, out io.Writer) error {
	fp, err := fingerprint("bench/1", shared, fixture)
	if err != nil {
		return err
	}
	state, have, err := m.inspect(ctx, name)
	if err != nil {
		return fmt.Errorf("database %s: %w", name, err)
	}
	if state == dbOurs && have == fp && !reload {
		fmt.Fprintf(out, "database %s: reusing the dev dataset loaded by an earlier run (-reload to load it again)\n", name)
		return nil
	}
	start := time.Now()
	if err := m.recreate(ctx, name); err != nil {
		return err
	}
	if err := m.loadDevEnv(ctx, name, shared, fixture); err != nil {
		return err
	}
	if err := m.markLoaded(ctx, name, fp, "dev dataset + fixture-adjust.sql"); err != nil {
		return err
	}
	fmt.Fprintf(out, "database %s: loaded the dev dataset and fixture-adjust.sql in %s\n", name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// fingerprint hashes what a database is loaded from: a version of the
// procedure, the files of reference/dev-env and the fixture.
func fingerprint(procedure, shared, fixture string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", procedure)
	dir := filepath.Join(shared, "reference", "dev-env")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", dir, err)
	}
	sort.Strings(files)
	for _, f := range append(files, fixture) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(shared, f)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
