package config

import (
	"log/slog"
	"net/netip"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
)

const redacted = "xxxxx"

// RedactDSN returns dsn with its password replaced by "xxxxx".
// A DSN that does not parse is replaced entirely (it might hide a password anywhere).
func RedactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if c.Passwd == "" {
		return dsn
	}
	// The password sits between the first ':' of the user part and the '@'
	// that ends the credentials: user:password@net(addr)/db.
	if i := strings.Index(dsn, ":"+c.Passwd+"@"); i >= 0 {
		return dsn[:i+1] + redacted + dsn[i+1+len(c.Passwd):]
	}
	c.Passwd = redacted
	return c.FormatDSN()
}

// redactURL returns raw with any password replaced by "xxxxx".
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "(unparsable URL)"
		}
		return raw
	}
	return u.Redacted()
}

// RedactURL is redactURL for other packages (e.g. logging a Redis address).
func RedactURL(raw string) string { return redactURL(raw) }

// LogValue renders the effective configuration with secrets redacted, so
// that `logger.Info("start", "config", cfg)` is safe.
func (c Config) LogValue() slog.Value {
	key := ""
	if c.Meilisearch.Key != "" {
		key = redacted
	}
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.Any("trusted_proxies", prefixes(c.TrustedProxies)),
		slog.String("metrics_addr", c.MetricsAddr),
		slog.Group("mysql",
			slog.String("dsn", RedactDSN(c.MySQL.DSN)),
			slog.Int("max_open_conns", c.MySQL.MaxOpenConns),
			slog.Int("max_idle_conns", c.MySQL.MaxIdleConns),
			slog.String("conn_max_lifetime", c.MySQL.ConnMaxLifetime.String()),
		),
		slog.Group("http",
			slog.String("read_header_timeout", c.HTTP.ReadHeaderTimeout.String()),
			slog.String("read_timeout", c.HTTP.ReadTimeout.String()),
			slog.String("write_timeout", c.HTTP.WriteTimeout.String()),
			slog.String("idle_timeout", c.HTTP.IdleTimeout.String()),
			slog.Int("max_header_bytes", c.HTTP.MaxHeaderBytes),
			slog.Int("max_body_bytes", c.HTTP.MaxBodyBytes),
			slog.String("request_timeout", c.HTTP.RequestTimeout.String()),
		),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.Group("kafka",
			slog.Any("brokers", nonNil(c.Kafka.Brokers)),
			slog.Any("topics", nonNil(c.Kafka.Topics)),
			slog.String("group_id", c.Kafka.GroupID),
		),
		slog.Group("meilisearch",
			slog.String("url", redactURL(c.Meilisearch.URL)),
			slog.String("key", key),
			slog.String("timeout", c.Meilisearch.Timeout.String()),
		),
		slog.Group("search",
			slog.String("dir", c.Search.Dir),
			slog.Any("topics", nonNil(c.Search.Topics)),
			slog.String("group_id", c.Search.GroupID),
		),
		slog.Group("s3",
			slog.String("entry_point", redactURL(c.S3.EntryPoint)),
			slog.String("access_key", c.S3.AccessKey),
			slog.String("secret_key", redactSecret(c.S3.SecretKey)),
			slog.String("image_resize_bucket", c.S3.ImageResizeBucket),
		),
		slog.Group("log",
			slog.String("format", c.Log.Format),
			slog.String("level", c.Log.Level.String()),
		),
		slog.String("shutdown_grace", c.ShutdownGrace.String()),
		slog.String("shutdown_drain", c.ShutdownDrain.String()),
		slog.Group("rate_limit",
			slog.String("window", c.RateLimit.Window.String()),
			slog.Int("count", c.RateLimit.Count),
			slog.String("long_time", c.RateLimit.LongTime.String()),
		),
		slog.String("timeline_topic", c.TimelineTopic),
	)
}

func prefixes(ps []netip.Prefix) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// redactSecret hides a secret that is set.
func redactSecret(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}
