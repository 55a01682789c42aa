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
	{"CHII_TRUSTED_PROXIES", "", "server: proxies whose Cf-Connecting-Ip / X-Forwarded-For name the client for rate limiting, comma-separated CIDRs or IP addresses; empty: trust none (the client is the connection's peer)", ""},
	{"CHII_METRICS_ADDR", "", "server and workers: internal listener (host:port) serving /metrics (Prometheus) and /debug/pprof; empty: none. Never expose it publicly", ""},
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
	{"CHII_MEILISEARCH_REQUEST_TIMEOUT", "2s", "bound on one request to Meilisearch (Go duration)", "MEILISEARCH_REQUEST_TIMEOUT"},
	{"CHII_SEARCH_DIR", "", "without Meilisearch: directory of the embedded search index; empty: in memory, built from the data at start", ""},
	{"CHII_SEARCH_TOPICS", "CHII_KAFKA_TOPICS", "server with the embedded index: Debezium topics (of chii_subjects, chii_subject_fields, chii_characters, chii_persons) it follows to keep the index current; needs CHII_KAFKA_BROKERS", ""},
	{"CHII_SEARCH_GROUP_ID", "chii-search-<hostname>", "server with the embedded index: its own Kafka consumer group for CHII_SEARCH_TOPICS (one per instance: each keeps its own index)", ""},
	{"CHII_S3_ENTRY_POINT", "", "canal worker: S3-compatible object store of resized images, an http(s) URL or host:port (HTTPS); empty: avatars are not purged when a member changes theirs", "S3_ENTRY_POINT"},
	{"CHII_S3_ACCESS_KEY", "", "access key of CHII_S3_ENTRY_POINT (required with it)", "S3_ACCESS_KEY"},
	{"CHII_S3_SECRET_KEY", "", "secret key of CHII_S3_ENTRY_POINT (required with it; redacted in logs)", "S3_SECRET_KEY"},
	{"CHII_S3_IMAGE_RESIZE_BUCKET", DefaultS3ImageResizeBucket, "bucket of the resized images the canal worker purges", "S3_IMAGE_RESIZE_BUCKET"},
	{"CHII_LOG_FORMAT", "json", "log format: json or text", ""},
	{"CHII_LOG_LEVEL", "info", "log level: debug, info, warn or error", ""},
	{"CHII_HTTP_READ_HEADER_TIMEOUT", "10s", "server: bound on reading a request's headers (Go duration; at most CHII_HTTP_READ_TIMEOUT)", ""},
	{"CHII_HTTP_READ_TIMEOUT", "30s", "server: bound on reading a whole request, body included; a stalled body is cut and its connection closed (Go duration)", ""},
	{"CHII_HTTP_WRITE_TIMEOUT", "CHII_REQUEST_TIMEOUT + 5s (35s)", "server: bound from the end of a request's headers to the end of its answer (Go duration; longer than CHII_REQUEST_TIMEOUT)", ""},
	{"CHII_HTTP_IDLE_TIMEOUT", "1m0s", "server: a keep-alive connection waiting this long for its next request is closed (Go duration)", ""},
	{"CHII_HTTP_MAX_HEADER_BYTES", "65536", "server: largest request header block in bytes (431 beyond; at least 4096)", ""},
	{"CHII_HTTP_MAX_BODY_BYTES", "1048576", "server: largest request body in bytes (413 beyond)", ""},
	{"CHII_REQUEST_TIMEOUT", "30s, or CHII_SHUTDOWN_GRACE - 1s if set and shorter", "server: deadline of a request's work, from its handler's start (Go duration)", ""},
	{"CHII_SHUTDOWN_GRACE", "server: CHII_REQUEST_TIMEOUT + 5s (35s); workers: 10s", "how long in-flight work may finish after SIGINT/SIGTERM (Go duration; the server refuses one that does not exceed CHII_REQUEST_TIMEOUT by 1s)", ""},
	{"CHII_SHUTDOWN_DRAIN", "0s", "server: how long after SIGINT/SIGTERM it keeps serving with /readyz answering 503 before it stops accepting connections (Go duration)", ""},
	{"CHII_CACHE_MAX_BYTES", "67108864", "byte bound of the in-process tier of rendered answers (at least 1 MiB)", ""},
	{"CHII_CACHE_LOCAL_TTL", "10m0s", "lifetime of an in-process rendered answer (Go duration)", ""},
	{"CHII_CACHE_SHARED_TTL", "1h0m0s", "lifetime of a rendered answer in Redis (Go duration)", ""},
	{"CHII_RATE_LIMIT_WINDOW", "10m0s", "rate-limit window (Go duration or integer seconds)", "RATE_LIMIT_WINDOW"},
	{"CHII_RATE_LIMIT_COUNT", "3000", "requests allowed per window", "RATE_LIMIT_COUNT"},
	{"CHII_RATE_LIMIT_LONG_TIME", "1h0m0s", "ban duration after exceeding the limit (Go duration or integer seconds)", "RATE_LIMIT_LONG_TIME"},
}
