package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/runtime/cli"
)

// reindexRun is what one `chii search reindex` printed and how it exited.
type reindexRun struct {
	code           int
	stdout, stderr string
}

// runReindex runs `chii search reindex args...` to its end under ctx, failing tb when it does
// not return within limit.
func runReindex(tb testing.TB, ctx context.Context, limit time.Duration, kv map[string]string, args ...string) reindexRun {
	tb.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan int, 1)
	argv := append([]string{"search", "reindex"}, args...)
	go func() { done <- cli.Main(ctx, argv, env(kv), &stdout, &stderr) }()
	select {
	case code := <-done:
		return reindexRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
	case <-time.After(limit):
		cancel()
		tb.Fatalf("chii %s did not return within %v; stdout:\n%s\nstderr:\n%s", strings.Join(argv, " "), limit, stdout.String(), stderr.String())
		return reindexRun{}
	}
}

// logLine returns the first log line with msg whose attributes include every key of attrs
// (compared as printed by fmt), or nil.
func logLine(logs string, msg string, attrs map[string]any) map[string]any {
	for _, l := range logLines(logs) {
		if l["msg"] != msg {
			continue
		}
		match := true
		for k, v := range attrs {
			if fmt.Sprint(l[k]) != fmt.Sprint(v) {
				match = false
				break
			}
		}
		if match {
			return l
		}
	}
	return nil
}

// reindexCheckpoint is the file `chii search reindex` keeps per kind in CHII_SEARCH_DIR.
type reindexCheckpoint struct {
	Kind string `json:"kind"`
	Last uint32 `json:"last"`
	Done bool   `json:"done"`
}

func checkpointPath(dir, kind string) string { return filepath.Join(dir, "reindex-"+kind+".json") }

func readCheckpoint(tb testing.TB, dir, kind string) reindexCheckpoint {
	tb.Helper()
	b, err := os.ReadFile(checkpointPath(dir, kind))
	if err != nil {
		tb.Fatalf("checkpoint of %s: %v", kind, err)
	}
	var cp reindexCheckpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		tb.Fatalf("checkpoint of %s: %v: %s", kind, err, b)
	}
	return cp
}

func writeCheckpoint(tb testing.TB, dir string, cp reindexCheckpoint) {
	tb.Helper()
	b, err := json.Marshal(cp)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(checkpointPath(dir, cp.Kind), b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// indexable counts, per kind, the dev-dataset rows that belong in the search index (search
// spec: no merged entity, no banned or locked subject) with an id greater than after. A
// subject without its chii_subject_fields row is not merged (the repository reads it as
// field_redirect 0).
func indexable(tb testing.TB, db *sql.DB, after uint32) map[search.Kind]int64 {
	tb.Helper()
	queries := map[search.Kind]string{
		search.KindSubject: `SELECT COUNT(*) FROM chii_subjects s
			LEFT JOIN chii_subject_fields f ON f.field_sid = s.subject_id
			WHERE s.subject_id > ? AND s.subject_ban = 0 AND COALESCE(f.field_redirect, 0) = 0`,
		search.KindCharacter: `SELECT COUNT(*) FROM chii_characters WHERE crt_id > ? AND crt_redirect = 0`,
		search.KindPerson:    `SELECT COUNT(*) FROM chii_persons WHERE prsn_id > ? AND prsn_redirect = 0`,
	}
	out := map[search.Kind]int64{}
	for kind, q := range queries {
		var n int64
		if err := db.QueryRowContext(tb.Context(), q, after).Scan(&n); err != nil {
			tb.Fatalf("count the indexable %s: %v", kind, err)
		}
		out[kind] = n
	}
	return out
}

// indexed opens the embedded index in dir (the reindex has returned and closed it) and counts
// its documents per kind; f, when set, queries it before it is closed.
func indexed(tb testing.TB, dir string, f func(*bleveindex.Index)) map[search.Kind]int64 {
	tb.Helper()
	ix, err := bleveindex.Open(dir)
	if err != nil {
		tb.Fatalf("open the index the reindex wrote: %v", err)
	}
	defer func() {
		if err := ix.Close(); err != nil {
			tb.Errorf("close the index: %v", err)
		}
	}()
	out := map[search.Kind]int64{}
	for _, kind := range search.Kinds {
		n, err := ix.Count(tb.Context(), kind)
		if err != nil {
			tb.Fatalf("count %s: %v", kind, err)
		}
		out[kind] = n
	}
	if f != nil {
		f(ix)
	}
	return out
}

func TestSearchReindex_Arguments(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// wantError: substrings of stderr's first line (the error, before the usage).
		wantError  []string
		wantStderr []string
		wantStdout []string // regular expressions
	}{
		{
			name: "UnknownIndex", args: []string{"subjects", "bogus"}, wantCode: 2,
			wantError:  []string{`unknown index "bogus"`, "subjects", "characters", "persons"},
			wantStderr: []string{"Usage: chii search reindex"},
		},
		{
			name: "Help", args: []string{"-h"}, wantCode: 0,
			wantStdout: []string{`^Usage: chii search reindex .*\[subjects\|characters\|persons \.\.\.\]`, `(?m)^\s+-batch int$`, `(?m)^\s+-restart$`},
		},
		{
			name: "MissingDSNAndDir", args: []string{"subjects"}, wantCode: 2,
			wantStderr: []string{"  - CHII_MYSQL_DSN: ", "  - CHII_SEARCH_DIR: "},
		},
		{
			name: "BadBatch", args: []string{"-batch", "many"}, wantCode: 2,
			wantError:  []string{"-batch"},
			wantStderr: []string{"Usage: chii search reindex"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runReindex(t, t.Context(), 10*time.Second, nil, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			for _, w := range tt.wantError {
				if !strings.Contains(first, w) {
					t.Errorf("error line lacks %q: %q", w, first)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if len(tt.wantError)+len(tt.wantStderr) == 0 && r.stderr != "" {
				t.Errorf("unexpected stderr:\n%s", r.stderr)
			}
			for _, w := range tt.wantStdout {
				if !regexp.MustCompile(w).MatchString(r.stdout) {
					t.Errorf("stdout does not match %s:\n%s", w, r.stdout)
				}
			}
			if len(tt.wantStdout) == 0 && r.stdout != "" {
				t.Errorf("a process started (stdout %q)", r.stdout)
			}
		})
	}
}

// TestSearchReindex_DevDataset rebuilds the embedded index from bangumi's dev dataset, resumes
// from a checkpoint, restarts, and is interrupted and resumed.
func TestSearchReindex_DevDataset(t *testing.T) {
	dsn, db := testenv.MySQL(t, testenv.WithData())
	all := indexable(t, db, 0)
	t.Logf("indexable rows of the dev dataset: %v", all)
	for _, kind := range search.Kinds {
		if all[kind] == 0 {
			t.Fatalf("the dev dataset has no indexable %s", kind)
		}
	}
	const limit = 3 * time.Minute // a whole rebuild of the dev dataset under -race

	t.Run("Full", func(t *testing.T) {
		dir := t.TempDir()
		r := runReindex(t, t.Context(), limit, map[string]string{"CHII_MYSQL_DSN": dsn, "CHII_SEARCH_DIR": dir}, "-batch", "10")
		if r.code != 0 {
			t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, kind := range search.Kinds {
			done := logLine(r.stdout, "reindex: done", map[string]any{"index": kind.String()})
			if done == nil {
				t.Errorf("no \"reindex: done\" line for %s in:\n%s", kind, r.stdout)
			} else if fmt.Sprint(done["documents"]) != fmt.Sprint(all[kind]) {
				t.Errorf("done line of %s says %v documents, want %d", kind, done["documents"], all[kind])
			}
			if cp := readCheckpoint(t, dir, kind.String()); !cp.Done || cp.Kind != kind.String() {
				t.Errorf("checkpoint of %s = %+v, want kind %s done", kind, cp, kind)
			}
		}
		if l := logLine(r.stdout, "reindex: resuming from the checkpoint", nil); l != nil {
			t.Errorf("a first run claims to resume: %v", l)
		}
		got := indexed(t, dir, func(ix *bleveindex.Index) {
			res, err := ix.Search(t.Context(), search.Query{Kind: search.KindSubject, Keyword: "コードギアス 反逆のルルーシュR2", Limit: 5})
			if err != nil {
				t.Fatalf("search by name: %v", err)
			}
			if len(res.IDs) == 0 || res.IDs[0] != 8 {
				t.Errorf("search by subject 8's name found %v, want 8 first", res.IDs)
			}
		})
		for _, kind := range search.Kinds {
			if got[kind] != all[kind] {
				t.Errorf("index holds %d %s, want %d (indexable rows)", got[kind], kind, all[kind])
			}
		}
	})

	t.Run("ResumeThenRestart", func(t *testing.T) {
		var after uint32
		if err := db.QueryRowContext(t.Context(), "SELECT subject_id FROM chii_subjects ORDER BY subject_id LIMIT 1 OFFSET 49").Scan(&after); err != nil {
			t.Fatalf("the 50th subject id: %v", err)
		}
		rest := indexable(t, db, after)[search.KindSubject]
		if rest == 0 || rest == all[search.KindSubject] {
			t.Fatalf("%d indexable subjects after id %d of %d: pick another id", rest, after, all[search.KindSubject])
		}
		dir := t.TempDir()
		writeCheckpoint(t, dir, reindexCheckpoint{Kind: "subjects", Last: after})
		kv := map[string]string{"CHII_MYSQL_DSN": dsn, "CHII_SEARCH_DIR": dir}

		r := runReindex(t, t.Context(), limit, kv, "-batch", "10", "subjects")
		if r.code != 0 {
			t.Fatalf("exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if logLine(r.stdout, "reindex: resuming from the checkpoint", map[string]any{"index": "subjects", "after_id": after}) == nil {
			t.Errorf("no resume line for subjects after id %d in:\n%s", after, r.stdout)
		}
		if l := logLine(r.stdout, "reindex: done", map[string]any{"index": "characters"}); l != nil {
			t.Errorf("`reindex subjects` rebuilt characters too: %v", l)
		}
		if cp := readCheckpoint(t, dir, "subjects"); !cp.Done {
			t.Errorf("checkpoint after the resumed run = %+v, want done", cp)
		}
		if got := indexed(t, dir, nil)[search.KindSubject]; got != rest {
			t.Errorf("after resuming from id %d the index holds %d subjects, want %d (indexable ids > %d)", after, got, rest, after)
		}

		// -restart ignores an unfinished checkpoint: it writes the subjects up to after too.
		writeCheckpoint(t, dir, reindexCheckpoint{Kind: "subjects", Last: after})
		r = runReindex(t, t.Context(), limit, kv, "-batch", "10", "-restart", "subjects")
		if r.code != 0 {
			t.Fatalf("-restart: exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if l := logLine(r.stdout, "reindex: resuming from the checkpoint", nil); l != nil {
			t.Errorf("-restart resumed: %v", l)
		}
		if got := indexed(t, dir, nil)[search.KindSubject]; got != all[search.KindSubject] {
			t.Errorf("after -restart the index holds %d subjects, want %d", got, all[search.KindSubject])
		}
		if cp := readCheckpoint(t, dir, "subjects"); !cp.Done {
			t.Errorf("checkpoint after -restart = %+v, want done", cp)
		}
	})

	t.Run("InterruptThenResume", func(t *testing.T) {
		dir := t.TempDir()
		kv := map[string]string{"CHII_MYSQL_DSN": dsn, "CHII_SEARCH_DIR": dir}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Cancel as soon as the first batch of subjects is saved (the checkpoint appears).
		seen := make(chan error, 1)
		go func() {
			defer cancel()
			deadline := time.Now().Add(limit)
			for time.Now().Before(deadline) {
				if _, err := os.Stat(checkpointPath(dir, "subjects")); err == nil {
					seen <- nil
					return
				}
				if ctx.Err() != nil {
					seen <- errors.New("the run ended before the subjects checkpoint appeared")
					return
				}
				time.Sleep(time.Millisecond)
			}
			seen <- fmt.Errorf("no subjects checkpoint in %s within %v", dir, limit)
		}()
		r := runReindex(t, ctx, limit, kv, "-batch", "1")
		cancel() // the poller stops if it has not seen the checkpoint
		if err := <-seen; err != nil {
			t.Fatalf("%v; exit code %d\nstdout:\n%s\nstderr:\n%s", err, r.code, r.stdout, r.stderr)
		}
		if r.code != 1 {
			t.Fatalf("interrupted run: exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if logLine(r.stdout, "chii stopped with an error", nil) == nil {
			t.Errorf("the interrupted run does not log why it stopped:\n%s", r.stdout)
		}
		cp := readCheckpoint(t, dir, "subjects")
		if cp.Done || cp.Last == 0 {
			t.Fatalf("checkpoint after the interrupt = %+v, want a last id and not done (was the cancel too late?)", cp)
		}

		r = runReindex(t, t.Context(), limit, kv, "-batch", "10")
		if r.code != 0 {
			t.Fatalf("rerun: exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if logLine(r.stdout, "reindex: resuming from the checkpoint", map[string]any{"index": "subjects", "after_id": cp.Last}) == nil {
			t.Errorf("the rerun does not resume subjects after id %d:\n%s", cp.Last, r.stdout)
		}
		got := indexed(t, dir, nil)
		for _, kind := range search.Kinds {
			if got[kind] != all[kind] {
				t.Errorf("after the resumed run the index holds %d %s, want %d", got[kind], kind, all[kind])
			}
			if cp := readCheckpoint(t, dir, kind.String()); !cp.Done {
				t.Errorf("checkpoint of %s after the resumed run = %+v, want done", kind, cp)
			}
		}
	})
}

// TestSearchReindex_MySQLUnavailable: a MySQL that refuses connections, or accepts them and
// never answers, fails the command (exit 1) with the reason, instead of a hang.
func TestSearchReindex_MySQLUnavailable(t *testing.T) {
	servers := map[string]func(*testing.T) string{
		"Down":   closedPort,
		"Frozen": func(t *testing.T) string { return testenv.Frozen(t) },
	}
	for name, addr := range servers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := "root@tcp(" + addr(t) + ")/bangumi"
			r := runReindex(t, t.Context(), 60*time.Second, map[string]string{"CHII_MYSQL_DSN": dsn, "CHII_SEARCH_DIR": t.TempDir()})
			if r.code != 1 {
				t.Fatalf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			l := logLine(r.stdout, "chii stopped with an error", nil)
			if l == nil {
				t.Fatalf("no error line in:\n%s", r.stdout)
			}
			if err, _ := l["err"].(string); !strings.Contains(err, "MySQL does not answer") {
				t.Errorf("error line %q, want it to say MySQL does not answer", err)
			}
		})
	}
}
