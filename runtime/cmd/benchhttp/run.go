package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bangumi/chii/contracttests/testenv"
)

const (
	defaultMySQLDSN = "root@tcp(127.0.0.1:3306)/"
	defaultRedisURL = "redis://127.0.0.1:6379/0"
	userAgent       = "chii-bench/1.0"

	buildTimeout = 5 * time.Minute
	readyTimeout = 30 * time.Second
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run is the whole benchmark; it returns after the server has stopped.
func run(ctx context.Context, o options, out io.Writer) (err error) {
	start := time.Now()
	root, err := moduleRoot(ctx, o.goCmd)
	if err != nil {
		return err
	}
	shared := o.shared
	if shared == "" {
		if shared, err = testenv.FindSharedDir(); err != nil {
			return fmt.Errorf("%w (or pass -shared)", err)
		}
	}
	shared, err = filepath.Abs(shared)
	if err != nil {
		return err
	}
	shareSh := filepath.Join(shared, "bench", "share.sh")
	fixture := filepath.Join(shared, "golden", "fixture-adjust.sql")
	needed := []string{filepath.Join(shared, "reference", "dev-env", "sql_script_load_order.txt"), fixture}
	if !o.crawl {
		needed = append(needed, shareSh)
	}
	for _, f := range needed {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("shared folder %s: %w", shared, err)
		}
	}
	if !o.crawl {
		for _, tool := range []string{"bash", "curl", "bc"} {
			if _, err := exec.LookPath(tool); err != nil {
				return fmt.Errorf("share.sh needs %s: %w", tool, err)
			}
		}
		if _, err := exec.LookPath("wrk"); err != nil {
			fmt.Fprintln(out, "wrk is not installed: share.sh will try `apt-get install -y wrk`")
		}
	}

	mysqlDSN := envOr("CHII_TEST_MYSQL_DSN", defaultMySQLDSN)
	my, err := connectMySQL(ctx, mysqlDSN)
	if err != nil {
		return fmt.Errorf("MySQL (CHII_TEST_MYSQL_DSN, default %s): %w — is MariaDB running? .ci/run starts it", defaultMySQLDSN, err)
	}
	defer my.close()
	redisURL := envOr("CHII_TEST_REDIS_URL", defaultRedisURL)
	rdb, err := connectRedis(ctx, redisURL)
	if err != nil {
		return fmt.Errorf("Redis (CHII_TEST_REDIS_URL, default %s): %w — is Redis running? .ci/run starts it", defaultRedisURL, err)
	}
	defer rdb.Close()

	tmp, err := os.MkdirTemp("", "benchhttp-")
	if err != nil {
		return err
	}
	keep := false // the log (and binary) stay when something failed
	defer func() {
		if !keep {
			_ = os.RemoveAll(tmp)
		}
	}()

	bin := filepath.Join(tmp, "chii")
	fmt.Fprintf(out, "building chii (%s build -o %s ./runtime/cmd/chii) while preparing the database\n", o.goCmd, bin)
	bctx, cancelBuild := context.WithCancel(ctx)
	defer cancelBuild()
	built := make(chan error, 1)
	go func() { built <- goBuild(bctx, o.goCmd, root, bin) }()

	var plan crawlPlan
	if o.crawl {
		plan, err = prepareCrawlDB(ctx, my, o.db, shared, fixture, o.subjects, o.reload, out)
	} else {
		err = prepareBenchDB(ctx, my, o.db, shared, fixture, o.reload, out)
	}
	if err != nil {
		cancelBuild()
		<-built
		return err
	}
	if err := <-built; err != nil {
		return err
	}
	if err := liftLoopbackBan(ctx, rdb, out); err != nil {
		return err
	}

	logPath := filepath.Join(tmp, "chii.log")
	env := serverEnv(os.Environ(), map[string]string{
		"CHII_HTTP_ADDR":        "", // set by startServer
		"CHII_MYSQL_DSN":        my.dsnFor(o.db),
		"CHII_REDIS_URL":        redisURL,
		"CHII_LOG_LEVEL":        "info", // no line per request; the response cache's figures at stop
		"CHII_LOG_FORMAT":       "json",
		"CHII_RATE_LIMIT_COUNT": "1000000000", // the benchmark is one client IP
		"CHII_SHUTDOWN_GRACE":   "5s",
	}, o.env)
	srv, err := startServer(ctx, bin, env, logPath)
	if err != nil {
		keep = true
		return fmt.Errorf("%w\nserver log: %s", err, logPath)
	}
	defer func() {
		if stopErr := srv.stop(10 * time.Second); stopErr != nil && err == nil {
			err = stopErr
		}
		if err != nil && ctx.Err() == nil { // not for Ctrl-C
			keep = true
			err = fmt.Errorf("%w\nserver log: %s%s", err, logPath, tail(logPath, 15))
		}
	}()
	if err := srv.waitReady(ctx, readyTimeout); err != nil {
		return err
	}
	fmt.Fprintf(out, "chii is ready on %s (pid %d, %s after start of benchhttp), MySQL database %s, Redis %s\n",
		srv.url, srv.pid(), time.Since(start).Round(100*time.Millisecond), o.db, redactURL(redisURL))
	rss := startRSSSampler(srv.pid(), 100*time.Millisecond)
	readyRSS := rss.current()

	if o.crawl {
		prefix, err := cachePrefix(bin)
		if err != nil {
			return err
		}
		n, err := deleteKeys(ctx, rdb, prefix+"*")
		if err != nil {
			return fmt.Errorf("deleting the server's cache entries %s*: %w", prefix, err)
		}
		fmt.Fprintf(out, "deleted %d cached entries under %s* in Redis: every request of the sweep is a cache miss\n", n, prefix)
		rss.reset()
		res, err := crawl(ctx, srv.url, plan, o.workers, o.requests, o.duration)
		if err != nil {
			return err
		}
		res.print(out, o.workers)
	} else {
		rss.reset()
		if err := runShare(ctx, shareSh, srv.url, o, out); err != nil {
			return err
		}
	}
	peak, ok := rss.stop()
	if ok {
		fmt.Fprintf(out, "server RSS: %s when ready, peak %s during the benchmark (VmRSS sampled every 100 ms)\n",
			mib(readyRSS), mib(peak))
	} else {
		fmt.Fprintln(out, "server RSS: not available (no /proc/<pid>/status)")
	}
	if err := srv.exited(); err != nil {
		return fmt.Errorf("the server stopped during the benchmark: %w", err)
	}
	if err := srv.stop(10 * time.Second); err != nil {
		return err
	}
	if line, err := cacheFigures(logPath); err != nil {
		fmt.Fprintf(out, "response cache: %v\n", err)
	} else {
		fmt.Fprintln(out, line)
	}
	return nil
}

// cacheFigures reads the last "response cache" line the server logged (at stop) and says how
// full its in-process tier got against its bound.
func cacheFigures(logPath string) (string, error) {
	f, err := os.Open(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	type figures struct {
		Bytes, PeakBytes, MaxBytes, Evictions, LocalHits, SharedHits, Misses, Stale, SharedErrors uint64
		Entries                                                                                   int
	}
	var last *figures
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg   string `json:"msg"`
			Cache struct {
				Bytes        uint64 `json:"bytes"`
				PeakBytes    uint64 `json:"peak_bytes"`
				MaxBytes     uint64 `json:"max_bytes"`
				Entries      int    `json:"entries"`
				LocalHits    uint64 `json:"local_hits"`
				SharedHits   uint64 `json:"shared_hits"`
				Misses       uint64 `json:"misses"`
				Stale        uint64 `json:"stale"`
				Evictions    uint64 `json:"evictions"`
				SharedErrors uint64 `json:"shared_errors"`
			} `json:"cache"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "response cache" {
			continue
		}
		c := line.Cache
		last = &figures{c.Bytes, c.PeakBytes, c.MaxBytes, c.Evictions, c.LocalHits, c.SharedHits, c.Misses, c.Stale, c.SharedErrors, c.Entries}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if last == nil {
		return "", errors.New("the server logged no figures (no \"response cache\" line)")
	}
	verdict := "within"
	if last.PeakBytes > last.MaxBytes {
		verdict = "OVER"
	}
	return fmt.Sprintf("response cache, in-process tier: peak %s %s its bound %s (%d entries, %s at stop, %d evictions); "+
		"%d local hits, %d shared hits, %d misses, %d stale, %d shared-tier errors",
		mib(int64(last.PeakBytes)), verdict, mib(int64(last.MaxBytes)), last.Entries, mib(int64(last.Bytes)), last.Evictions,
		last.LocalHits, last.SharedHits, last.Misses, last.Stale, last.SharedErrors), nil
}

// moduleRoot returns the folder of github.com/bangumi/chii's go.mod, as seen
// from the working directory.
func moduleRoot(ctx context.Context, goCmd string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	outb, err := exec.CommandContext(ctx, goCmd, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("%s env GOMOD: %w", goCmd, err)
	}
	gomod := strings.TrimSpace(string(outb))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run benchhttp from the chii repository (make bench-http)")
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(b, []byte("module github.com/bangumi/chii\n")) {
		return "", fmt.Errorf("%s is not github.com/bangumi/chii's go.mod: run benchhttp from the chii repository", gomod)
	}
	return filepath.Dir(gomod), nil
}

func goBuild(ctx context.Context, goCmd, root, bin string) error {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "./runtime/cmd/chii")
	cmd.Dir = root
	outb, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("building chii took longer than %s", buildTimeout)
		}
		return fmt.Errorf("building chii: %w\n%s", err, outb)
	}
	return nil
}

// serverEnv is base without any variable chii reads (CHII_* and bangumi's
// legacy names, so that the caller's shell cannot change the benchmark),
// plus set, plus extra (KEY=VALUE, last wins).
func serverEnv(base []string, set map[string]string, extra []string) []string {
	legacy := []string{"HTTP_HOST=", "HTTP_PORT=", "MYSQL_", "REDIS_URI=", "KAFKA_", "MEILISEARCH_", "RATE_LIMIT_"}
	var env []string
	for _, kv := range base {
		drop := strings.HasPrefix(kv, "CHII_")
		for _, p := range legacy {
			drop = drop || strings.HasPrefix(kv, p)
		}
		if !drop {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// runShare runs share.sh against url, its output going to out. share.sh and
// what it starts (the ceiling server, wrk) run in a process group of their
// own that is terminated when ctx ends.
func runShare(ctx context.Context, shareSh, url string, o options, out io.Writer) error {
	npaths := len(o.paths)
	if npaths == 0 {
		npaths = 4 // share.sh's default list
	}
	limit := time.Duration(npaths*o.rnds*2*(o.seconds+3))*time.Second + 3*time.Minute // + building the ceiling, installing wrk
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	args := []string{shareSh, url, strconv.Itoa(o.seconds), strconv.Itoa(o.connections), strconv.Itoa(o.rnds)}
	which := "share.sh's default endpoints"
	if len(o.paths) > 0 {
		which = "PATHS=" + strings.Join(o.paths, " ")
	}
	fmt.Fprintf(out, "running %s (%s)\n", strings.Join(args, " "), which)
	cmd := exec.CommandContext(ctx, "bash", args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATHS=") {
			env = append(env, kv)
		}
	}
	if len(o.paths) > 0 {
		env = append(env, "PATHS="+strings.Join(o.paths, " "))
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever of the group is left (wrk, ceiling)
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("share.sh did not finish within %s", limit)
	case err != nil:
		return fmt.Errorf("share.sh: %w", err)
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// tail returns the last n lines of the file at path, indented, for an error message.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return " (empty)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return ", last lines:\n  " + strings.Join(lines, "\n  ")
}
