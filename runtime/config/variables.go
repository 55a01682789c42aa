package config

// Variable documents one environment variable (for `chii <command> -h` and
// the README).
type Variable struct {
	Name    string
	Default string
	Meaning string
	Legacy  string // bangumi's name(s), used only when Name is unset
}

// Variables lists every variable Load reads.
var Variables = []Variable{
	{"CHII_HTTP_ADDR", DefaultHTTPAddr, "server listen address, host:port with a numeric port", "HTTP_HOST + HTTP_PORT"},
	{"CHII_MYSQL_DSN", "", "MySQL DSN user:pass@tcp(host:port)/db (required by the timeline worker); empty: the server runs in demo mode on in-memory data", "MYSQL_HOST, MYSQL_PORT (3306), MYSQL_USER (user), MYSQL_PASS (password), MYSQL_DB (bangumi); only when MYSQL_HOST is set"},
	{"CHII_MYSQL_MAX_OPEN_CONNS", "10", "MySQL pool: maximum open connections (0: unlimited)", "MYSQL_MAX_CONNECTION"},
	{"CHII_MYSQL_MAX_IDLE_CONNS", "10", "MySQL pool: maximum idle connections", ""},
	{"CHII_MYSQL_CONN_MAX_LIFETIME", "1h0m0s", "MySQL pool: maximum connection lifetime (Go duration)", ""},
	{"CHII_REDIS_URL", "", "Redis URL redis://[:password@]host:port/db; empty: no Redis", "REDIS_URI"},
	{"CHII_KAFKA_BROKERS", "", "Kafka brokers, comma-separated host:port (required by the workers)", "KAFKA_BROKER"},
	{"CHII_KAFKA_TOPICS", "", "Debezium topics the canal worker consumes, comma-separated (required by it)", "KAFKA_TOPICS"},
	{"CHII_KAFKA_GROUP_ID", "go-canal / go-timeline", "Kafka consumer group of the worker", ""},
	{"CHII_TIMELINE_TOPIC", DefaultTimelineTopic, "Kafka topic of timeline messages", ""},
	{"CHII_MEILISEARCH_URL", "", "Meilisearch base URL (http or https)", "MEILISEARCH_URL"},
	{"CHII_MEILISEARCH_KEY", "", "Meilisearch API key (redacted in logs)", "MEILISEARCH_KEY"},
	{"CHII_LOG_FORMAT", "json", "log format: json or text", ""},
	{"CHII_LOG_LEVEL", "info", "log level: debug, info, warn or error", ""},
	{"CHII_SHUTDOWN_GRACE", "10s", "how long in-flight work may finish after SIGINT/SIGTERM (Go duration)", ""},
	{"CHII_CACHE_MAX_BYTES", "67108864", "byte bound of the in-process tier of rendered answers (at least 1 MiB)", ""},
	{"CHII_CACHE_LOCAL_TTL", "10m0s", "lifetime of an in-process rendered answer (Go duration)", ""},
	{"CHII_CACHE_SHARED_TTL", "1h0m0s", "lifetime of a rendered answer in Redis (Go duration)", ""},
	{"CHII_RATE_LIMIT_WINDOW", "10m0s", "rate-limit window (Go duration or integer seconds)", "RATE_LIMIT_WINDOW"},
	{"CHII_RATE_LIMIT_COUNT", "3000", "requests allowed per window", "RATE_LIMIT_COUNT"},
	{"CHII_RATE_LIMIT_LONG_TIME", "1h0m0s", "ban duration after exceeding the limit (Go duration or integer seconds)", "RATE_LIMIT_LONG_TIME"},
}
