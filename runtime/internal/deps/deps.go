// Package deps opens the external dependencies a chii process is configured
// with (MySQL, Redis) and describes them as health checks.
package deps

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/health"
)

// Deps are the opened clients; a nil field is a dependency that is not configured.
// MySQL's check is required (the server cannot answer without it), Redis's is optional.
type Deps struct {
	MySQL  *sql.DB       // nil: no CHII_MYSQL_DSN (server: demo mode)
	Redis  *redis.Client // nil: no CHII_REDIS_URL
	Checks []health.Check

	// mysqlCheck is the readiness check's own pool of one connection to the same server: a
	// main pool whose every connection waits (a locked table, a burst) answers nothing new
	// for seconds, yet MySQL is up and other routes are served; pinging through that pool
	// would make readiness fail and an orchestrator pull every instance at once.
	mysqlCheck *sql.DB
}

// checkConnLifetime bounds the life of the readiness check's connection, so that it follows
// the server when its address moves (failover) like the main pool does.
const checkConnLifetime = 10 * time.Minute

// Open builds the clients for every configured dependency. It does not
// require them to answer: an unreachable server shows up in the checks.
func Open(ctx context.Context, cfg config.Config) (*Deps, error) {
	d := &Deps{}
	if cfg.MySQL.DSN != "" {
		db, err := mysqldb.Open(ctx, mysqldb.Options{
			DSN:             cfg.MySQL.DSN,
			MaxOpenConns:    cfg.MySQL.MaxOpenConns,
			MaxIdleConns:    cfg.MySQL.MaxIdleConns,
			ConnMaxLifetime: cfg.MySQL.ConnMaxLifetime,
		})
		if err != nil {
			return nil, fmt.Errorf("open mysql: %w", err)
		}
		d.MySQL = db
		check, err := mysqldb.Open(ctx, mysqldb.Options{
			DSN:             cfg.MySQL.DSN,
			MaxOpenConns:    1,
			MaxIdleConns:    1,
			ConnMaxLifetime: min(cfg.MySQL.ConnMaxLifetime, checkConnLifetime),
		})
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("open mysql (readiness check): %w", err)
		}
		d.mysqlCheck = check
		d.Checks = append(d.Checks, health.Check{Name: "mysql", Addr: mysqlAddr(cfg.MySQL.DSN), Ping: check.PingContext})
	}
	if cfg.RedisURL != "" {
		rc, err := rediscache.NewClient(ctx, rediscache.Options{URL: cfg.RedisURL, DialTimeout: 2 * time.Second})
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("open redis: %w", err)
		}
		d.Redis = rc
		// Optional: without Redis the caches and the rate limiter fall back and every request
		// is still served, so a Redis outage degrades readiness but does not fail it.
		d.Checks = append(d.Checks, health.Check{Name: "redis", Addr: rc.Options().Addr, Optional: true,
			Ping: redisPing(rc)})
	}
	return d, nil
}

// redisPing pings Redis through the client. It dials the server first: the client retries
// failed dials until the check's deadline, which would report a refused connection as
// "context deadline exceeded"; the dial names the cause (connection refused, no such host).
func redisPing(rc *redis.Client) func(ctx context.Context) error {
	o := rc.Options()
	return func(ctx context.Context) error {
		var dialer net.Dialer
		c, err := dialer.DialContext(ctx, o.Network, o.Addr)
		if err != nil {
			return err
		}
		_ = c.Close()
		return rc.Ping(ctx).Err()
	}
}

// Close closes every opened client.
func (d *Deps) Close() error {
	var errs []error
	if d.MySQL != nil {
		errs = append(errs, d.MySQL.Close())
	}
	if d.mysqlCheck != nil {
		errs = append(errs, d.mysqlCheck.Close())
	}
	if d.Redis != nil {
		errs = append(errs, d.Redis.Close())
	}
	return errors.Join(errs...)
}

func mysqlAddr(dsn string) string {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "?"
	}
	return c.Addr
}

// KafkaCheck reports Kafka as reachable when at least one broker accepts a
// TCP connection.
func KafkaCheck(brokers []string) health.Check {
	return health.Check{
		Name: "kafka",
		Addr: strings.Join(brokers, ","),
		Ping: func(ctx context.Context) error {
			var errs []error
			for _, b := range brokers {
				var dialer net.Dialer
				c, err := dialer.DialContext(ctx, "tcp", b)
				if err == nil {
					_ = c.Close()
					return nil
				}
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		},
	}
}
