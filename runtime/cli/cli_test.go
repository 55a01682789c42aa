package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/runtime/cli"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestMain_Usage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string // substring; "" = stderr must be empty
		wantStdout string
	}{
		{name: "NoCommand", args: nil, wantCode: 2, wantStderr: "Usage: chii <command>"},
		{name: "UnknownCommand", args: []string{"nosuch"}, wantCode: 2, wantStderr: `unknown command "nosuch"`},
		{name: "UnknownWorker", args: []string{"worker", "nosuch"}, wantCode: 2, wantStderr: "Usage: chii <command>"},
		{name: "WorkerAlone", args: []string{"worker"}, wantCode: 2, wantStderr: "Usage: chii <command>"},
		{name: "UnknownTopFlag", args: []string{"-x", "server"}, wantCode: 2, wantStderr: "flag provided but not defined: -x"},
		{name: "UnknownServerFlag", args: []string{"server", "--port=1"}, wantCode: 2, wantStderr: "Usage: chii server"},
		{name: "ExtraArgument", args: []string{"server", "now"}, wantCode: 2, wantStderr: `unexpected argument "now"`},
		{name: "TopHelp", args: []string{"-h"}, wantCode: 0, wantStdout: "worker timeline"},
		{name: "ServerHelp", args: []string{"server", "-h"}, wantCode: 0, wantStdout: "CHII_MYSQL_DSN"},
		{name: "CanalHelp", args: []string{"worker", "canal", "-h"}, wantCode: 0, wantStdout: "CHII_KAFKA_TOPICS"},
		{name: "TimelineHelp", args: []string{"worker", "timeline", "-help"}, wantCode: 0, wantStdout: "CHII_TIMELINE_TOPIC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Main(t.Context(), tt.args, env(nil), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr.String())
			}
			if tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
			if tt.wantStdout != "" && !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
		})
	}
}

func TestMain_InvalidConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{name: "HTTPAddrNonsense", args: []string{"server"}, env: map[string]string{"CHII_HTTP_ADDR": "nonsense"}, want: []string{"CHII_HTTP_ADDR"}},
		{
			name: "SeveralAtOnce", args: []string{"server"},
			env:  map[string]string{"CHII_HTTP_ADDR": "nonsense", "CHII_LOG_FORMAT": "xml", "CHII_SHUTDOWN_GRACE": "-3s"},
			want: []string{"CHII_HTTP_ADDR", "CHII_LOG_FORMAT", "CHII_SHUTDOWN_GRACE"},
		},
		{name: "CanalWithoutTopics", args: []string{"worker", "canal"}, env: map[string]string{"CHII_KAFKA_BROKERS": "127.0.0.1:9092"}, want: []string{"CHII_KAFKA_TOPICS"}},
		{name: "TimelineWithoutBrokers", args: []string{"worker", "timeline"}, want: []string{"CHII_KAFKA_BROKERS"}},
		{name: "TimelineWithoutMySQL", args: []string{"worker", "timeline"}, env: map[string]string{"CHII_KAFKA_BROKERS": "127.0.0.1:9092"}, want: []string{"CHII_MYSQL_DSN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := cli.Main(t.Context(), tt.args, env(tt.env), &stdout, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), "  - "+w+": ") {
					t.Errorf("stderr does not name %s:\n%s", w, stderr.String())
				}
			}
			if stdout.Len() > 0 {
				t.Errorf("a process started (stdout %q)", stdout.String())
			}
		})
	}
}

// logLines parses the JSON log lines written so far.
func logLines(s string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(s, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func waitFor(t *testing.T, buf *syncBuf, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range logLines(buf.String()) {
			if l["msg"] == msg {
				return l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q log line in:\n%s", msg, buf.String())
	return nil
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

// start runs cli.Main in the background; stop cancels it and returns its
// exit code and how long it took to stop.
func start(t *testing.T, args []string, kv map[string]string) (logs *syncBuf, stop func() (int, time.Duration)) {
	t.Helper()
	logs = &syncBuf{}
	var stderr syncBuf
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, args, env(kv), logs, &stderr) }()
	stopped := false
	stop = func() (int, time.Duration) {
		stopped = true
		begin := time.Now()
		cancel()
		select {
		case code := <-done:
			return code, time.Since(begin)
		case <-time.After(30 * time.Second):
			t.Fatalf("chii %s did not stop; logs:\n%s", strings.Join(args, " "), logs.String())
			return -1, 0
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return logs, stop
}

func TestMain_ServerMySQLDown(t *testing.T) {
	dbAddr := closedPort(t)
	logs, stop := start(t, []string{"server"}, map[string]string{
		"CHII_HTTP_ADDR": "127.0.0.1:0",
		"CHII_MYSQL_DSN": "chii:hunter2@tcp(" + dbAddr + ")/bangumi",
	})
	startLine := waitFor(t, logs, "chii starting")
	addr := waitFor(t, logs, "listening")["addr"].(string)

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("/healthz = %d %s, want 200 {\"status\":\"ok\"}", resp.StatusCode, body)
	}

	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status  string
		Failing map[string]string
	}
	err = json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || ready.Status != "unavailable" || !strings.Contains(ready.Failing["mysql"], dbAddr) {
		t.Errorf("/readyz = %d %+v, want 503 naming mysql at %s", resp.StatusCode, ready, dbAddr)
	}

	// The failure is logged with host:port, and the process keeps running.
	failure := waitFor(t, logs, "dependency unavailable")
	if failure["addr"] != dbAddr || failure["dependency"] != "mysql" {
		t.Errorf("failure line %v, want dependency mysql addr %s", failure, dbAddr)
	}

	code, took := stop()
	if code != 0 {
		t.Errorf("exit code %d after cancel, want 0; logs:\n%s", code, logs.String())
	}
	if took > 10*time.Second {
		t.Errorf("stop took %v, longer than the grace period", took)
	}
	waitFor(t, logs, "chii stopped")

	cfg, _ := json.Marshal(startLine["config"])
	if strings.Contains(logs.String(), "hunter2") || !strings.Contains(string(cfg), "chii:xxxxx@tcp") {
		t.Errorf("start line must carry the configuration with the password redacted: %s", cfg)
	}
	if strings.Contains(logs.String(), "demo mode") {
		t.Error("server with a DSN claims demo mode")
	}
}

func TestMain_ServerDemoMode(t *testing.T) {
	logs, stop := start(t, []string{"server"}, map[string]string{"CHII_HTTP_ADDR": "127.0.0.1:0"})
	addr := waitFor(t, logs, "listening")["addr"].(string)
	if n := strings.Count(logs.String(), "demo mode"); n != 1 {
		t.Errorf("%d demo-mode lines, want 1:\n%s", n, logs.String())
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz in demo mode = %d, want 200 (nothing configured)", resp.StatusCode)
	}
	if code, _ := stop(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

func TestMain_WorkersStopCleanlyWithBrokerDown(t *testing.T) {
	for _, args := range [][]string{{"worker", "canal"}, {"worker", "timeline"}} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			broker := closedPort(t)
			logs, stop := start(t, args, map[string]string{
				"CHII_KAFKA_BROKERS":  broker,
				"CHII_KAFKA_TOPICS":   "debezium.chii.bangumi.chii_subjects",
				"CHII_SHUTDOWN_GRACE": "5s",
				// The timeline worker requires MySQL: the same closed port, so that
				// every dependency failure line names that address.
				"CHII_MYSQL_DSN": "u:p@tcp(" + broker + ")/bangumi",
			})
			start := waitFor(t, logs, "chii starting")
			if start["process"] != strings.Join(args, " ") {
				t.Errorf("start line process = %v", start["process"])
			}
			failure := waitFor(t, logs, "dependency unavailable")
			if failure["addr"] != broker {
				t.Errorf("broker failure logged without its address: %v", failure)
			}
			code, took := stop()
			if code != 0 {
				t.Errorf("exit code %d, want 0; logs:\n%s", code, logs.String())
			}
			if took > 5*time.Second {
				t.Errorf("stop took %v, longer than the grace period (5s)", took)
			}
			waitFor(t, logs, "chii stopped")
		})
	}
}
