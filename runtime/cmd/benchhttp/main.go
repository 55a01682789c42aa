// Command benchhttp benchmarks the chii server on MySQL and Redis, the way a
// newcomer runs it with `make bench-http` and `make bench-crawl`.
//
// Default mode (make bench-http): load the dev dataset (shared/reference/dev-env
// plus shared/golden/fixture-adjust.sql) into the database chii_bench, build
// and start chii on it with Redis, run shared/bench/share.sh against it (the
// server's share of the HTTP ceiling per endpoint), stop the server.
//
// Crawl mode (-crawl, make bench-crawl): clone the dev dataset into the
// database chii_crawl until it holds at least -subjects subjects (with
// proportional characters, persons and link rows), start chii on it, and
// sweep distinct ids with -workers concurrent clients (each id requested
// once, the server's Redis cache entries deleted first: every request is a
// cache miss), then report req/s, p50/p99 latency, status counts and the
// server's peak RSS. The generation copies the dev dataset with INSERT ...
// SELECT (new id = 1,000,000 + (copy-1)*n + rank of the original id) and takes
// about a minute on two cores.
//
// The server always listens on 127.0.0.1 (a free port), with CHII_LOG_LEVEL=warn
// and a rate limit no benchmark reaches; its log goes to a temporary file whose
// path is printed when something fails. It is stopped on exit and on Ctrl-C.
//
// Both databases are reused by the next run when a marker table
// (benchhttp_marker) says they were completely loaded from the same files
// with the same parameters; -reload forces a fresh load. A database that
// exists without that marker is never dropped.
//
// MySQL: CHII_TEST_MYSQL_DSN (a user allowed to create databases; its
// database name is ignored), default root@tcp(127.0.0.1:3306)/. Redis:
// CHII_TEST_REDIS_URL, default redis://127.0.0.1:6379/0. Run it from the
// repository (it builds ./runtime/cmd/chii).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// A closed stdout (| head) must not kill benchhttp before it stopped the
	// server: with SIGPIPE caught, the write fails and the run goes on.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	opts, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		stop()
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	err = run(ctx, opts, os.Stdout)
	interrupted := ctx.Err() != nil
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp: "+err.Error())
	}
	switch {
	case interrupted:
		fmt.Fprintln(os.Stderr, "benchhttp: interrupted")
		os.Exit(130)
	case err != nil:
		os.Exit(1)
	}
}

// options are the command line of benchhttp.
type options struct {
	crawl  bool
	goCmd  string
	shared string // the project's shared/ folder; "" finds it
	db     string // database name; "" is chii_bench or chii_crawl
	reload bool
	env    []string // extra KEY=VALUE for the server

	// bench-http: passed to share.sh
	paths                      []string // nil: share.sh's default endpoints
	seconds, connections, rnds int

	// bench-crawl
	subjects int
	workers  int
	requests int
	duration time.Duration
}

const (
	defaultBenchDB = "chii_bench"
	defaultCrawlDB = "chii_crawl"
)

// parseArgs reads the command line. Errors (and -h) have been reported on
// stderr when it returns one.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchhttp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: benchhttp [flags]           chii's share of the HTTP ceiling (share.sh) on the dev dataset
       benchhttp -crawl [flags]    a cold crawl of distinct ids on a cloned, larger dataset

MySQL: CHII_TEST_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/), Redis: CHII_TEST_REDIS_URL
(default redis://127.0.0.1:6379/0). Run from the repository: it builds ./runtime/cmd/chii.

`)
		fs.PrintDefaults()
	}
	var paths string
	var env multiFlag
	fs.BoolVar(&o.crawl, "crawl", false, "crawl mode: sweep distinct ids on the database -db (default "+defaultCrawlDB+")")
	fs.StringVar(&o.goCmd, "go", "go", "the go command that builds chii")
	fs.StringVar(&o.shared, "shared", "", "the project's shared/ folder (default: CHII_SHARED_DIR, else found above the working directory)")
	fs.StringVar(&o.db, "db", "", "database to load and serve (default "+defaultBenchDB+", with -crawl "+defaultCrawlDB+"); dropped and reloaded only when it carries benchhttp's marker")
	fs.BoolVar(&o.reload, "reload", false, "reload the database even when its marker says it is up to date")
	fs.Var(&env, "env", "extra `KEY=VALUE` for the server's environment (repeatable), e.g. -env CHII_MYSQL_MAX_OPEN_CONNS=32")
	fs.StringVar(&paths, "paths", "", "space-separated endpoints for share.sh (default: share.sh's own list)")
	fs.IntVar(&o.seconds, "seconds", 5, "share.sh: seconds per wrk run")
	fs.IntVar(&o.connections, "connections", 32, "share.sh: wrk connections")
	fs.IntVar(&o.rnds, "rounds", 2, "share.sh: rounds (the median is reported)")
	fs.IntVar(&o.subjects, "subjects", 200_000, "crawl: at least this many subjects in the crawl database")
	fs.IntVar(&o.workers, "workers", 32, "crawl: concurrent clients")
	fs.IntVar(&o.requests, "requests", 200_000, "crawl: at most this many requests (each id once)")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "crawl: at most this long")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o.env = env
	o.paths = strings.Fields(paths)
	if o.db == "" {
		o.db = defaultBenchDB
		if o.crawl {
			o.db = defaultCrawlDB
		}
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	if !validDBName(o.db) {
		problems = append(problems, fmt.Sprintf("-db %q: want letters, digits and _ only, and not a system database", o.db))
	}
	for _, p := range o.paths {
		if !strings.HasPrefix(p, "/") {
			problems = append(problems, fmt.Sprintf("-paths: %q does not start with /", p))
		}
	}
	for _, kv := range o.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			problems = append(problems, fmt.Sprintf("-env %q: want KEY=VALUE", kv))
		}
	}
	positive := func(name string, v int) {
		if v <= 0 {
			problems = append(problems, fmt.Sprintf("-%s %d: must be positive", name, v))
		}
	}
	positive("seconds", o.seconds)
	positive("connections", o.connections)
	positive("rounds", o.rnds)
	positive("subjects", o.subjects)
	positive("workers", o.workers)
	positive("requests", o.requests)
	if o.duration <= 0 {
		problems = append(problems, fmt.Sprintf("-duration %s: must be positive", o.duration))
	}
	if o.subjects > maxCrawlSubjects {
		problems = append(problems, fmt.Sprintf("-subjects %d: at most %d (ids must fit MEDIUMINT UNSIGNED)", o.subjects, maxCrawlSubjects))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "benchhttp: "+p)
		}
		fmt.Fprintln(stderr, "run benchhttp -h for usage")
		return options{}, errors.New(strings.Join(problems, "; "))
	}
	return o, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func validDBName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	switch strings.ToLower(name) {
	case "mysql", "information_schema", "performance_schema", "sys", "bangumi":
		return false
	}
	return true
}
