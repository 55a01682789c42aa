package inmem_test

import (
	"context"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestCache_Expiry(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c := inmem.NewCache(clk.now)
	if err := c.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := c.Get(ctx, "k"); !ok || string(v) != "v" {
		t.Fatalf("Get = %q, %v; want v, true", v, ok)
	}
	clk.t = clk.t.Add(time.Minute)
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Fatal("entry still there after its TTL")
	}
	_ = c.Set(ctx, "k", []byte("v"), time.Minute)
	_ = c.Delete(ctx, "k")
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Fatal("entry still there after Delete")
	}
}

func TestRateLimiter_WindowAndBan(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	rl := inmem.NewRateLimiter(10*time.Minute, 3, time.Hour, clk.now)
	for i := range 3 {
		if ok, _ := rl.Allow(ctx, "ip:1"); !ok {
			t.Fatalf("request %d limited, want allowed", i+1)
		}
	}
	if ok, _ := rl.Allow(ctx, "ip:1"); ok {
		t.Fatal("4th request allowed, want limited")
	}
	if ok, _ := rl.Allow(ctx, "ip:2"); !ok {
		t.Fatal("another key limited")
	}
	clk.t = clk.t.Add(11 * time.Minute) // window over, ban still on
	if ok, _ := rl.Allow(ctx, "ip:1"); ok {
		t.Fatal("banned key allowed before the ban ended")
	}
	clk.t = clk.t.Add(time.Hour)
	if ok, _ := rl.Allow(ctx, "ip:1"); !ok {
		t.Fatal("key still limited after the ban ended")
	}
}

func TestCacheContract(t *testing.T) {
	contracttests.TestCache(t, func(*testing.T) ports.Cache { return inmem.NewCache(nil) })
}

func TestRateLimiterContract(t *testing.T) {
	contracttests.TestRateLimiter(t, func(*testing.T) ports.RateLimiter {
		return inmem.NewRateLimiter(time.Minute, 3, time.Hour, nil)
	})
}
