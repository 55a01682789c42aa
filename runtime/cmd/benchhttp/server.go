package main

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// server is a chii server process started by benchhttp.
type server struct {
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:port
	done chan struct{}
	err  error // of Wait, once done is closed
	log  *os.File
}

// startServer starts `bin server` on a free loopback port with env, its
// stdout and stderr going to logPath. The process is terminated if
// benchhttp dies (Pdeathsig) and must otherwise be stopped with stop.
func startServer(ctx context.Context, bin string, env []string, logPath string) (*server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server")
	cmd.Env = append(env, "CHII_HTTP_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A process group of its own: Ctrl-C in the terminal reaches benchhttp only,
	// which then stops the server in order (SIGTERM, grace, SIGKILL).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("starting %s server: %w", bin, err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, done: make(chan struct{}), log: logf}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// exited returns nil while the server runs, else why it ended.
func (s *server) exited() error {
	select {
	case <-s.done:
		if s.err == nil {
			return errors.New("exited with status 0")
		}
		return s.err
	default:
		return nil
	}
}

// waitReady polls GET /readyz until it answers 200, the process exits, ctx
// ends or timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", userAgent)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-s.done:
			return fmt.Errorf("chii exited before it was ready: %v", s.exited())
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("chii was not ready within %s (last /readyz: %s)", timeout, last)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM, waits up to grace, then kills the process. It returns
// an error when the server did not exit cleanly on SIGTERM.
func (s *server) stop(grace time.Duration) error {
	defer s.log.Close()
	select {
	case <-s.done:
		return nil // already gone; exited() tells why
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		var exit *exec.ExitError
		if errors.As(s.err, &exit) {
			return fmt.Errorf("chii exited with %v after SIGTERM", exit)
		}
		return nil
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("chii did not stop within %s of SIGTERM: killed", grace)
	}
}

// rssSampler records the peak VmRSS of a process.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64
	ok   bool
	quit chan struct{}
	done chan struct{}
}

func startRSSSampler(pid int, every time.Duration) *rssSampler {
	r := &rssSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	r.sample()
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-r.quit:
				return
			case <-t.C:
				r.sample()
			}
		}
	}()
	return r
}

func (r *rssSampler) sample() {
	v, err := readVmRSS(r.pid)
	if err != nil {
		return // the process is gone, or no /proc: the caller sees ok=false or the last peak
	}
	r.mu.Lock()
	r.ok = true
	r.peak = max(r.peak, v)
	r.mu.Unlock()
}

// current returns the RSS now (0 when unknown).
func (r *rssSampler) current() int64 {
	v, _ := readVmRSS(r.pid)
	return v
}

// reset forgets the peak so far (the start-up and loading phases).
func (r *rssSampler) reset() {
	r.mu.Lock()
	r.peak = 0
	r.mu.Unlock()
	r.sample()
}

// stop ends the sampling and returns the peak; ok is false when no sample succeeded.
func (r *rssSampler) stop() (peak int64, ok bool) {
	r.sample()
	close(r.quit)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak, r.ok
}

func readVmRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS returns the VmRSS line of a /proc/<pid>/status in bytes.
func parseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS line (a zombie or kernel thread?)")
}

// cachePrefix returns the Redis key prefix of the cache of the chii binary at
// bin: "chii:<version>:" as runtime/server composes it, where the version is
// the main module's version, else the first 12 characters of its VCS
// revision, else "dev" (server.Version, read from the binary instead of the
// running program).
func cachePrefix(bin string) (string, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("reading the build info of %s: %w", bin, err)
	}
	version := "dev"
	if v := info.Main.Version; v != "" && v != "(devel)" {
		version = v
	} else {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				version = s.Value[:12]
			}
		}
	}
	return "chii:" + version + ":", nil
}

// quietRedis drops go-redis's own log lines: connectRedis reports its errors.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func connectRedis(ctx context.Context, rawURL string) (*redis.Client, error) {
	redis.SetLogger(quietRedis{})
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", redactURL(rawURL), err)
	}
	opts.DialTimeout = 3 * time.Second
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("ping %s: %w", opts.Addr, err)
	}
	return c, nil
}

// deleteKeys removes every key matching pattern (SCAN + UNLINK) and returns how many.
func deleteKeys(ctx context.Context, c *redis.Client, pattern string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}

// liftLoopbackBan deletes the rate limiter's state of the client 127.0.0.1
// (production key names, no prefix): a ban left by an earlier run of the
// server with the default limits would turn the benchmark into 429s.
func liftLoopbackBan(ctx context.Context, c *redis.Client, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	long := "chii:rate-limit:long:3:ip:127.0.0.1"
	banned, err := c.Exists(ctx, long).Result()
	if err != nil {
		return fmt.Errorf("Redis: %w", err)
	}
	if err := c.Del(ctx, long, "chii:rate-limit:rate:3:ip:127.0.0.1").Err(); err != nil {
		return fmt.Errorf("Redis: %w", err)
	}
	if banned > 0 {
		fmt.Fprintln(out, "lifted a rate-limit ban of 127.0.0.1 left in Redis by an earlier run")
	}
	return nil
}

// redactURL hides the password of a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}
