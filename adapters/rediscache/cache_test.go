package rediscache_test

import (
	"context"
	"net"
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

// A Redis that accepts connections but never answers costs a caller at most CallTimeout.
func TestCallsAreBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() }) // hold it open, say nothing
		}
	}()
	client, err := rediscache.NewClient(context.Background(), rediscache.Options{URL: "redis://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Allow": func() error {
			_, err := rediscache.NewRateLimiter(client, "", time.Minute, 3, time.Hour).Allow(ctx, "ip:1")
			return err
		},
		"Get": func() error { _, _, err := rediscache.NewCache(client, "").Get(ctx, "k"); return err },
	} {
		start := time.Now()
		if err := call(); err == nil {
			t.Errorf("%s on a silent Redis returned no error", name)
		}
		if took := time.Since(start); took > 4*rediscache.CallTimeout {
			t.Errorf("%s on a silent Redis took %v, want about %v", name, took, rediscache.CallTimeout)
		}
	}
}
