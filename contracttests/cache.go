package contracttests

import (
	"context"
	"testing"
	"time"

	"github.com/bangumi/chii/ports"
)

// TestCache checks a ports.Cache: a fresh cache (no entries) from newCache.
func TestCache(t *testing.T, newCache func(t *testing.T) ports.Cache) {
	ctx := context.Background()
	t.Run("MissIsNotAnError", func(t *testing.T) {
		v, ok, err := newCache(t).Get(ctx, "absent")
		if err != nil || ok || v != nil {
			t.Fatalf("Get(absent) = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
	})
	t.Run("SetGetDelete", func(t *testing.T) {
		c := newCache(t)
		if err := c.Set(ctx, "k", []byte(`{"a":1}`), time.Minute); err != nil {
			t.Fatal(err)
		}
		v, ok, err := c.Get(ctx, "k")
		if err != nil || !ok || string(v) != `{"a":1}` {
			t.Fatalf("Get(k) = %q, %v, %v", v, ok, err)
		}
		if err := c.Delete(ctx, "k", "other"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := c.Get(ctx, "k"); ok {
			t.Fatal("Get after Delete found the entry")
		}
	})
	t.Run("Expires", func(t *testing.T) {
		c := newCache(t)
		if err := c.Set(ctx, "short", []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			if _, ok, _ := c.Get(ctx, "short"); !ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("entry with a 1s TTL still there after 3s")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestRateLimiter checks a ports.RateLimiter built to allow 3 requests per window.
func TestRateLimiter(t *testing.T, newLimiter func(t *testing.T) ports.RateLimiter) {
	ctx := context.Background()
	t.Run("AllowsCountThenLimits", func(t *testing.T) {
		rl := newLimiter(t)
		for i := range 3 {
			if ok, err := rl.Allow(ctx, "ip:10.0.0.1"); err != nil || !ok {
				t.Fatalf("request %d: ok=%v err=%v, want allowed", i+1, ok, err)
			}
		}
		for i := range 2 {
			if ok, err := rl.Allow(ctx, "ip:10.0.0.1"); err != nil || ok {
				t.Fatalf("request %d past the allowance: ok=%v err=%v, want limited", i+1, ok, err)
			}
		}
	})
	t.Run("KeysAreIndependent", func(t *testing.T) {
		rl := newLimiter(t)
		for range 5 {
			_, _ = rl.Allow(ctx, "u:1")
		}
		if ok, err := rl.Allow(ctx, "u:2"); err != nil || !ok {
			t.Fatalf("other key: ok=%v err=%v, want allowed", ok, err)
		}
	})
}
