package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis returns a client for the test Redis server and a key prefix that
// belongs to tb alone ("chii-test:<random>:"). Code under test must put
// every key it writes under that prefix; when tb ends, every key with the
// prefix is deleted and the client closed.
//
// The server is CHII_TEST_REDIS_URL, else redis://127.0.0.1:6379/0. Without
// one, tb is skipped (failed with CI=true).
func Redis(tb testing.TB) (client *redis.Client, prefix string) {
	tb.Helper()
	opts, err := redisServer()
	if err != nil {
		unavailable(tb, "Redis server", err)
	}
	client = redis.NewClient(opts)
	prefix = "chii-test:" + randomHex(6) + ":"
	tb.Cleanup(func() {
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteKeys(ctx, client, prefix); err != nil {
			tb.Errorf("testenv: delete Redis keys %s*: %v", prefix, err)
		}
	})
	return client, prefix
}

func deleteKeys(ctx context.Context, c *redis.Client, prefix string) error {
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := c.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return c.Del(ctx, batch...).Err()
	}
	return nil
}

var redisSrv struct {
	once sync.Once
	opts *redis.Options
	err  error
}

func redisServer() (*redis.Options, error) {
	redisSrv.once.Do(func() { redisSrv.opts, redisSrv.err = findRedis() })
	if redisSrv.err != nil {
		return nil, redisSrv.err
	}
	o := *redisSrv.opts
	return &o, nil
}

func findRedis() (*redis.Options, error) {
	raw, source := os.Getenv("CHII_TEST_REDIS_URL"), "CHII_TEST_REDIS_URL"
	if raw == "" {
		raw, source = "redis://127.0.0.1:6379/0", "CHII_TEST_REDIS_URL unset, default"
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if c, err := net.DialTimeout("tcp", opts.Addr, 500*time.Millisecond); err != nil {
		return nil, fmt.Errorf("%s %s: %w", source, opts.Addr, err)
	} else {
		_ = c.Close()
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("%s %s: ping: %w", source, opts.Addr, err)
	}
	return opts, nil
}
