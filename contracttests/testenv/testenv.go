// Package testenv provides the external services that MySQL-, Redis- and
// Kafka-backed test suites need, one isolated instance per test:
//
//   - MySQL: a fresh database per test with the bangumi schema (and
//     optionally the dev-env data) loaded, dropped at cleanup;
//   - Redis: a client plus a key prefix of its own, keys deleted at cleanup;
//   - Kafka: an in-process kfake cluster, closed at cleanup.
//
// A service that cannot be found makes the test skip with one line saying
// why, except when the environment has CI=true: then the test fails, so
// that CI can never silently skip the suites it is supposed to run.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// unavailable skips tb (or fails it under CI=true) because service is missing.
func unavailable(tb testing.TB, service string, reason error) {
	tb.Helper()
	msg := fmt.Sprintf("testenv: no %s: %s", service, oneLine(reason.Error()))
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " (CI=true: a missing service is a failure)")
	}
	tb.Skip(msg)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var sharedDir struct {
	once sync.Once
	dir  string
	err  error
}

// SharedDir returns the project's shared/ folder (reference data, golden
// files). It honours CHII_SHARED_DIR, else walks up from the working
// directory until it finds a folder containing shared/reference/dev-env.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	sharedDir.once.Do(func() { sharedDir.dir, sharedDir.err = findSharedDir() })
	if sharedDir.err != nil {
		tb.Fatal(sharedDir.err)
	}
	return sharedDir.dir
}

func findSharedDir() (string, error) {
	if d := os.Getenv("CHII_SHARED_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "reference", "dev-env")); err != nil {
			return "", fmt.Errorf("testenv: CHII_SHARED_DIR=%s has no reference/dev-env: %w", d, err)
		}
		return filepath.Abs(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testenv: working directory: %w", err)
	}
	for dir := wd; ; {
		cand := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(cand, "reference", "dev-env")); err == nil && st.IsDir() {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("testenv: shared/reference/dev-env not found above " + wd + " (set CHII_SHARED_DIR)")
}
