// Package config reads chii's configuration from the environment.
//
// Only an injected getenv is consulted (never os.Getenv directly), so the
// whole package is testable without touching the process environment.
// Every invalid value is reported at once (errors.Join), each error naming
// the variable and what is wrong with it.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// Process selects the per-process rules (defaults and required values).
type Process int

const (
	// Server is the HTTP API process (`chii server`).
	Server Process = iota
	// CanalWorker is the Debezium CDC consumer (`chii worker canal`).
	CanalWorker
	// TimelineWorker is the timeline consumer (`chii worker timeline`).
	TimelineWorker
	// SearchReindex rebuilds a search index from MySQL (`chii search reindex`).
	SearchReindex
)

// String returns the process name used in logs.
func (p Process) String() string {
	switch p {
	case Server:
		return "server"
	case CanalWorker:
		return "worker canal"
	case TimelineWorker:
		return "worker timeline"
	case SearchReindex:
		return "search reindex"
	default:
		return fmt.Sprintf("Process(%d)", int(p))
	}
}

// Config is the effective configuration of one chii process.
type Config struct {
	// HTTPAddr is the listen address of the HTTP server (host:port).
	HTTPAddr string
	// HTTP bounds every phase of a server request and its sizes.
	HTTP HTTP
	// TrustedProxies are the peers whose Cf-Connecting-Ip / X-Forwarded-For headers name the
	// client the server rate-limits (D14); empty: the client is always the connection's peer.
	TrustedProxies []netip.Prefix
	// MetricsAddr is the address of the process's internal listener (/metrics, /debug/pprof,
	// D15); empty: no internal listener.
	MetricsAddr string

	MySQL       MySQL
	RedisURL    string // empty: no Redis
	Kafka       Kafka
	Meilisearch Meilisearch
	// Search configures the embedded search index, used when Meilisearch is not configured.
	Search Search
	// S3 is the object store of resized images; its EntryPoint is empty when none is configured.
	S3  S3
	Log Log

	// ShutdownGrace bounds how long in-flight work may take after SIGINT/SIGTERM (after the
	// drain). The server's grace is never shorter than its request timeout.
	ShutdownGrace time.Duration
	// ShutdownDrain is how long the server keeps serving after SIGINT/SIGTERM with /readyz
	// answering 503, so that a load balancer stops sending to it before it stops accepting.
	ShutdownDrain time.Duration

	RateLimit RateLimit

	// ResponseCache sizes the server's cache of rendered answers.
	ResponseCache ResponseCache

	// TimelineTopic is the Kafka topic timeline messages are published to and consumed from.
	TimelineTopic string
}

// HTTP holds the server's timeouts and size limits.
type HTTP struct {
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included: a stalled body is cut and
	// its connection closed.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end of its answer;
	// always longer than RequestTimeout.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long for its next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's headers (431 beyond).
	MaxHeaderBytes int
	// MaxBodyBytes bounds the size of a request's body (413 beyond).
	MaxBodyBytes int
	// RequestTimeout is the deadline of a request's work (its context), from the handler's start.
	RequestTimeout time.Duration
}

// MySQL holds the database settings. An empty DSN means "no database": the
// server then runs in demo mode with in-memory adapters.
type MySQL struct {
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
}

// Kafka holds the broker settings.
type Kafka struct {
	Brokers []string // host:port each
	Topics  []string // topics the canal worker consumes
	GroupID string   // consumer group; defaults per worker (go-canal / go-timeline)
}

// Meilisearch holds the search engine settings. An empty URL means the embedded index.
type Meilisearch struct {
	URL string
	Key string
	// Timeout bounds one request to Meilisearch.
	Timeout time.Duration
}

// Search holds the settings of the embedded search index (no Meilisearch configured).
type Search struct {
	// Dir is where the index is stored; empty: in memory, built from the data at start.
	Dir string
	// Topics are the Debezium topics whose chii_subjects, chii_subject_fields, chii_characters
	// and chii_persons events the server follows to keep its embedded index current; empty:
	// none (writes through this server's API still update it).
	Topics []string
	// GroupID is the server's own consumer group for Topics: each instance keeps its own
	// index, so each must see every event.
	GroupID string
}

// S3 holds the S3-compatible object store of resized images (bangumi's img-resize bucket),
// whose avatars the canal worker purges when a member changes theirs. An empty EntryPoint
// means none is configured.
type S3 struct {
	EntryPoint        string // an http(s) URL or host:port (HTTPS)
	AccessKey         string
	SecretKey         string
	ImageResizeBucket string
}

// Log holds the logging settings.
type Log struct {
	Format string // "json" or "text"
	Level  slog.Level
}

// ResponseCache holds the settings of the cache of rendered answers: the in-process tier's
// byte bound and lifetime, and the lifetime of the shared (Redis) tier.
type ResponseCache struct {
	MaxBytes  int
	LocalTTL  time.Duration
	SharedTTL time.Duration
}

// RateLimit holds the API rate-limit settings.
type RateLimit struct {
	Window   time.Duration
	Count    int
	LongTime time.Duration
}

// Defaults.
const (
	DefaultHTTPAddr              = "127.0.0.1:3000"
	DefaultMySQLMaxOpenConns     = 10
	DefaultMySQLMaxIdleConns     = 10 // as many as may be open: a burst does not close and reopen connections
	DefaultMySQLConnMaxLifetime  = time.Hour
	DefaultShutdownGrace         = 10 * time.Second // the workers'; the server's is DefaultRequestTimeout + DeadlineMargin
	DefaultShutdownDrain         = 0 * time.Second
	DefaultHTTPReadHeaderTimeout = 10 * time.Second
	DefaultHTTPReadTimeout       = 30 * time.Second
	DefaultHTTPIdleTimeout       = time.Minute
	DefaultHTTPMaxHeaderBytes    = 64 << 10
	DefaultHTTPMaxBodyBytes      = 1 << 20
	DefaultRequestTimeout        = 30 * time.Second
	DefaultRateLimitWindow       = 10 * time.Minute
	DefaultRateLimitCount        = 3000
	DefaultRateLimitLongTime     = time.Hour
	DefaultTimelineTopic         = "timeline"
	DefaultCacheMaxBytes         = 64 << 20
	DefaultCacheLocalTTL         = 10 * time.Minute
	DefaultCacheSharedTTL        = time.Hour
	DefaultCanalGroupID          = "go-canal"
	DefaultMeilisearchTimeout    = 2 * time.Second
	DefaultTimelineGroupID       = "go-timeline"
	DefaultS3ImageResizeBucket   = "img-resize"
)

// Margins of the server's timeouts over its request timeout.
const (
	// DeadlineMargin is what the server's write timeout and shutdown grace default to above
	// the request timeout: the time to write the answer of a request that used all of it.
	DeadlineMargin = 5 * time.Second
	// MinGraceMargin is the least the server's shutdown grace must exceed the request timeout
	// by: with no margin, a request that runs to its deadline as the stop begins loses the race
	// between writing its answer and the end of the grace.
	MinGraceMargin = time.Second
)

// loader collects values and problems while reading the environment.
type loader struct {
	getenv func(string) string
	errs   []error
}

func (l *loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// lookup returns the value of the first non-empty variable among names,
// together with the name it came from ("" if none is set).
func (l *loader) lookup(names ...string) (value, from string) {
	for _, n := range names {
		if v := strings.TrimSpace(l.getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

func (l *loader) str(def string, names ...string) string {
	v, _ := l.lookup(names...)
	if v == "" {
		return def
	}
	return v
}

func (l *loader) duration(def time.Duration, allowSeconds bool, names ...string) time.Duration {
	if d, ok := l.optDuration(allowSeconds, names...); ok {
		return d
	}
	return def
}

// optDuration reads a duration; ok is false when the variable is unset or invalid (reported).
func (l *loader) optDuration(allowSeconds bool, names ...string) (d time.Duration, ok bool) {
	v, from := l.lookup(names...)
	if v == "" {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil && allowSeconds {
		if n, err2 := strconv.ParseInt(v, 10, 64); err2 == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil {
		if allowSeconds {
			l.fail(from, "%q is not a duration (use e.g. 10m, 1h30m, or an integer number of seconds)", v)
		} else {
			l.fail(from, "%q is not a duration (use e.g. 10s, 1m30s)", v)
		}
		return 0, false
	}
	if d <= 0 {
		l.fail(from, "%q must be positive", v)
		return 0, false
	}
	return d, true
}

func (l *loader) integer(def, minimum int, names ...string) int {
	v, from := l.lookup(names...)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(from, "%q is not an integer", v)
		return def
	}
	if n < minimum {
		l.fail(from, "%d must be at least %d", n, minimum)
		return def
	}
	return n
}

func (l *loader) list(names ...string) ([]string, string) {
	v, from := l.lookup(names...)
	if v == "" {
		return nil, ""
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out, from
}

// Load reads the configuration for process p from getenv.
// The returned error joins every problem found (errors.Join); each names its variable.
func Load(getenv func(string) string, p Process) (Config, error) {
	l := &loader{getenv: getenv}
	var c Config

	c.HTTPAddr = l.httpAddr()
	c.TrustedProxies = l.trustedProxies()
	c.MetricsAddr = l.metricsAddr(c.HTTPAddr)
	c.MySQL = l.mysql(p)
	c.RedisURL = l.redisURL()
	c.Kafka = l.kafka(p)
	c.Meilisearch = l.meilisearch()
	c.Search = l.search(p, c.Kafka)
	c.S3 = l.s3()
	if p == SearchReindex {
		if c.MySQL.DSN == "" {
			l.fail("CHII_MYSQL_DSN", "missing: the reindex reads MySQL and needs a DSN (or MYSQL_HOST)")
		}
		if c.Meilisearch.URL == "" && c.Search.Dir == "" {
			l.fail("CHII_SEARCH_DIR", "missing: without Meilisearch (CHII_MEILISEARCH_URL) the reindex writes the embedded index in CHII_SEARCH_DIR (an in-memory index would be lost at exit)")
		}
	}
	c.Log = l.log()
	c.HTTP, c.ShutdownGrace = l.httpAndGrace(p)
	c.ShutdownDrain = l.drain()
	c.RateLimit = RateLimit{
		Window:   l.duration(DefaultRateLimitWindow, true, "CHII_RATE_LIMIT_WINDOW", "RATE_LIMIT_WINDOW"),
		Count:    l.integer(DefaultRateLimitCount, 1, "CHII_RATE_LIMIT_COUNT", "RATE_LIMIT_COUNT"),
		LongTime: l.duration(DefaultRateLimitLongTime, true, "CHII_RATE_LIMIT_LONG_TIME", "RATE_LIMIT_LONG_TIME"),
	}
	c.ResponseCache = ResponseCache{
		MaxBytes:  l.integer(DefaultCacheMaxBytes, 1<<20, "CHII_CACHE_MAX_BYTES"),
		LocalTTL:  l.duration(DefaultCacheLocalTTL, false, "CHII_CACHE_LOCAL_TTL"),
		SharedTTL: l.duration(DefaultCacheSharedTTL, false, "CHII_CACHE_SHARED_TTL"),
	}
	c.TimelineTopic = l.str(DefaultTimelineTopic, "CHII_TIMELINE_TOPIC")

	return c, errors.Join(l.errs...)
}

// httpAndGrace reads the server's timeouts and limits and the shutdown grace, which depend on
// each other:
//
//   - the server's grace covers a request's deadline, so that every request in flight at a stop
//     gets its answer: it must exceed the request timeout by MinGraceMargin (1s) at least, and
//     defaults to the request timeout + DeadlineMargin (5s); the workers' grace defaults to 10s;
//   - the request timeout defaults to 30s, or to an explicit CHII_SHUTDOWN_GRACE less
//     MinGraceMargin when that is shorter; an explicit grace that does not cover an explicit
//     request timeout is refused;
//   - the write timeout defaults to the request timeout + DeadlineMargin and must exceed it;
//   - the header timeout defaults to 10s (or the read timeout if shorter) and must not exceed
//     the read timeout, which bounds the whole request.
func (l *loader) httpAndGrace(p Process) (HTTP, time.Duration) {
	h := HTTP{
		ReadTimeout:    l.duration(DefaultHTTPReadTimeout, false, "CHII_HTTP_READ_TIMEOUT"),
		IdleTimeout:    l.duration(DefaultHTTPIdleTimeout, false, "CHII_HTTP_IDLE_TIMEOUT"),
		MaxHeaderBytes: l.integer(DefaultHTTPMaxHeaderBytes, 4096, "CHII_HTTP_MAX_HEADER_BYTES"),
		MaxBodyBytes:   l.integer(DefaultHTTPMaxBodyBytes, 1, "CHII_HTTP_MAX_BODY_BYTES"),
	}
	header, headerSet := l.optDuration(false, "CHII_HTTP_READ_HEADER_TIMEOUT")
	switch {
	case !headerSet:
		h.ReadHeaderTimeout = min(DefaultHTTPReadHeaderTimeout, h.ReadTimeout)
	case header > h.ReadTimeout:
		l.fail("CHII_HTTP_READ_HEADER_TIMEOUT", "%s exceeds CHII_HTTP_READ_TIMEOUT (%s), which bounds the whole request", header, h.ReadTimeout)
		h.ReadHeaderTimeout = h.ReadTimeout
	default:
		h.ReadHeaderTimeout = header
	}

	grace, graceSet := l.optDuration(false, "CHII_SHUTDOWN_GRACE")
	request, requestSet := l.optDuration(false, "CHII_REQUEST_TIMEOUT")
	h.RequestTimeout = DefaultRequestTimeout
	switch {
	case requestSet:
		h.RequestTimeout = request
	case graceSet && p == Server && grace <= MinGraceMargin:
		l.fail("CHII_SHUTDOWN_GRACE", "%s leaves no time for a request: the server's grace must exceed CHII_REQUEST_TIMEOUT by %s", grace, MinGraceMargin)
	case graceSet && p == Server:
		h.RequestTimeout = min(DefaultRequestTimeout, grace-MinGraceMargin)
	}
	switch {
	case !graceSet && p == Server:
		grace = h.RequestTimeout + DeadlineMargin
	case !graceSet:
		grace = DefaultShutdownGrace
	case p == Server && requestSet && grace < h.RequestTimeout+MinGraceMargin:
		l.fail("CHII_SHUTDOWN_GRACE", "%s does not cover CHII_REQUEST_TIMEOUT (%s) and %s to answer: a request in flight at a stop could lose its answer",
			grace, h.RequestTimeout, MinGraceMargin)
	}

	write, writeSet := l.optDuration(false, "CHII_HTTP_WRITE_TIMEOUT")
	switch {
	case !writeSet:
		h.WriteTimeout = h.RequestTimeout + DeadlineMargin
	case write <= h.RequestTimeout:
		l.fail("CHII_HTTP_WRITE_TIMEOUT", "%s must exceed CHII_REQUEST_TIMEOUT (%s), or an answer that takes the whole request timeout is lost", write, h.RequestTimeout)
		h.WriteTimeout = h.RequestTimeout + DeadlineMargin
	default:
		h.WriteTimeout = write
	}
	return h, grace
}

// drain reads CHII_SHUTDOWN_DRAIN, which may be 0 (stop accepting at once).
func (l *loader) drain() time.Duration {
	v, from := l.lookup("CHII_SHUTDOWN_DRAIN")
	if v == "" {
		return DefaultShutdownDrain
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		l.fail(from, "%q is not a duration of 0 or more (use e.g. 0s, 5s)", v)
		return DefaultShutdownDrain
	}
	return d
}

func (l *loader) httpAddr() string {
	if v, from := l.lookup("CHII_HTTP_ADDR"); v != "" {
		if err := checkHostPort(v); err != nil {
			l.fail(from, "%q is not host:port with a numeric port: %v", v, err)
			return DefaultHTTPAddr
		}
		return v
	}
	host, port := l.getenv("HTTP_HOST"), l.getenv("HTTP_PORT")
	if strings.TrimSpace(host) == "" && strings.TrimSpace(port) == "" {
		return DefaultHTTPAddr
	}
	if host = strings.TrimSpace(host); host == "" {
		host = "127.0.0.1"
	}
	if port = strings.TrimSpace(port); port == "" {
		port = "3000"
	}
	addr := net.JoinHostPort(host, port)
	if err := checkHostPort(addr); err != nil {
		l.fail("HTTP_HOST/HTTP_PORT", "%q is not host:port with a numeric port: %v", addr, err)
		return DefaultHTTPAddr
	}
	return addr
}

// trustedProxies reads CHII_TRUSTED_PROXIES: CIDRs or single addresses, comma-separated.
// Each entry that is neither is reported.
func (l *loader) trustedProxies() []netip.Prefix {
	items, from := l.list("CHII_TRUSTED_PROXIES")
	var out []netip.Prefix
	for _, item := range items {
		p, err := parseProxy(item)
		if err != nil {
			l.fail(from, "%q is not a CIDR (10.0.0.0/8, 2001:db8::/32) or an IP address: %v", item, err)
			continue
		}
		out = append(out, p)
	}
	return out
}

// parseProxy parses a CIDR or a single address (a prefix of its full length). IPv4-mapped IPv6
// entries (::ffff:10.0.0.1, ::ffff:10.0.0.0/104) become IPv4 ones: the server compares peers
// unmapped. Zones are refused (a zoned peer never matches a prefix).
func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if a := p.Addr(); a.Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, errors.New("an IPv4-mapped prefix needs at least 96 bits")
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("an address with a zone cannot be matched")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// metricsAddr reads CHII_METRICS_ADDR, the internal listener's address (default: none). It
// must not be the API's address.
func (l *loader) metricsAddr(httpAddr string) string {
	v, from := l.lookup("CHII_METRICS_ADDR")
	if v == "" {
		return ""
	}
	if err := checkHostPort(v); err != nil {
		l.fail(from, "%q is not host:port with a numeric port: %v", v, err)
		return ""
	}
	if sameListener(v, httpAddr) {
		l.fail(from, "%q is the API's address (CHII_HTTP_ADDR %s): the internal listener needs its own port", v, httpAddr)
		return ""
	}
	return v
}

// sameListener reports whether two host:port addresses would claim the same port: the same
// non-zero port on the same host or on a wildcard host.
func sameListener(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wildcard(ha) || wildcard(hb)
}

func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number between 0 and 65535", port)
	}
	return nil
}

func (l *loader) mysql(p Process) MySQL {
	m := MySQL{
		MaxOpenConns:    l.integer(DefaultMySQLMaxOpenConns, 0, "CHII_MYSQL_MAX_OPEN_CONNS", "MYSQL_MAX_CONNECTION"),
		MaxIdleConns:    l.integer(DefaultMySQLMaxIdleConns, 0, "CHII_MYSQL_MAX_IDLE_CONNS"),
		ConnMaxLifetime: l.duration(DefaultMySQLConnMaxLifetime, false, "CHII_MYSQL_CONN_MAX_LIFETIME"),
	}
	if v, from := l.lookup("CHII_MYSQL_DSN"); v != "" {
		if _, err := mysql.ParseDSN(v); err != nil {
			l.fail(from, "invalid DSN (want user:pass@tcp(host:port)/db): %s", scrub(err.Error(), v, RedactDSN(v)))
			return m
		}
		m.DSN = v
		return m
	}
	if host, _ := l.lookup("MYSQL_HOST"); host != "" {
		port := l.str("3306", "MYSQL_PORT")
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			l.fail("MYSQL_PORT", "%q is not a port number", port)
			return m
		}
		dc := mysql.NewConfig()
		dc.User = l.str("user", "MYSQL_USER")
		dc.Passwd = l.str("password", "MYSQL_PASS")
		dc.Net = "tcp"
		dc.Addr = net.JoinHostPort(host, port)
		dc.DBName = l.str("bangumi", "MYSQL_DB")
		m.DSN = dc.FormatDSN()
		return m
	}
	if p == TimelineWorker {
		// Without a database the worker could only acknowledge messages and lose them.
		l.fail("CHII_MYSQL_DSN", "missing: the timeline worker writes chii_timeline and needs a MySQL DSN (or MYSQL_HOST)")
	}
	return m
}

// scrub replaces every occurrence of raw in msg by redacted, so that error
// messages never leak a password contained in a configured value.
func scrub(msg, raw, redacted string) string {
	if raw == "" || raw == redacted {
		return msg
	}
	return strings.ReplaceAll(msg, raw, redacted)
}

func (l *loader) redisURL() string {
	v, from := l.lookup("CHII_REDIS_URL", "REDIS_URI")
	if v == "" {
		return ""
	}
	if _, err := redis.ParseURL(v); err != nil {
		l.fail(from, "invalid Redis URL (want redis://[:password@]host:port/db): %s", scrub(err.Error(), v, redactURL(v)))
		return ""
	}
	return v
}

func (l *loader) kafka(p Process) Kafka {
	var k Kafka
	brokers, from := l.list("CHII_KAFKA_BROKERS", "KAFKA_BROKER")
	for _, b := range brokers {
		if err := checkHostPort(b); err != nil {
			l.fail(from, "broker %q is not host:port with a numeric port: %v", b, err)
			continue
		}
		k.Brokers = append(k.Brokers, b)
	}
	k.Topics, _ = l.list("CHII_KAFKA_TOPICS", "KAFKA_TOPICS")
	switch p {
	case CanalWorker:
		k.GroupID = l.str(DefaultCanalGroupID, "CHII_KAFKA_GROUP_ID")
		if len(k.Topics) == 0 {
			l.fail("CHII_KAFKA_TOPICS", "missing: the canal worker needs at least one topic (comma-separated list)")
		}
		if len(brokers) == 0 {
			l.fail("CHII_KAFKA_BROKERS", "missing: the canal worker needs at least one broker host:port")
		}
	case TimelineWorker:
		k.GroupID = l.str(DefaultTimelineGroupID, "CHII_KAFKA_GROUP_ID")
		if len(brokers) == 0 {
			l.fail("CHII_KAFKA_BROKERS", "missing: the timeline worker needs at least one broker host:port")
		}
	default:
		k.GroupID = l.str("", "CHII_KAFKA_GROUP_ID")
	}
	return k
}

func (l *loader) meilisearch() Meilisearch {
	m := Meilisearch{
		Key:     l.str("", "CHII_MEILISEARCH_KEY", "MEILISEARCH_KEY"),
		Timeout: l.duration(DefaultMeilisearchTimeout, false, "CHII_MEILISEARCH_REQUEST_TIMEOUT", "MEILISEARCH_REQUEST_TIMEOUT"),
	}
	v, from := l.lookup("CHII_MEILISEARCH_URL", "MEILISEARCH_URL")
	if v == "" {
		return m
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.fail(from, "%q is not an http(s) URL", redactURL(v))
		return m
	}
	m.URL = v
	return m
}

// s3 reads the object store of resized images. An entry point needs both keys; keys without
// an entry point configure nothing (the zero S3).
func (l *loader) s3() S3 {
	s := S3{
		AccessKey:         l.str("", "CHII_S3_ACCESS_KEY", "S3_ACCESS_KEY"),
		SecretKey:         l.str("", "CHII_S3_SECRET_KEY", "S3_SECRET_KEY"),
		ImageResizeBucket: l.str(DefaultS3ImageResizeBucket, "CHII_S3_IMAGE_RESIZE_BUCKET", "S3_IMAGE_RESIZE_BUCKET"),
	}
	v, from := l.lookup("CHII_S3_ENTRY_POINT", "S3_ENTRY_POINT")
	if v == "" {
		return S3{}
	}
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			l.fail(from, "%q is not an http(s) URL of a server (no path) or host:port", redactURL(v))
			return S3{}
		}
	} else if err := checkHostPort(v); err != nil {
		l.fail(from, "%q is not an http(s) URL or host:port with a numeric port: %v", v, err)
		return S3{}
	}
	ok := true
	if s.AccessKey == "" {
		l.fail("CHII_S3_ACCESS_KEY", "missing: %s is set, and the object store needs an access key (or S3_ACCESS_KEY)", from)
		ok = false
	}
	if s.SecretKey == "" {
		l.fail("CHII_S3_SECRET_KEY", "missing: %s is set, and the object store needs a secret key (or S3_SECRET_KEY)", from)
		ok = false
	}
	if !ok {
		return S3{}
	}
	s.EntryPoint = v
	return s
}

func (l *loader) search(p Process, k Kafka) Search {
	s := Search{Dir: l.str("", "CHII_SEARCH_DIR")}
	s.Topics, _ = l.list("CHII_SEARCH_TOPICS")
	if len(s.Topics) == 0 {
		s.Topics = k.Topics
	}
	if p != Server || len(k.Brokers) == 0 {
		s.Topics = nil // only the server follows topics, and only with brokers to read them from
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	s.GroupID = l.str("chii-search-"+host, "CHII_SEARCH_GROUP_ID")
	return s
}

func (l *loader) log() Log {
	lg := Log{Format: "json", Level: slog.LevelInfo}
	if v, from := l.lookup("CHII_LOG_FORMAT"); v != "" {
		switch strings.ToLower(v) {
		case "json", "text":
			lg.Format = strings.ToLower(v)
		default:
			l.fail(from, "%q is not one of text, json", v)
		}
	}
	if v, from := l.lookup("CHII_LOG_LEVEL"); v != "" {
		switch strings.ToLower(v) {
		case "debug":
			lg.Level = slog.LevelDebug
		case "info":
			lg.Level = slog.LevelInfo
		case "warn", "warning":
			lg.Level = slog.LevelWarn
		case "error":
			lg.Level = slog.LevelError
		default:
			l.fail(from, "%q is not one of debug, info, warn, error", v)
		}
	}
	return lg
}
