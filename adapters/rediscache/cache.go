package rediscache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/ports"
)

var (
	_ ports.Cache       = (*Cache)(nil)
	_ ports.RateLimiter = (*RateLimiter)(nil)
)

// CallTimeout bounds one Redis call of Cache and RateLimiter: when Redis is down or slow a
// request loses at most this much to it (callers fail open or fall through to MySQL).
const CallTimeout = 250 * time.Millisecond

// Cache is a ports.Cache on Redis; every key gets Prefix (bangumi uses "chii:<version>:").
type Cache struct {
	client redis.UniversalClient
	prefix string
}

// NewCache returns a cache whose keys start with prefix.
func NewCache(client redis.UniversalClient, prefix string) *Cache {
	return &Cache{client: client, prefix: prefix}
}

func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	v, err := c.client.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("rediscache: get %s: %w", key, err)
	}
	return v, true, nil
}

func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	if err := c.client.Set(ctx, c.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("rediscache: set %s: %w", key, err)
	}
	return nil
}

func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	if err := c.client.Del(ctx, full...).Err(); err != nil {
		return fmt.Errorf("rediscache: delete: %w", err)
	}
	return nil
}

// rateLimitScript is bangumi's algorithm (auth.md §6): a live long-ban key limits; otherwise
// count the request in the window and, past the allowance, set the long ban.
// KEYS[1] long-ban key, KEYS[2] rate key; ARGV window s, count, ban s. Returns 1 allowed, 0 limited.
var rateLimitScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then
  return 0
end
local n = redis.call("INCR", KEYS[2])
if n == 1 then
  redis.call("EXPIRE", KEYS[2], ARGV[1])
end
if n <= tonumber(ARGV[2]) then
  return 1
end
redis.call("SET", KEYS[1], "1", "EX", ARGV[3])
return 0
`)

// RateLimiter is bangumi's Redis rate limiter; keys are "chii:rate-limit:{long,rate}:3:<key>".
type RateLimiter struct {
	client  redis.UniversalClient
	prefix  string
	window  time.Duration
	count   int
	banTime time.Duration
}

// NewRateLimiter allows count requests per window per key, then bans the key for banTime.
// prefix is put before bangumi's key names (empty in production; tests isolate with it).
func NewRateLimiter(client redis.UniversalClient, prefix string, window time.Duration, count int, banTime time.Duration) *RateLimiter {
	return &RateLimiter{client: client, prefix: prefix, window: window, count: count, banTime: banTime}
}

func (r *RateLimiter) Allow(ctx context.Context, key string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	keys := []string{r.prefix + "chii:rate-limit:long:3:" + key, r.prefix + "chii:rate-limit:rate:3:" + key}
	n, err := rateLimitScript.Run(ctx, r.client, keys, seconds(r.window), r.count, seconds(r.banTime)).Int()
	if err != nil {
		return false, fmt.Errorf("rediscache: rate limit: %w", err)
	}
	return n == 1, nil
}

func seconds(d time.Duration) int64 { return max(int64(d/time.Second), 1) }
