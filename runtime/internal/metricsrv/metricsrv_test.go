package metricsrv_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bangumi/chii/runtime/internal/metricsrv"
	"github.com/bangumi/chii/runtime/internal/metricsrv/metricstest"
)

// Listen serves the registry's /metrics in the text format and the pprof index; stop closes it.
func TestListen(t *testing.T) {
	reg := metricsrv.NewRegistry("test")
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "chii_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)
	var logs strings.Builder
	stop, err := metricsrv.Listen("127.0.0.1:0", reg, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	addr := internalAddr(t, logs.String())
	fams := metricstest.Scrape(t, "http://"+addr+"/metrics")
	if v, ok := metricstest.Value(fams, "chii_test_total", nil); !ok || v != 3 {
		t.Errorf("chii_test_total = %v (found %v), want 3", v, ok)
	}
	if v, ok := metricstest.Value(fams, "chii_build_info", map[string]string{"version": "test"}); !ok || v != 1 {
		t.Errorf("chii_build_info{version=test} = %v (found %v), want 1", v, ok)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine") {
		t.Errorf("GET /debug/pprof/ = %d, want the profile index", resp.StatusCode)
	}
	stop()
	if _, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/metrics"); err == nil {
		t.Error("the listener still answers after stop")
	}
}

// Without an address nothing is served and stop is harmless.
func TestListen_NoAddr(t *testing.T) {
	stop, err := metricsrv.Listen("", metricsrv.NewRegistry("test"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

func internalAddr(t *testing.T, logs string) string {
	t.Helper()
	const key = `"addr":"`
	i := strings.Index(logs, key)
	if i < 0 {
		t.Fatalf("no address logged: %s", logs)
	}
	rest := logs[i+len(key):]
	return rest[:strings.Index(rest, `"`)]
}
