package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseArgs_Defaults(t *testing.T) {
	o, err := parseArgs(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.crawl || o.db != defaultBenchDB || len(o.paths) != 0 || o.seconds != 5 || o.connections != 32 || o.rnds != 2 {
		t.Errorf("defaults = %+v", o)
	}
	o, err = parseArgs([]string{"-crawl"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.crawl || o.db != defaultCrawlDB || o.workers != 32 || o.subjects != 200_000 || o.duration != time.Minute {
		t.Errorf("crawl defaults = %+v", o)
	}
}

func TestParseArgs_Values(t *testing.T) {
	o, err := parseArgs([]string{"-paths", " /v0/subjects/1  /v0/persons/1 ", "-seconds", "3", "-connections", "8",
		"-rounds", "1", "-db", "bench_2", "-env", "CHII_MYSQL_MAX_OPEN_CONNS=32", "-env", "X=a=b"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.paths, []string{"/v0/subjects/1", "/v0/persons/1"}) {
		t.Errorf("paths = %q", o.paths)
	}
	if o.seconds != 3 || o.connections != 8 || o.rnds != 1 || o.db != "bench_2" {
		t.Errorf("options = %+v", o)
	}
	if !slices.Equal(o.env, []string{"CHII_MYSQL_MAX_OPEN_CONNS=32", "X=a=b"}) {
		t.Errorf("env = %q", o.env)
	}
}

func TestParseArgs_ListsEveryProblem(t *testing.T) {
	var stderr strings.Builder
	_, err := parseArgs([]string{"-paths", "v0/subjects/1", "-seconds", "0", "-workers", "-1", "-duration", "0s",
		"-db", "bangumi", "-env", "NOEQUALS", "extra"}, &stderr)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"v0/subjects/1"`, "-seconds 0", "-workers -1", "-duration 0s", `-db "bangumi"`, `-env "NOEQUALS"`, `unexpected argument "extra"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %s:\n%s", want, stderr.String())
		}
	}
}

func TestValidDBName(t *testing.T) {
	for name, want := range map[string]bool{
		"chii_bench": true, "chii_crawl2": true, "": false, "a-b": false, "a`b": false, "mysql": false, "Bangumi": false,
	} {
		if got := validDBName(name); got != want {
			t.Errorf("validDBName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tchii\nVmPeak:\t 2007328 kB\nVmRSS:\t   38732 kB\nRssAnon:\t   24624 kB\n"
	got, err := parseVmRSS(strings.NewReader(status))
	if err != nil || got != 38732*1024 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 38732*1024)
	}
	for _, bad := range []string{"Name:\tkthreadd\n", "VmRSS:\t12 MB\n", "VmRSS:\tx kB\n"} {
		if _, err := parseVmRSS(strings.NewReader(bad)); err == nil {
			t.Errorf("parseVmRSS(%q): no error", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0.1: time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v", got)
	}
}

func TestSweepJobs_DistinctRoundRobinBounded(t *testing.T) {
	plan := crawlPlan{ranges: map[string]idRange{
		"subject": {100, 105}, "person": {10, 11}, "character": {7, 7},
	}}
	jobs := sweepJobs(sweepKinds(plan), 100)
	var paths []string
	for _, j := range jobs {
		paths = append(paths, j.path)
	}
	want := []string{
		"/v0/subjects/100", "/v0/persons/10", "/v0/characters/7", "/v0/subjects/101/persons",
		"/v0/subjects/102", "/v0/persons/11", "/v0/subjects/103/persons",
		"/v0/subjects/104", "/v0/subjects/105/persons",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("paths =\n%q\nwant\n%q", paths, want)
	}
	if got := sweepJobs(sweepKinds(plan), 4); len(got) != 4 {
		t.Errorf("limit 4: %d jobs", len(got))
	}
}

func TestCopiesFor(t *testing.T) {
	for _, c := range []struct{ target, n, want int }{
		{200_000, 101, 1980}, // 101 + 1980*101 = 200081
		{202, 101, 1},
		{203, 101, 2},
		{100, 101, 0},
		{10, 0, 0},
	} {
		if got := copiesFor(c.target, c.n); got != c.want {
			t.Errorf("copiesFor(%d, %d) = %d, want %d", c.target, c.n, got, c.want)
		}
	}
}

func TestCopySQL(t *testing.T) {
	n := map[string]int{"subject": 101, "character": 28, "person": 104}
	got := copySQL(copySpec{table: "chii_subjects", mapped: []mappedCol{{"subject_id", "subject"}}},
		[]string{"subject_id", "subject_name"}, n)
	want := "INSERT INTO `chii_subjects` (`subject_id`, `subject_name`) SELECT 1000000 + (c.k - 1) * 101 + m_subject_id.idx, s.`subject_name`" +
		" FROM `crawl_src_chii_subjects` s JOIN crawl_copies c ON c.k BETWEEN ? AND ?" +
		" JOIN crawl_map_subject m_subject_id ON m_subject_id.old_id = s.`subject_id`"
	if got != want {
		t.Errorf("entity copy:\n got %s\nwant %s", got, want)
	}
	got = copySQL(copySpec{table: "chii_crt_subject_index", link: true, where: "s.x = 1",
		mapped: []mappedCol{{"crt_id", "character"}, {"subject_id", "subject"}}},
		[]string{"crt_id", "subject_id", "crt_order"}, n)
	want = "INSERT INTO `chii_crt_subject_index` (`crt_id`, `subject_id`, `crt_order`) SELECT" +
		" COALESCE(1000000 + (c.k - 1) * 28 + m_crt_id.idx, s.`crt_id`), COALESCE(1000000 + (c.k - 1) * 101 + m_subject_id.idx, s.`subject_id`), s.`crt_order`" +
		" FROM `crawl_src_chii_crt_subject_index` s JOIN crawl_copies c ON c.k BETWEEN ? AND ?" +
		" LEFT JOIN crawl_map_character m_crt_id ON m_crt_id.old_id = s.`crt_id`" +
		" LEFT JOIN crawl_map_subject m_subject_id ON m_subject_id.old_id = s.`subject_id`" +
		" WHERE s.x = 1 AND (m_crt_id.old_id IS NOT NULL OR m_subject_id.old_id IS NOT NULL)"
	if got != want {
		t.Errorf("link copy:\n got %s\nwant %s", got, want)
	}
}

func TestServerEnv_DropsWhatChiiReads(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "CHII_KAFKA_BROKERS=k:9092", "MYSQL_HOST=db", "REDIS_URI=redis://x",
		"KAFKA_BROKER=k", "HTTP_PORT=1", "RATE_LIMIT_COUNT=1", "MEILISEARCH_URL=http://m", "MYSQLX=keep"}
	got := serverEnv(base, map[string]string{"CHII_LOG_LEVEL": "warn", "CHII_HTTP_ADDR": ""}, []string{"CHII_LOG_LEVEL=debug"})
	want := []string{"PATH=/bin", "HOME=/root", "MYSQLX=keep", "CHII_LOG_LEVEL=warn", "CHII_LOG_LEVEL=debug"}
	if !slices.Equal(got, want) {
		t.Errorf("serverEnv =\n%q\nwant\n%q", got, want)
	}
}

func TestCacheFigures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chii.log")
	log := `{"level":"INFO","msg":"start"}
{"level":"INFO","msg":"response cache","cache":{"bytes":10,"peak_bytes":20,"max_bytes":100,"entries":1,"evictions":0}}
not json
{"level":"INFO","msg":"response cache","cache":{"bytes":50,"peak_bytes":2097152,"max_bytes":1048576,"entries":7,"local_hits":3,"misses":9,"evictions":4}}
`
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := cacheFigures(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"peak 2.0 MiB OVER its bound 1.0 MiB", "7 entries", "4 evictions", "3 local hits", "9 misses"} {
		if !strings.Contains(got, want) {
			t.Errorf("cacheFigures() = %q, want it to contain %q", got, want)
		}
	}
	if err := os.WriteFile(path, []byte(`{"msg":"start"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cacheFigures(path); err == nil {
		t.Error("cacheFigures() of a log without figures: no error")
	}
}
