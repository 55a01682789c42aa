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

func TestCache_Bounded(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c := inmem.NewBoundedCache(clk.now, 3)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if err := c.Set(ctx, k, []byte(k), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Len(); n > 3 {
		t.Fatalf("cache holds %d entries, want at most 3", n)
	}
	if v, ok, _ := c.Get(ctx, "e"); !ok || string(v) != "e" {
		t.Fatalf("the newest entry is missing: %q %v", v, ok)
	}
}

func TestCache_ExpiredEntriesAreSwept(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	c := inmem.NewBoundedCache(clk.now, 1000)
	for i := range 100 {
		_ = c.Set(ctx, string(rune('A'+i)), []byte("v"), time.Second)
	}
	clk.t = clk.t.Add(2 * time.Minute)
	_ = c.Set(ctx, "fresh", []byte("v"), time.Hour)
	if n := c.Len(); n != 1 {
		t.Fatalf("cache holds %d entries after the others expired, want 1", n)
	}
}
