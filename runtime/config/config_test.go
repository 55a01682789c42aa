package config_test

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/runtime/config"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

func defaults(p config.Process) config.Config {
	c := config.Config{
		HTTPAddr: "127.0.0.1:3000",
		MySQL: config.MySQL{
			MaxOpenConns:    config.DefaultMySQLMaxOpenConns,
			MaxIdleConns:    config.DefaultMySQLMaxIdleConns,
			ConnMaxLifetime: time.Hour,
		},
		HTTP: config.HTTP{
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      35 * time.Second,
			IdleTimeout:       time.Minute,
			MaxHeaderBytes:    64 << 10,
			MaxBodyBytes:      1 << 20,
			RequestTimeout:    30 * time.Second,
		},
		Log:           config.Log{Format: "json", Level: slog.LevelInfo},
		ShutdownGrace: 35 * time.Second, // the server's: the request timeout and 5s to write its answer
		RateLimit:     config.RateLimit{Window: 10 * time.Minute, Count: 3000, LongTime: time.Hour},
		ResponseCache: config.ResponseCache{MaxBytes: 64 << 20, LocalTTL: 10 * time.Minute, SharedTTL: time.Hour},
		TimelineTopic: "timeline",
		Meilisearch:   config.Meilisearch{Timeout: 2 * time.Second},
		Search:        config.Search{GroupID: "chii-search-" + hostname()},
	}
	switch p {
	case config.CanalWorker:
		c.Kafka.GroupID = "go-canal"
		c.ShutdownGrace = 10 * time.Second
	case config.TimelineWorker:
		c.Kafka.GroupID = "go-timeline"
		c.ShutdownGrace = 10 * time.Second
	}
	return c
}

func TestLoad_Valid(t *testing.T) {
	tests := []struct {
		name   string
		proc   config.Process
		env    map[string]string
		modify func(c *config.Config)
	}{
		{name: "EmptyEnvIsDemoServer", proc: config.Server, modify: func(*config.Config) {}},
		{
			name: "AllChiiVariables",
			proc: config.Server,
			env: map[string]string{
				"CHII_HTTP_ADDR":                "0.0.0.0:8080",
				"CHII_MYSQL_DSN":                "u:p@tcp(db:3306)/bangumi",
				"CHII_MYSQL_MAX_OPEN_CONNS":     "20",
				"CHII_MYSQL_MAX_IDLE_CONNS":     "0",
				"CHII_MYSQL_CONN_MAX_LIFETIME":  "30m",
				"CHII_REDIS_URL":                "redis://:secret@cache:6379/1",
				"CHII_KAFKA_BROKERS":            "k1:9092, k2:9092",
				"CHII_KAFKA_TOPICS":             "a,b",
				"CHII_KAFKA_GROUP_ID":           "g",
				"CHII_MEILISEARCH_URL":          "http://meili:7700",
				"CHII_MEILISEARCH_KEY":          "k",
				"CHII_LOG_FORMAT":               "TEXT",
				"CHII_LOG_LEVEL":                "debug",
				"CHII_SHUTDOWN_GRACE":           "3s",
				"CHII_RATE_LIMIT_WINDOW":        "5m",
				"CHII_RATE_LIMIT_COUNT":         "10",
				"CHII_RATE_LIMIT_LONG_TIME":     "2h",
				"CHII_TIMELINE_TOPIC":           "tl",
				"CHII_CACHE_MAX_BYTES":          "2097152",
				"CHII_CACHE_LOCAL_TTL":          "1m",
				"CHII_CACHE_SHARED_TTL":         "2h",
				"CHII_HTTP_READ_HEADER_TIMEOUT": "2s",
				"CHII_HTTP_READ_TIMEOUT":        "20s",
				"CHII_HTTP_WRITE_TIMEOUT":       "3s",
				"CHII_HTTP_IDLE_TIMEOUT":        "45s",
				"CHII_HTTP_MAX_HEADER_BYTES":    "8192",
				"CHII_HTTP_MAX_BODY_BYTES":      "1000",
				"CHII_REQUEST_TIMEOUT":          "2s",
				"CHII_SHUTDOWN_DRAIN":           "4s",
				"CHII_S3_ENTRY_POINT":           "http://minio:9000",
				"CHII_S3_ACCESS_KEY":            "ak",
				"CHII_S3_SECRET_KEY":            "sk",
				"CHII_S3_IMAGE_RESIZE_BUCKET":   "resized",
			},
			modify: func(c *config.Config) {
				c.HTTPAddr = "0.0.0.0:8080"
				c.MySQL = config.MySQL{DSN: "u:p@tcp(db:3306)/bangumi", MaxOpenConns: 20, MaxIdleConns: 0, ConnMaxLifetime: 30 * time.Minute}
				c.RedisURL = "redis://:secret@cache:6379/1"
				c.Kafka = config.Kafka{Brokers: []string{"k1:9092", "k2:9092"}, Topics: []string{"a", "b"}, GroupID: "g"}
				c.Meilisearch = config.Meilisearch{URL: "http://meili:7700", Key: "k", Timeout: 2 * time.Second}
				c.Search.Topics = []string{"a", "b"} // the server follows the canal topics by default
				c.Log = config.Log{Format: "text", Level: slog.LevelDebug}
				c.ShutdownGrace = 3 * time.Second
				c.ShutdownDrain = 4 * time.Second
				c.HTTP = config.HTTP{
					ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 20 * time.Second, WriteTimeout: 3 * time.Second,
					IdleTimeout: 45 * time.Second, MaxHeaderBytes: 8192, MaxBodyBytes: 1000, RequestTimeout: 2 * time.Second,
				}
				c.RateLimit = config.RateLimit{Window: 5 * time.Minute, Count: 10, LongTime: 2 * time.Hour}
				c.TimelineTopic = "tl"
				c.ResponseCache = config.ResponseCache{MaxBytes: 2 << 20, LocalTTL: time.Minute, SharedTTL: 2 * time.Hour}
				c.S3 = config.S3{EntryPoint: "http://minio:9000", AccessKey: "ak", SecretKey: "sk", ImageResizeBucket: "resized"}
			},
		},
		{
			name: "LegacyS3Names",
			proc: config.CanalWorker,
			env: map[string]string{
				"CHII_KAFKA_BROKERS": "k:9092", "CHII_KAFKA_TOPICS": "t",
				"S3_ENTRY_POINT": "minio:9000", "S3_ACCESS_KEY": "ak", "S3_SECRET_KEY": "sk",
				"CHII_S3_SECRET_KEY": "chii-sk",
			},
			modify: func(c *config.Config) {
				c.Kafka = config.Kafka{Brokers: []string{"k:9092"}, Topics: []string{"t"}, GroupID: "go-canal"}
				c.S3 = config.S3{EntryPoint: "minio:9000", AccessKey: "ak", SecretKey: "chii-sk", ImageResizeBucket: "img-resize"}
			},
		},
		{
			name:   "S3KeysWithoutEntryPointConfigureNothing",
			proc:   config.Server,
			env:    map[string]string{"S3_ACCESS_KEY": "ak", "S3_SECRET_KEY": "sk", "S3_IMAGE_RESIZE_BUCKET": "b"},
			modify: func(*config.Config) {},
		},
		{
			name: "LegacyNames",
			proc: config.CanalWorker,
			env: map[string]string{
				"MYSQL_HOST":           "db",
				"MYSQL_PASS":           "pw",
				"REDIS_URI":            "redis://127.0.0.1:6379/0",
				"KAFKA_BROKER":         "kafka:9092",
				"KAFKA_TOPICS":         "debezium.chii.bangumi.chii_subjects,debezium.chii.bangumi.chii_members",
				"MEILISEARCH_URL":      "https://search.example",
				"MEILISEARCH_KEY":      "mk",
				"HTTP_HOST":            "0.0.0.0",
				"HTTP_PORT":            "4000",
				"RATE_LIMIT_WINDOW":    "600",
				"RATE_LIMIT_COUNT":     "100",
				"RATE_LIMIT_LONG_TIME": "1h",
			},
			modify: func(c *config.Config) {
				c.HTTPAddr = "0.0.0.0:4000"
				c.MySQL.DSN = "user:pw@tcp(db:3306)/bangumi"
				c.RedisURL = "redis://127.0.0.1:6379/0"
				c.Kafka.Brokers = []string{"kafka:9092"}
				c.Kafka.Topics = []string{"debezium.chii.bangumi.chii_subjects", "debezium.chii.bangumi.chii_members"}
				c.Meilisearch = config.Meilisearch{URL: "https://search.example", Key: "mk", Timeout: 2 * time.Second}
				c.RateLimit = config.RateLimit{Window: 10 * time.Minute, Count: 100, LongTime: time.Hour}
			},
		},
		{
			name: "ChiiNameWinsOverLegacy",
			proc: config.Server,
			env: map[string]string{
				"CHII_MYSQL_DSN": "a:b@tcp(x:1)/y", "MYSQL_HOST": "ignored",
				"CHII_HTTP_ADDR": ":9000", "HTTP_PORT": "1",
				"CHII_REDIS_URL": "redis://new:6379", "REDIS_URI": "redis://old:6379",
				"CHII_RATE_LIMIT_WINDOW": "1m", "RATE_LIMIT_WINDOW": "nonsense",
			},
			modify: func(c *config.Config) {
				c.MySQL.DSN = "a:b@tcp(x:1)/y"
				c.HTTPAddr = ":9000"
				c.RedisURL = "redis://new:6379"
				c.RateLimit.Window = time.Minute
			},
		},
		{
			name:   "LegacyMySQLIgnoredWithoutHost",
			proc:   config.Server,
			env:    map[string]string{"MYSQL_USER": "u", "MYSQL_PASS": "p", "MYSQL_DB": "d"},
			modify: func(*config.Config) {},
		},
		{
			name:   "LegacyHTTPPortOnly",
			proc:   config.Server,
			env:    map[string]string{"HTTP_PORT": "3001"},
			modify: func(c *config.Config) { c.HTTPAddr = "127.0.0.1:3001" },
		},
		{
			name: "TimelineWorkerDefaults",
			proc: config.TimelineWorker,
			env:  map[string]string{"CHII_KAFKA_BROKERS": "127.0.0.1:9092", "CHII_MYSQL_DSN": "u:p@tcp(db:3306)/bangumi"},
			modify: func(c *config.Config) {
				c.Kafka.Brokers = []string{"127.0.0.1:9092"}
				c.MySQL.DSN = "u:p@tcp(db:3306)/bangumi"
			},
		},
		{
			name: "TimelineWorkerLegacyMySQL",
			proc: config.TimelineWorker,
			env:  map[string]string{"CHII_KAFKA_BROKERS": "127.0.0.1:9092", "MYSQL_HOST": "db"},
			modify: func(c *config.Config) {
				c.Kafka.Brokers = []string{"127.0.0.1:9092"}
				c.MySQL.DSN = "user:password@tcp(db:3306)/bangumi"
			},
		},
		{
			// The server's grace covers the request deadline: an explicit shorter grace lowers it.
			name: "ServerGraceShorterThanDefaultRequestTimeout",
			proc: config.Server,
			env:  map[string]string{"CHII_SHUTDOWN_GRACE": "5s"},
			modify: func(c *config.Config) {
				c.ShutdownGrace = 5 * time.Second
				c.HTTP.RequestTimeout = 4 * time.Second
				c.HTTP.WriteTimeout = 9 * time.Second
			},
		},
		{
			name: "ServerGraceFollowsRequestTimeout",
			proc: config.Server,
			env:  map[string]string{"CHII_REQUEST_TIMEOUT": "1m"},
			modify: func(c *config.Config) {
				c.HTTP.RequestTimeout = time.Minute
				c.HTTP.WriteTimeout = time.Minute + 5*time.Second
				c.ShutdownGrace = time.Minute + 5*time.Second
			},
		},
		{
			name: "ServerGraceJustCoversRequestTimeout",
			proc: config.Server,
			env:  map[string]string{"CHII_REQUEST_TIMEOUT": "20s", "CHII_SHUTDOWN_GRACE": "21s"},
			modify: func(c *config.Config) {
				c.HTTP.RequestTimeout = 20 * time.Second
				c.HTTP.WriteTimeout = 25 * time.Second
				c.ShutdownGrace = 21 * time.Second
			},
		},
		{
			// A worker serves no requests: its grace is its own, whatever CHII_REQUEST_TIMEOUT says.
			name: "WorkerGraceIgnoresRequestTimeout",
			proc: config.CanalWorker,
			env: map[string]string{
				"CHII_KAFKA_BROKERS": "k:9092", "CHII_KAFKA_TOPICS": "t",
				"CHII_REQUEST_TIMEOUT": "1m", "CHII_SHUTDOWN_GRACE": "5s",
			},
			modify: func(c *config.Config) {
				c.Kafka.Brokers, c.Kafka.Topics = []string{"k:9092"}, []string{"t"}
				c.HTTP.RequestTimeout = time.Minute
				c.HTTP.WriteTimeout = time.Minute + 5*time.Second
				c.ShutdownGrace = 5 * time.Second
			},
		},
		{
			name:   "HeaderTimeoutFollowsShortReadTimeout",
			proc:   config.Server,
			env:    map[string]string{"CHII_HTTP_READ_TIMEOUT": "4s"},
			modify: func(c *config.Config) { c.HTTP.ReadTimeout, c.HTTP.ReadHeaderTimeout = 4*time.Second, 4*time.Second },
		},
		{
			name:   "DrainZero",
			proc:   config.Server,
			env:    map[string]string{"CHII_SHUTDOWN_DRAIN": "0s"},
			modify: func(*config.Config) {},
		},
		{
			// D14: CIDRs and single addresses; a single address is its full-length prefix, an
			// IPv4-mapped entry is IPv4 (peers are compared unmapped), host bits are masked.
			name: "TrustedProxies",
			proc: config.Server,
			env:  map[string]string{"CHII_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7,2001:db8::/32 ,::1, ::ffff:198.51.100.0/120, 172.16.5.4/12,"},
			modify: func(c *config.Config) {
				c.TrustedProxies = []netip.Prefix{
					netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
					netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("::1/128"),
					netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("172.16.0.0/12"),
				}
			},
		},
		{
			name:   "MetricsAddr",
			proc:   config.Server,
			env:    map[string]string{"CHII_METRICS_ADDR": "127.0.0.1:9090"},
			modify: func(c *config.Config) { c.MetricsAddr = "127.0.0.1:9090" },
		},
		{
			// Port 0 picks a free port for each listener: no clash.
			name:   "MetricsAddrPortZeroBesideAPIPortZero",
			proc:   config.Server,
			env:    map[string]string{"CHII_HTTP_ADDR": "127.0.0.1:0", "CHII_METRICS_ADDR": "127.0.0.1:0"},
			modify: func(c *config.Config) { c.HTTPAddr, c.MetricsAddr = "127.0.0.1:0", "127.0.0.1:0" },
		},
		{
			name: "IntegerSecondsForRateLimit",
			proc: config.Server,
			env:  map[string]string{"CHII_RATE_LIMIT_WINDOW": "60", "CHII_RATE_LIMIT_LONG_TIME": "7200"},
			modify: func(c *config.Config) {
				c.RateLimit.Window = time.Minute
				c.RateLimit.LongTime = 2 * time.Hour
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.Load(env(tt.env), tt.proc)
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			want := defaults(tt.proc)
			tt.modify(&want)
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("Load() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad_Invalid(t *testing.T) {
	tests := []struct {
		name string
		proc config.Process
		env  map[string]string
		// each entry must appear in the error, one line per problem
		want []string
	}{
		{name: "HTTPAddrNonsense", env: map[string]string{"CHII_HTTP_ADDR": "nonsense"}, want: []string{"CHII_HTTP_ADDR"}},
		{name: "S3WithoutKeys", env: map[string]string{"CHII_S3_ENTRY_POINT": "http://minio:9000"}, want: []string{"CHII_S3_ACCESS_KEY", "CHII_S3_SECRET_KEY"}},
		{name: "S3WithoutSecret", env: map[string]string{"S3_ENTRY_POINT": "http://minio:9000", "S3_ACCESS_KEY": "ak"}, want: []string{"CHII_S3_SECRET_KEY"}},
		{name: "S3EntryPointWithPath", env: map[string]string{"CHII_S3_ENTRY_POINT": "http://minio:9000/img", "CHII_S3_ACCESS_KEY": "a", "CHII_S3_SECRET_KEY": "s"}, want: []string{"CHII_S3_ENTRY_POINT"}},
		{name: "S3EntryPointNotHostPort", env: map[string]string{"S3_ENTRY_POINT": "minio", "CHII_S3_ACCESS_KEY": "a", "CHII_S3_SECRET_KEY": "s"}, want: []string{"S3_ENTRY_POINT"}},
		{name: "HTTPAddrPortNotNumeric", env: map[string]string{"CHII_HTTP_ADDR": "localhost:http"}, want: []string{"CHII_HTTP_ADDR"}},
		{name: "LegacyHTTPPort", env: map[string]string{"HTTP_PORT": "x"}, want: []string{"HTTP_HOST/HTTP_PORT"}},
		{name: "DSN", env: map[string]string{"CHII_MYSQL_DSN": "not a dsn"}, want: []string{"CHII_MYSQL_DSN"}},
		{name: "LegacyMySQLPort", env: map[string]string{"MYSQL_HOST": "db", "MYSQL_PORT": "abc"}, want: []string{"MYSQL_PORT"}},
		{name: "RedisURL", env: map[string]string{"CHII_REDIS_URL": "http://x"}, want: []string{"CHII_REDIS_URL"}},
		{name: "LegacyRedisURL", env: map[string]string{"REDIS_URI": "nope://"}, want: []string{"REDIS_URI"}},
		{name: "Broker", env: map[string]string{"CHII_KAFKA_BROKERS": "a:1,b"}, want: []string{`CHII_KAFKA_BROKERS: broker "b"`}},
		{name: "CanalNeedsTopics", proc: config.CanalWorker, env: map[string]string{"CHII_KAFKA_BROKERS": "a:1"}, want: []string{"CHII_KAFKA_TOPICS"}},
		{name: "CanalNeedsBrokers", proc: config.CanalWorker, env: map[string]string{"CHII_KAFKA_TOPICS": "t"}, want: []string{"CHII_KAFKA_BROKERS"}},
		{name: "TimelineNeedsBrokers", proc: config.TimelineWorker, env: map[string]string{"CHII_MYSQL_DSN": "u:p@tcp(db:3306)/b"}, want: []string{"CHII_KAFKA_BROKERS"}},
		{name: "TimelineNeedsMySQL", proc: config.TimelineWorker, env: map[string]string{"CHII_KAFKA_BROKERS": "a:1"}, want: []string{"CHII_MYSQL_DSN: missing"}},
		{name: "TimelineNeedsBoth", proc: config.TimelineWorker, want: []string{"CHII_MYSQL_DSN: missing", "CHII_KAFKA_BROKERS"}},
		{name: "TimelineInvalidDSNReportedOnce", proc: config.TimelineWorker, env: map[string]string{"CHII_KAFKA_BROKERS": "a:1", "CHII_MYSQL_DSN": "not a dsn"}, want: []string{"CHII_MYSQL_DSN: invalid DSN"}},
		{name: "Meilisearch", env: map[string]string{"CHII_MEILISEARCH_URL": "meili:7700"}, want: []string{"CHII_MEILISEARCH_URL"}},
		{name: "LogFormat", env: map[string]string{"CHII_LOG_FORMAT": "xml"}, want: []string{"CHII_LOG_FORMAT"}},
		{name: "LogLevel", env: map[string]string{"CHII_LOG_LEVEL": "loud"}, want: []string{"CHII_LOG_LEVEL"}},
		{name: "Grace", env: map[string]string{"CHII_SHUTDOWN_GRACE": "10"}, want: []string{"CHII_SHUTDOWN_GRACE"}},
		{name: "GraceNegative", env: map[string]string{"CHII_SHUTDOWN_GRACE": "-1s"}, want: []string{"CHII_SHUTDOWN_GRACE"}},
		{name: "Conns", env: map[string]string{"CHII_MYSQL_MAX_OPEN_CONNS": "-1"}, want: []string{"CHII_MYSQL_MAX_OPEN_CONNS"}},
		{name: "RateCount", env: map[string]string{"RATE_LIMIT_COUNT": "many"}, want: []string{"RATE_LIMIT_COUNT"}},
		{name: "RateWindow", env: map[string]string{"CHII_RATE_LIMIT_WINDOW": "soon"}, want: []string{"CHII_RATE_LIMIT_WINDOW"}},
		{
			name: "GraceShorterThanRequestTimeout",
			env:  map[string]string{"CHII_SHUTDOWN_GRACE": "10s", "CHII_REQUEST_TIMEOUT": "30s"},
			want: []string{"CHII_SHUTDOWN_GRACE: 10s does not cover CHII_REQUEST_TIMEOUT (30s)"},
		},
		{
			// Equal is not enough: the answer of a request that ran to its deadline needs time.
			name: "GraceEqualToRequestTimeout",
			env:  map[string]string{"CHII_SHUTDOWN_GRACE": "30s", "CHII_REQUEST_TIMEOUT": "30s"},
			want: []string{"CHII_SHUTDOWN_GRACE: 30s does not cover CHII_REQUEST_TIMEOUT (30s)"},
		},
		{
			name: "GraceLeavesNoTimeForARequest",
			env:  map[string]string{"CHII_SHUTDOWN_GRACE": "1s"},
			want: []string{"CHII_SHUTDOWN_GRACE: 1s leaves no time for a request"},
		},
		{
			name: "WriteTimeoutNotAboveRequestTimeout",
			env:  map[string]string{"CHII_HTTP_WRITE_TIMEOUT": "30s"},
			want: []string{"CHII_HTTP_WRITE_TIMEOUT: 30s must exceed CHII_REQUEST_TIMEOUT (30s)"},
		},
		{
			name: "HeaderTimeoutAboveReadTimeout",
			env:  map[string]string{"CHII_HTTP_READ_HEADER_TIMEOUT": "11s", "CHII_HTTP_READ_TIMEOUT": "10s"},
			want: []string{"CHII_HTTP_READ_HEADER_TIMEOUT: 11s exceeds CHII_HTTP_READ_TIMEOUT (10s)"},
		},
		{name: "ReadTimeout", env: map[string]string{"CHII_HTTP_READ_TIMEOUT": "0s"}, want: []string{"CHII_HTTP_READ_TIMEOUT"}},
		{name: "IdleTimeout", env: map[string]string{"CHII_HTTP_IDLE_TIMEOUT": "long"}, want: []string{"CHII_HTTP_IDLE_TIMEOUT"}},
		{name: "MaxHeaderBytes", env: map[string]string{"CHII_HTTP_MAX_HEADER_BYTES": "100"}, want: []string{"CHII_HTTP_MAX_HEADER_BYTES"}},
		{name: "MaxBodyBytes", env: map[string]string{"CHII_HTTP_MAX_BODY_BYTES": "1MiB"}, want: []string{"CHII_HTTP_MAX_BODY_BYTES"}},
		{name: "RequestTimeout", env: map[string]string{"CHII_REQUEST_TIMEOUT": "30"}, want: []string{"CHII_REQUEST_TIMEOUT"}},
		{
			// Every invalid entry is named, each on its own line.
			name: "TrustedProxies",
			env:  map[string]string{"CHII_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal,10.0.0.0/33,fe80::1%eth0,::ffff:10.0.0.0/8,192.0.2.1"},
			want: []string{
				`CHII_TRUSTED_PROXIES: "proxy.internal"`, `CHII_TRUSTED_PROXIES: "10.0.0.0/33"`,
				`CHII_TRUSTED_PROXIES: "fe80::1%eth0"`, `CHII_TRUSTED_PROXIES: "::ffff:10.0.0.0/8"`,
			},
		},
		{name: "MetricsAddrNonsense", env: map[string]string{"CHII_METRICS_ADDR": "9090"}, want: []string{"CHII_METRICS_ADDR"}},
		{
			name: "MetricsAddrIsTheAPIAddr",
			env:  map[string]string{"CHII_HTTP_ADDR": "127.0.0.1:3000", "CHII_METRICS_ADDR": "127.0.0.1:3000"},
			want: []string{`CHII_METRICS_ADDR: "127.0.0.1:3000" is the API's address`},
		},
		{
			name: "MetricsAddrOnTheAPIPortOfAllInterfaces",
			env:  map[string]string{"CHII_HTTP_ADDR": ":3000", "CHII_METRICS_ADDR": "127.0.0.1:3000"},
			want: []string{`CHII_METRICS_ADDR: "127.0.0.1:3000" is the API's address`},
		},
		{name: "DrainNegative", env: map[string]string{"CHII_SHUTDOWN_DRAIN": "-1s"}, want: []string{"CHII_SHUTDOWN_DRAIN"}},
		{
			name: "SeveralReportedTogether",
			proc: config.CanalWorker,
			env: map[string]string{
				"CHII_HTTP_ADDR":            "nonsense",
				"CHII_LOG_LEVEL":            "loud",
				"CHII_SHUTDOWN_GRACE":       "forever",
				"CHII_MYSQL_DSN":            "garbage",
				"CHII_KAFKA_BROKERS":        "localhost",
				"CHII_RATE_LIMIT_COUNT":     "0",
				"CHII_MYSQL_MAX_IDLE_CONNS": "x",
			},
			want: []string{
				"CHII_HTTP_ADDR", "CHII_LOG_LEVEL", "CHII_SHUTDOWN_GRACE", "CHII_MYSQL_DSN",
				"CHII_KAFKA_BROKERS", "CHII_KAFKA_TOPICS", "CHII_RATE_LIMIT_COUNT", "CHII_MYSQL_MAX_IDLE_CONNS",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(env(tt.env), tt.proc)
			if err == nil {
				t.Fatal("Load() error = nil, want an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("Load() reported %d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					if strings.HasPrefix(l, w) {
						found = true
					}
				}
				if !found {
					t.Errorf("Load() error does not name %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoad_ErrorsDoNotLeakSecrets(t *testing.T) {
	_, err := config.Load(env(map[string]string{
		"CHII_REDIS_URL": "redis://:hunter2@cache:6379/notanumber",
		"CHII_MYSQL_DSN": "u:hunter2@tcp(db:3306)/x?parseTime=maybe",
	}), config.Server)
	if err == nil {
		t.Fatal("want error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestConfig_LogValueRedactsSecrets(t *testing.T) {
	cfg, err := config.Load(env(map[string]string{
		"CHII_MYSQL_DSN":       "chii:s3cr3t-db@tcp(db:3306)/bangumi?charset=utf8mb4",
		"CHII_REDIS_URL":       "redis://:s3cr3t-redis@cache:6379/0",
		"CHII_MEILISEARCH_URL": "http://admin:s3cr3t-url@meili:7700",
		"CHII_MEILISEARCH_KEY": "s3cr3t-key",
		"CHII_TRUSTED_PROXIES": "10.0.0.0/8",
		"CHII_METRICS_ADDR":    "127.0.0.1:9090",
		"CHII_S3_ENTRY_POINT":  "http://minio:9000",
		"CHII_S3_ACCESS_KEY":   "ak",
		"CHII_S3_SECRET_KEY":   "s3cr3t-s3",
	}), config.Server)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", cfg)
	out := buf.String()
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("log line leaks a secret: %s", out)
	}
	for _, want := range []string{"chii:xxxxx@tcp(db:3306)/bangumi", "redis://:xxxxx@cache:6379/0", `"key":"xxxxx"`, `"shutdown_grace":"35s"`, `"request_timeout":"30s"`, `"trusted_proxies":["10.0.0.0/8"]`, `"metrics_addr":"127.0.0.1:9090"`, `"secret_key":"xxxxx"`, `"entry_point":"http://minio:9000"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s: %s", want, out)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	tests := map[string]string{
		"":                                   "",
		"root@tcp(127.0.0.1:3306)/x":         "root@tcp(127.0.0.1:3306)/x",
		"u:p@tcp(h:1)/d":                     "u:xxxxx@tcp(h:1)/d",
		"u:p@ss:w@rd@tcp(h:1)/d?parseTime=1": "u:xxxxx@tcp(h:1)/d?parseTime=1",
		"garbage":                            "(unparsable DSN)",
	}
	for in, want := range tests {
		if got := config.RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// Variables lists every CHII_ variable config.go reads.
func TestVariables_ListsEveryVariableRead(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range config.Variables {
		listed[v.Name] = true
	}
	read := regexp.MustCompile(`"(CHII_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(read) < 10 {
		t.Fatalf("found %d variable names in config.go: the pattern no longer matches", len(read))
	}
	for _, m := range read {
		if !listed[m[1]] {
			t.Errorf("config.go reads %s, which config.Variables (chii -h, README) does not list", m[1])
		}
	}
}

// The README's configuration table lists every variable Load reads.
func TestVariables_DocumentedInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Skip("no README.md:", err)
	}
	for _, v := range config.Variables {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md's configuration table lacks %s", v.Name)
		}
	}
}

// The search settings: the server follows the canal topics (or its own list) only when it has
// brokers; the reindex needs MySQL and a place to write that outlives the process.
func TestLoad_Search(t *testing.T) {
	t.Run("ServerFollowsKafkaTopicsByDefault", func(t *testing.T) {
		c, err := config.Load(env(map[string]string{
			"CHII_KAFKA_BROKERS": "k:9092", "CHII_KAFKA_TOPICS": "a,b", "CHII_SEARCH_DIR": "/var/lib/chii/search",
			"MEILISEARCH_REQUEST_TIMEOUT": "5s",
		}), config.Server)
		if err != nil {
			t.Fatal(err)
		}
		want := config.Search{Dir: "/var/lib/chii/search", Topics: []string{"a", "b"}, GroupID: "chii-search-" + hostname()}
		if diff := cmp.Diff(want, c.Search); diff != "" {
			t.Errorf("Search mismatch (-want +got):\n%s", diff)
		}
		if c.Meilisearch.Timeout != 5*time.Second {
			t.Errorf("Meilisearch.Timeout = %v, want 5s from the legacy MEILISEARCH_REQUEST_TIMEOUT", c.Meilisearch.Timeout)
		}
	})
	t.Run("OwnTopicsAndGroup", func(t *testing.T) {
		c, err := config.Load(env(map[string]string{
			"CHII_KAFKA_BROKERS": "k:9092", "CHII_KAFKA_TOPICS": "a,b", "CHII_SEARCH_TOPICS": "s1, s2",
			"CHII_SEARCH_GROUP_ID": "search-1",
		}), config.Server)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(config.Search{Topics: []string{"s1", "s2"}, GroupID: "search-1"}, c.Search); diff != "" {
			t.Errorf("Search mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("NoBrokersNoTopics", func(t *testing.T) {
		c, err := config.Load(env(map[string]string{"CHII_SEARCH_TOPICS": "s1"}), config.Server)
		if err != nil {
			t.Fatal(err)
		}
		if c.Search.Topics != nil {
			t.Errorf("Search.Topics = %v without brokers, want none", c.Search.Topics)
		}
	})
	t.Run("ReindexNeedsMySQLAndAPlaceToWrite", func(t *testing.T) {
		_, err := config.Load(env(nil), config.SearchReindex)
		for _, name := range []string{"CHII_MYSQL_DSN", "CHII_SEARCH_DIR"} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("Load(reindex, empty) error = %v, want one naming %s", err, name)
			}
		}
		if _, err := config.Load(env(map[string]string{
			"CHII_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/bangumi", "CHII_MEILISEARCH_URL": "http://meili:7700",
		}), config.SearchReindex); err != nil {
			t.Errorf("Load(reindex with MySQL and Meilisearch) = %v, want no error", err)
		}
	})
}
