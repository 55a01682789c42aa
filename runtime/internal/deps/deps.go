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
type Deps struct {
	MySQL  *sql.DB       // nil: no CHII_MYSQL_DSN (server: demo mode)
	Redis  *redis.Client // nil: no CHII_REDIS_URL
	Checks []health.Check
}

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
		d.Checks = append(d.Checks, health.Check{Name: "mysql", Addr: mysqlAddr(cfg.MySQL.DSN), Ping: db.PingContext})
	}
	if cfg.RedisURL != "" {
		rc, err := rediscache.NewClient(ctx, rediscache.Options{URL: cfg.RedisURL, DialTimeout: 2 * time.Second})
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("open redis: %w", err)
		}
		d.Redis = rc
		d.Checks = append(d.Checks, health.Check{Name: "redis", Addr: rc.Options().Addr,
			Ping: func(ctx context.Context) error { return rc.Ping(ctx).Err() }})
	}
	return d, nil
}

// Close closes every opened client.
func (d *Deps) Close() error {
	var errs []error
	if d.MySQL != nil {
		errs = append(errs, d.MySQL.Close())
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
