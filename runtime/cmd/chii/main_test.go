package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// chiiBinary builds the real binary once per test run.
func chiiBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chii-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "chii")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// cleanEnv is the test's environment without CHII_ and bangumi's variables, plus kv.
func cleanEnv(kv ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		if strings.HasPrefix(name, "CHII_") || strings.HasPrefix(name, "MYSQL_") || strings.HasPrefix(name, "KAFKA_") ||
			strings.HasPrefix(name, "HTTP_") || strings.HasPrefix(name, "REDIS_") || strings.HasPrefix(name, "MEILISEARCH_") ||
			strings.HasPrefix(name, "RATE_LIMIT_") {
			continue
		}
		env = append(env, e)
	}
	return append(env, kv...)
}

func TestBinary_UsageAndConfigErrorsExit2(t *testing.T) {
	bin := chiiBinary(t)
	tests := []struct {
		args []string
		env  []string
		want string
	}{
		{args: []string{"nosuch"}, want: "Usage: chii <command>"},
		{args: []string{"server", "-bogus"}, want: "Usage: chii server"},
		{args: []string{"server"}, env: []string{"CHII_HTTP_ADDR=nonsense"}, want: "CHII_HTTP_ADDR"},
	}
	for _, tt := range tests {
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = cleanEnv(tt.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
			t.Errorf("chii %v: %v, want exit status 2", tt.args, err)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("chii %v: stderr lacks %q:\n%s", tt.args, tt.want, stderr.String())
		}
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestBinary_SIGTERM starts each process, waits until it works, sends
// SIGTERM and expects exit status 0 within the grace period, with a start
// line and a stop line.
func TestBinary_SIGTERM(t *testing.T) {
	bin := chiiBinary(t)
	broker := closedPort(t)
	const grace = 5 * time.Second
	tests := []struct {
		name  string
		args  []string
		env   []string
		ready string // log message that shows the process is at work
	}{
		{name: "server", args: []string{"server"}, env: []string{"CHII_HTTP_ADDR=127.0.0.1:0"}, ready: "listening"},
		{
			name: "canal", args: []string{"worker", "canal"},
			env:   []string{"CHII_KAFKA_BROKERS=" + broker, "CHII_KAFKA_TOPICS=debezium.chii.bangumi.chii_subjects"},
			ready: "dependency unavailable",
		},
		{
			// The timeline worker requires MySQL: the same closed port, so that every
			// dependency failure line names that address.
			name: "timeline", args: []string{"worker", "timeline"},
			env:   []string{"CHII_KAFKA_BROKERS=" + broker, "CHII_MYSQL_DSN=u:p@tcp(" + broker + ")/bangumi"},
			ready: "dependency unavailable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = cleanEnv(append(tt.env, "CHII_SHUTDOWN_GRACE="+grace.String())...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			lines := make(chan map[string]any, 1000)
			var all bytes.Buffer
			var mu sync.Mutex
			go func() {
				sc := bufio.NewScanner(io.TeeReader(stdout, writerFunc(func(p []byte) { mu.Lock(); all.Write(p); mu.Unlock() })))
				for sc.Scan() {
					var m map[string]any
					if json.Unmarshal(sc.Bytes(), &m) == nil {
						lines <- m
					}
				}
				close(lines)
			}()
			seen := map[string]map[string]any{}
			wait := func(msg string, d time.Duration) map[string]any {
				t.Helper()
				timeout := time.After(d)
				for seen[msg] == nil {
					select {
					case m, ok := <-lines:
						if !ok {
							mu.Lock()
							defer mu.Unlock()
							t.Fatalf("output ended before %q:\n%s\nstderr:\n%s", msg, all.String(), stderr.String())
						}
						if s, _ := m["msg"].(string); seen[s] == nil {
							seen[s] = m
						}
					case <-timeout:
						mu.Lock()
						defer mu.Unlock()
						t.Fatalf("no %q line within %v:\n%s", msg, d, all.String())
					}
				}
				return seen[msg]
			}
			startLine := wait("chii starting", 15*time.Second)
			if startLine["config"] == nil {
				t.Errorf("start line without configuration: %v", startLine)
			}
			ready := wait(tt.ready, 15*time.Second)
			if tt.name == "server" {
				resp, err := http.Get("http://" + ready["addr"].(string) + "/healthz")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else if ready["addr"] != broker {
				t.Errorf("broker failure logged without host:port: %v", ready)
			}

			sent := time.Now()
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			wait("chii stopped", grace+5*time.Second)
			for range lines { // drain until stdout closes
			}
			err = cmd.Wait()
			took := time.Since(sent)
			if err != nil {
				t.Errorf("exit after SIGTERM: %v (stderr %s), want status 0", err, stderr.String())
			}
			if took > grace {
				t.Errorf("took %v to exit after SIGTERM, grace is %v", took, grace)
			}
		})
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
