package rediscache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
)

func TestCache(t *testing.T) {
	contracttests.TestCache(t, func(t *testing.T) ports.Cache {
		client, prefix := testenv.Redis(t)
		return rediscache.NewCache(client, prefix)
	})
}

func TestRateLimiter(t *testing.T) {
	contracttests.TestRateLimiter(t, func(t *testing.T) ports.RateLimiter {
		client, prefix := testenv.Redis(t)
		return rediscache.NewRateLimiter(client, prefix, time.Minute, 3, time.Hour)
	})
}

func TestRateLimiter_BangumiKeys(t *testing.T) {
	ctx := context.Background()
	client, prefix := testenv.Redis(t)
	rl := rediscache.NewRateLimiter(client, prefix, 10*time.Minute, 1, time.Hour)
	for range 2 {
		if _, err := rl.Allow(ctx, "u:382951"); err != nil {
			t.Fatal(err)
		}
	}
	ttl, err := client.TTL(ctx, prefix+"chii:rate-limit:rate:3:u:382951").Result()
	if err != nil || ttl <= 0 || ttl > 10*time.Minute {
		t.Errorf("rate key TTL = %v, %v; want within the 10m window", ttl, err)
	}
	ttl, err = client.TTL(ctx, prefix+"chii:rate-limit:long:3:u:382951").Result()
	if err != nil || ttl <= 10*time.Minute || ttl > time.Hour {
		t.Errorf("long-ban key TTL = %v, %v; want the 1h ban", ttl, err)
	}
}

func TestRateLimiter_RedisDownIsAnError(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	_, err := rediscache.NewRateLimiter(client, "", time.Minute, 3, time.Hour).Allow(context.Background(), "ip:1")
	if err == nil {
		t.Fatal("Allow with Redis down returned no error; the HTTP layer could not fail open knowingly")
	}
}
