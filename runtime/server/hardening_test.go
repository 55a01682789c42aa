package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
)

// fastConfig is the server's configuration with every bound lowered so the tests run in
// well under a second per phase.
func fastConfig() config.Config {
	cfg := testConfig(2 * time.Second)
	cfg.HTTP = config.HTTP{
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       500 * time.Millisecond,
		WriteTimeout:      3 * time.Second,
		IdleTimeout:       300 * time.Millisecond,
		MaxHeaderBytes:    8 << 10,
		MaxBodyBytes:      1024,
		RequestTimeout:    2 * time.Second,
	}
	return cfg
}

type testServer struct {
	addr   string
	logs   *syncBuf
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start runs serveOn on a fresh listener (wrapped by wrap when not nil) until the test ends.
func start(t *testing.T, ctx context.Context, cfg config.Config, checker *health.Checker, api http.Handler, wrap func(net.Listener) net.Listener) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		ln = wrap(ln)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &testServer{addr: ln.Addr().String(), logs: &syncBuf{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- serveOn(ctx, ln, cfg, slog.New(slog.NewJSONHandler(s.logs, nil)), checker, api) }()
	listenAddr(t, s.logs)
	t.Cleanup(func() { s.cancel(); s.wait(t) })
	return s
}

// wait returns serveOn's result, failing the test if it takes more than 10s.
func (s *testServer) wait(t *testing.T) error {
	t.Helper()
	s.once.Do(func() {
		select {
		case s.err = <-s.done:
		case <-time.After(10 * time.Second):
			s.err = errors.New("serveOn did not return within 10s")
			t.Error(s.err)
		}
	})
	return s.err
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // no test waits forever
	return c
}

// untilClosed reads c until the server closes it and returns how long that took from since;
// err is nil when the server closed the connection (EOF or reset), not the test's deadline.
func untilClosed(c net.Conn, since time.Time) (time.Duration, error) {
	_, err := io.Copy(io.Discard, c)
	took := time.Since(since)
	if err == nil || errors.Is(err, syscall.ECONNRESET) {
		return took, nil
	}
	return took, err
}

// A client that declares a 10-byte body and sends 5 has its connection closed at the read
// timeout, whether the handler reads the body (it gets an i/o timeout) or not (the server
// drains the body after the answer, under the same deadline).
func TestServer_StalledBodyIsCut(t *testing.T) {
	cfg := fastConfig()
	readErr := make(chan error, 1)
	for _, tc := range []struct {
		name string
		api  http.HandlerFunc
	}{
		{"HandlerReadsBody", func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			readErr <- err
			if err != nil {
				http.Error(w, "bad body", http.StatusBadRequest)
			}
		}},
		{"HandlerIgnoresBody", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, t.Context(), cfg, health.New(), tc.api, nil)
			c := dial(t, s.addr)
			begin := time.Now()
			if _, err := io.WriteString(c, "POST /v0/x HTTP/1.1\r\nHost: chii\r\nUser-Agent: t\r\nContent-Length: 10\r\n\r\nhello"); err != nil {
				t.Fatal(err)
			}
			took, err := untilClosed(c, begin)
			if err != nil {
				t.Fatalf("connection not closed by the server after %v: %v", took, err)
			}
			if lo, hi := cfg.HTTP.ReadTimeout*8/10, cfg.HTTP.ReadTimeout+time.Second; took < lo || took > hi {
				t.Errorf("stalled body cut after %v, want about the read timeout %v", took, cfg.HTTP.ReadTimeout)
			}
			t.Logf("stalled body (read timeout %v): connection closed after %v", cfg.HTTP.ReadTimeout, took.Round(time.Millisecond))
			if tc.name == "HandlerReadsBody" {
				var ne net.Error
				if err := <-readErr; !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("handler's body read = %v, want an i/o timeout", err)
				}
			}
		})
	}
}

// A client that sends its headers a byte at a time is cut by the header timeout, long before
// the read timeout.
func TestServer_SlowlorisHeadersAreCut(t *testing.T) {
	cfg := fastConfig()
	cfg.HTTP.ReadTimeout = 3 * time.Second
	s := start(t, t.Context(), cfg, health.New(), http.NotFoundHandler(), nil)
	c := dial(t, s.addr)
	begin := time.Now()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: chii\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one header byte every 50ms, never the end of the headers
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(c, "a"); err != nil {
					return
				}
			}
		}
	}()
	took, err := untilClosed(c, begin)
	if err != nil {
		t.Fatalf("connection not closed by the server after %v: %v", took, err)
	}
	if lo, hi := cfg.HTTP.ReadHeaderTimeout*8/10, cfg.HTTP.ReadHeaderTimeout+700*time.Millisecond; took < lo || took > hi {
		t.Errorf("slowloris cut after %v, want about the header timeout %v", took, cfg.HTTP.ReadHeaderTimeout)
	}
	t.Logf("slowloris (header timeout %v): connection closed after %v", cfg.HTTP.ReadHeaderTimeout, took.Round(time.Millisecond))
}

// limitListener accepts at most n connections at a time (a stand-in for a file-descriptor
// limit): the others wait in the kernel's accept queue.
type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &releaseConn{Conn: c, release: func() { <-l.slots }}, nil
}

type releaseConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *releaseConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// 200 clients that stall their bodies do not keep a normal client from being served: each
// stalled connection is closed at the read timeout, so with the connections capped at 50
// (as a file-descriptor limit would) the normal client waits at most for 200/50 rounds of
// it; without a cap it is served at once.
func TestServer_StalledClientsDoNotStarveOthers(t *testing.T) {
	const stalled = 1000
	cfg := fastConfig()
	cfg.HTTP.ReadTimeout = 300 * time.Millisecond
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
		}
	})
	for _, tc := range []struct {
		name       string
		cap        int
		wantServed time.Duration
	}{
		{name: "NoCap", wantServed: 250 * time.Millisecond},     // before the first stalled client is cut
		{name: "Cap200", cap: 200, wantServed: 5 * time.Second}, // 5 rounds of 300ms, and slack
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wrap func(net.Listener) net.Listener
			if tc.cap > 0 {
				wrap = func(l net.Listener) net.Listener {
					return &limitListener{Listener: l, slots: make(chan struct{}, tc.cap)}
				}
			}
			s := start(t, t.Context(), cfg, health.New(), api, wrap)

			var wg sync.WaitGroup
			closed := make(chan time.Duration, stalled)
			failed := make(chan error, stalled)
			for range stalled {
				c := dial(t, s.addr)
				begin := time.Now()
				if _, err := io.WriteString(c, "POST /v0/x HTTP/1.1\r\nHost: chii\r\nUser-Agent: t\r\nContent-Length: 10\r\n\r\nhello"); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					took, err := untilClosed(c, begin)
					if err != nil {
						failed <- err
					}
					closed <- took
				})
			}

			begin := time.Now()
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
			resp, err := client.Do(req)
			served := time.Since(begin)
			if err != nil {
				t.Fatalf("normal client: %v after %v", err, served)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || served > tc.wantServed {
				t.Errorf("normal client: %d after %v, want 200 within %v", resp.StatusCode, served, tc.wantServed)
			}

			wg.Wait()
			close(closed)
			close(failed)
			for err := range failed {
				t.Errorf("a stalled connection was not closed by the server: %v", err)
			}
			var slowest time.Duration
			for d := range closed {
				slowest = max(slowest, d)
			}
			t.Logf("%d stalled clients, cap %d, read timeout %v: normal client served in %v, last stalled connection closed after %v",
				stalled, tc.cap, cfg.HTTP.ReadTimeout, served.Round(time.Millisecond), slowest.Round(time.Millisecond))
		})
	}
}

// A kept-alive connection that sends no further request is closed after the idle timeout.
func TestServer_IdleKeepAliveIsClosed(t *testing.T) {
	cfg := fastConfig()
	cfg.HTTP.ReadTimeout = 3 * time.Second // net/http falls back to it without an idle timeout
	s := start(t, t.Context(), cfg, health.New(), http.NotFoundHandler(), nil)
	c := dial(t, s.addr)
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: chii\r\nUser-Agent: t\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("first answer %d (close %v), want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}
	begin := time.Now()
	_, err = br.ReadByte()
	took := time.Since(begin)
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("idle connection: %v after %v, want closed by the server", err, took)
	}
	if lo, hi := cfg.HTTP.IdleTimeout*8/10, cfg.HTTP.IdleTimeout+time.Second; took < lo || took > hi {
		t.Errorf("idle connection closed after %v, want about the idle timeout %v", took, cfg.HTTP.IdleTimeout)
	}
	t.Logf("idle keep-alive (idle timeout %v): closed after %v", cfg.HTTP.IdleTimeout, took.Round(time.Millisecond))
}

// Thousands of kept-alive connections that send nothing more are all closed after the idle
// timeout, and the memory they held is returned.
func TestServer_ManyIdleKeepAlivesAreClosed(t *testing.T) {
	const conns = 5000
	cfg := fastConfig()
	cfg.HTTP.IdleTimeout = time.Second
	s := start(t, t.Context(), cfg, health.New(), http.NotFoundHandler(), nil)
	heap := func() uint64 {
		// Twice: net/http keeps a closed connection's buffers in a sync.Pool, which the first
		// collection only moves to its victim cache.
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	readers := make([]*bufio.Reader, conns)
	clients := make([]net.Conn, conns)
	defer func() { // on an early failure; each is closed below otherwise
		for _, c := range clients {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	for i := range conns {
		// Not dial(): its cleanup would keep every connection reachable until the test ends.
		c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		clients[i] = c
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: chii\r\nUser-Agent: t\r\n\r\n"); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		br := bufio.NewReaderSize(c, 512)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		readers[i] = br
	}
	held := heap()
	begin := time.Now()
	var wg sync.WaitGroup
	var open atomic.Int64
	for i := range conns {
		wg.Go(func() {
			if _, err := readers[i].ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
				open.Add(1) // the test's own 10 s deadline, not the server, ended the read
			}
			_ = clients[i].Close()
			readers[i], clients[i] = nil, nil
		})
	}
	wg.Wait()
	took := time.Since(begin)
	if n := open.Load(); n > 0 {
		t.Errorf("%d of %d idle connections were not closed by the server", n, conns)
	}
	after := heap()
	t.Logf("%d idle keep-alive connections: heap %.1f MiB before, %.1f MiB while held, %.1f MiB after the server closed them (idle timeout %v, all closed within %v)",
		conns, mib(before), mib(held), mib(after), cfg.HTTP.IdleTimeout, took.Round(time.Millisecond))
	if after > before+(held-before)/4 {
		t.Errorf("heap %.1f MiB after the connections closed, want most of the %.1f MiB they held returned (%.1f MiB before)",
			mib(after), mib(held-before), mib(before))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// A body larger than CHII_HTTP_MAX_BODY_BYTES: declared, it is answered 413 with bangumi's
// error body before any handler runs; chunked, the handler's read fails past the limit.
func TestServer_BodyLimit(t *testing.T) {
	cfg := fastConfig() // 1024 bytes
	type seen struct {
		n   int
		err error
	}
	calls := make(chan seen, 10)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		calls <- seen{len(b), err}
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s := start(t, t.Context(), cfg, health.New(), api, nil)

	t.Run("DeclaredTooLarge", func(t *testing.T) {
		c := dial(t, s.addr)
		if _, err := io.WriteString(c, "POST /v0/characters/1/collect?a=1 HTTP/1.1\r\nHost: chii\r\nUser-Agent: t\r\nCf-Ray: ray-1\r\nContent-Length: 1025\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"title":       "Request Entity Too Large",
			"description": "request body is larger than 1024 bytes",
			"request_id":  "ray-1",
			"details":     map[string]any{"path": "/v0/characters/1/collect", "method": "POST", "query_string": "a=1"},
		}
		if diff := cmp.Diff(want, body); resp.StatusCode != 413 || diff != "" {
			t.Errorf("answer %d, want 413; body (-want +got):\n%s", resp.StatusCode, diff)
		}
		if !resp.Close || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("413 with Connection close %v, Content-Type %q; want close and application/json", resp.Close, resp.Header.Get("Content-Type"))
		}
		select {
		case got := <-calls:
			t.Errorf("the handler ran (%+v), want the request refused before", got)
		default:
		}
	})
	post := func(t *testing.T, body io.Reader) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/v0/x", body)
		req.Header.Set("User-Agent", "t")
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("ChunkedTooLarge", func(t *testing.T) {
		// A reader without a length: the client sends it chunked, without Content-Length.
		code := post(t, io.MultiReader(strings.NewReader(strings.Repeat("a", 1000)), strings.NewReader(strings.Repeat("b", 1000))))
		got := <-calls
		var mbe *http.MaxBytesError
		if !errors.As(got.err, &mbe) || mbe.Limit != 1024 || got.n != 1024 || code != 413 {
			t.Errorf("handler read %d bytes, err %v (answer %d); want 1024 then *http.MaxBytesError", got.n, got.err, code)
		}
	})
	t.Run("AtTheLimit", func(t *testing.T) {
		code := post(t, strings.NewReader(strings.Repeat("a", 1024)))
		if got := <-calls; got.err != nil || got.n != 1024 || code != 204 {
			t.Errorf("handler read %d bytes, err %v (answer %d); want all 1024 and 204", got.n, got.err, code)
		}
	})
}

// The read timeout bounds reading the request, not the handler: a handler that runs past it
// (within its own deadline) keeps its context and answers. (net/http lifts the read deadline
// once the request is read; this holds it to that.)
func TestServer_HandlerOutlivesReadTimeout(t *testing.T) {
	cfg := fastConfig()
	cfg.HTTP.ReadTimeout = 200 * time.Millisecond
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case <-time.After(3 * cfg.HTTP.ReadTimeout):
			_, _ = fmt.Fprintf(w, "ok %d", len(b))
		case <-r.Context().Done():
			http.Error(w, "cancelled: "+context.Cause(r.Context()).Error(), http.StatusInternalServerError)
		}
	})
	s := start(t, t.Context(), cfg, health.New(), api, nil)
	for _, tc := range []struct {
		name, method, body, want string
	}{
		{"NoBody", http.MethodGet, "", "ok 0"},
		{"WithBody", http.MethodPost, "hello", "ok 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://"+s.addr+"/v0/x", strings.NewReader(tc.body))
			req.Header.Set("User-Agent", "t")
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != tc.want {
				t.Errorf("answer %d %q, want 200 %q", resp.StatusCode, b, tc.want)
			}
		})
	}
}

func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// /readyz of the whole server (Run, with the dependencies deps.Open makes) answers from the
// background checks: a frozen Redis costs it nothing and leaves it 200 "degraded"; MySQL down
// makes it 503.
func TestRun_Readiness(t *testing.T) {
	frozen, closed := testenv.Frozen(t), closedAddr(t)
	tests := []struct {
		name         string
		env          map[string]string
		wantCode     int
		wantStatus   string
		wantFailing  []string
		wantDegraded []string
		wantCause    map[string]string // dependency → text its message contains
	}{
		{
			name: "RedisFrozen", env: map[string]string{"CHII_REDIS_URL": "redis://" + frozen + "/0"},
			wantCode: 200, wantStatus: "degraded", wantDegraded: []string{"redis"},
		},
		{
			name: "RedisRefused", env: map[string]string{"CHII_REDIS_URL": "redis://" + closed + "/0"},
			wantCode: 200, wantStatus: "degraded", wantDegraded: []string{"redis"},
			wantCause: map[string]string{"redis": "dial tcp " + closed + ": connect: connection refused"},
		},
		{
			name: "MySQLRefused", env: map[string]string{"CHII_MYSQL_DSN": "u:p@tcp(" + closed + ")/bangumi"},
			wantCode: 503, wantStatus: "unavailable", wantFailing: []string{"mysql"},
			wantCause: map[string]string{"mysql": "dial tcp " + closed + ": connect: connection refused"},
		},
		{
			name:     "MySQLRefusedRedisFrozen",
			env:      map[string]string{"CHII_MYSQL_DSN": "u:p@tcp(" + closed + ")/bangumi", "CHII_REDIS_URL": "redis://" + frozen + "/0"},
			wantCode: 503, wantStatus: "unavailable", wantFailing: []string{"mysql"}, wantDegraded: []string{"redis"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["CHII_HTTP_ADDR"] = "127.0.0.1:0"
			addr := listenAddr(t, runServer(t, tt.env))

			client := &http.Client{Timeout: 5 * time.Second}
			var slowest time.Duration
			for i := range 20 {
				begin := time.Now()
				resp, err := client.Get("http://" + addr + "/readyz")
				slowest = max(slowest, time.Since(begin))
				if err != nil {
					t.Fatal(err)
				}
				var body struct {
					Status   string
					Failing  map[string]string
					Degraded map[string]string
				}
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tt.wantCode || body.Status != tt.wantStatus ||
					!cmp.Equal(keys(body.Failing), tt.wantFailing) || !cmp.Equal(keys(body.Degraded), tt.wantDegraded) {
					t.Fatalf("/readyz #%d = %d %+v, want %d %s failing %v degraded %v",
						i, resp.StatusCode, body, tt.wantCode, tt.wantStatus, tt.wantFailing, tt.wantDegraded)
				}
				for dep, cause := range tt.wantCause {
					if msg := body.Failing[dep] + body.Degraded[dep]; !strings.Contains(msg, cause) {
						t.Errorf("/readyz names %s with %q, want it to contain %q", dep, msg, cause)
					}
				}
				if i == 0 {
					t.Logf("/readyz = %d %+v", resp.StatusCode, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if slowest > 100*time.Millisecond {
				t.Errorf("slowest /readyz took %v, want < 100ms", slowest)
			}
			t.Logf("slowest of 20 /readyz: %v", slowest.Round(time.Microsecond))
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// SIGTERM with a slow request in flight: /readyz turns 503 "stopping" at once and the server
// keeps serving through the drain, the slow request gets its answer, then serveOn returns nil
// and the port is closed.
func TestServe_SIGTERMDrainsThenAnswersInFlight(t *testing.T) {
	cfg := fastConfig()
	cfg.ShutdownDrain = 800 * time.Millisecond
	const slow = 1500 * time.Millisecond // outlasts the drain
	started := make(chan struct{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(slow)
		}
		_, _ = io.WriteString(w, "done")
	})
	// As runtime/cmd/chii does: the process's SIGTERM cancels the context.
	ctx, stop := signal.NotifyContext(t.Context(), syscall.SIGTERM)
	defer stop()
	s := start(t, ctx, cfg, health.New(health.Check{Name: "mysql", Ping: func(context.Context) error { return nil }}), api, nil)
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (int, string, bool, error) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+path, nil)
		req.Header.Set("User-Agent", "t")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", false, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b)), resp.Close, nil
	}
	if code, body, _, err := get("/readyz"); err != nil || code != 200 {
		t.Fatalf("/readyz before SIGTERM = %d %s %v, want 200", code, body, err)
	}

	type result struct {
		code int
		body string
		err  error
		at   time.Duration
	}
	slowRes := make(chan result, 1)
	var signalled time.Time
	go func() {
		code, body, _, err := get("/slow")
		slowRes <- result{code, body, err, time.Since(signalled)}
	}()
	<-started
	signalled = time.Now()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()

	// During the drain: readiness says stopping, other requests are still served (and told to
	// close their connections). The server's goroutine sees the signal a moment after this one
	// does: poll, within the drain.
	var (
		code      int
		body      string
		closeConn bool
		err       error
	)
	for deadline := signalled.Add(cfg.ShutdownDrain * 3 / 4); ; {
		code, body, _, err = get("/readyz")
		if err == nil && code == 503 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || code != 503 || body != `{"status":"stopping"}` {
		t.Errorf("/readyz during the drain = %d %s %v, want 503 {\"status\":\"stopping\"}", code, body, err)
	}
	if code, body, closeConn, err = get("/v0/other"); err != nil || code != 200 || !closeConn {
		t.Errorf("request during the drain = %d %s (close %v) %v, want 200 with Connection: close", code, body, closeConn, err)
	}

	r := <-slowRes
	if r.err != nil || r.code != 200 || r.body != "done" {
		t.Errorf("in-flight request = %d %q %v, want 200 done", r.code, r.body, r.err)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("serveOn() = %v, want nil", err)
	}
	stopped := time.Since(signalled)
	if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
	t.Logf("SIGTERM: in-flight request answered %v after the signal, server stopped after %v (drain %v)",
		r.at.Round(time.Millisecond), stopped.Round(time.Millisecond), cfg.ShutdownDrain)
}

// With the shortest grace config.Load accepts (the request timeout and 1s), a request that
// runs to its deadline when the stop comes still gets its answer. (With the grace equal to the
// request timeout it loses the race against the end of the grace: the connection is closed.)
func TestServe_GraceCoversRequestDeadline(t *testing.T) {
	cfg := fastConfig()
	cfg.HTTP.RequestTimeout = 300 * time.Millisecond
	cfg.ShutdownGrace = cfg.HTTP.RequestTimeout + config.MinGraceMargin
	started := make(chan struct{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // a request that takes all of its time
		http.Error(w, "deadline", http.StatusGatewayTimeout)
	})
	ctx, cancel := context.WithCancel(t.Context())
	s := start(t, ctx, cfg, health.New(), api, nil)
	res := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/v0/x", nil)
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusGatewayTimeout {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		res <- err
	}()
	<-started
	cancel()
	if err := <-res; err != nil {
		t.Errorf("request in flight at the stop: %v, want its answer", err)
	}
	if err := s.wait(t); err != nil {
		t.Errorf("serveOn() = %v, want nil", err)
	}
}
