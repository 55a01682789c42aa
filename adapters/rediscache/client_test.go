package rediscache_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests/testenv"
)

func TestNewClient(t *testing.T) {
	c, err := rediscache.NewClient(t.Context(), rediscache.Options{URL: "redis://:pw@127.0.0.1:1/3", DialTimeout: time.Second})
	if err != nil {
		t.Fatalf("NewClient() = %v (it must not contact the server)", err)
	}
	defer c.Close()
	o := c.Options()
	if o.Addr != "127.0.0.1:1" || o.DB != 3 || o.Password != "pw" || o.DialTimeout != time.Second {
		t.Errorf("options = addr %s db %d password %q dial %v", o.Addr, o.DB, o.Password, o.DialTimeout)
	}
	if _, err := rediscache.NewClient(t.Context(), rediscache.Options{URL: "http://x"}); err == nil {
		t.Error("NewClient(http://x) = nil error")
	}
}

func TestNewClient_BreakerSkipsARedisThatHangs(t *testing.T) {
	var changes []string
	var mu sync.Mutex
	c, err := rediscache.NewClient(t.Context(), rediscache.Options{
		URL: "redis://" + testenv.Frozen(t) + "/0", DialTimeout: time.Second,
		Breaker: rediscache.BreakerOptions{Failures: 3, OpenFor: 300 * time.Millisecond, OnChange: func(from, to string) {
			mu.Lock()
			defer mu.Unlock()
			changes = append(changes, from+"→"+to)
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cache := rediscache.NewCache(c, "t:")
	// Three calls each cost the call timeout, then the breaker opens.
	for i := range 3 {
		if _, _, err := cache.Get(t.Context(), "k"); err == nil {
			t.Fatalf("call %d to a frozen Redis: no error", i)
		}
	}
	// Open: a call fails at once, without waiting for Redis.
	start := time.Now()
	for range 100 {
		if _, _, err := cache.Get(t.Context(), "k"); !errors.Is(err, rediscache.ErrBreakerOpen) {
			t.Fatalf("call with the breaker open: %v, want ErrBreakerOpen", err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("100 calls with the breaker open took %v, want them refused at once", d)
	}
	// After OpenFor one probe goes to Redis (and fails: the breaker opens again).
	time.Sleep(350 * time.Millisecond)
	if _, _, err := cache.Get(t.Context(), "k"); err == nil || errors.Is(err, rediscache.ErrBreakerOpen) {
		t.Errorf("probe after OpenFor: %v, want Redis' own failure", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"closed→open", "open→half-open", "half-open→open"}, changes); diff != "" {
		t.Errorf("state changes (-want +got):\n%s", diff)
	}
}

func TestNewClient_BreakerClosesWhenRedisAnswers(t *testing.T) {
	client, prefix := testenv.Redis(t)
	c, err := rediscache.NewClient(t.Context(), rediscache.Options{
		URL: "redis://" + client.Options().Addr + "/0", Breaker: rediscache.BreakerOptions{Failures: 1, OpenFor: 50 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cache := rediscache.NewCache(c, prefix)
	// Misses and error replies are answers: they never open the breaker.
	for range 10 {
		if _, ok, err := cache.Get(t.Context(), "absent"); err != nil || ok {
			t.Fatalf("Get(absent) = %v, %v", ok, err)
		}
		if err := c.LPush(t.Context(), prefix+"absent-list", "x").Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Incr(t.Context(), prefix+"absent-list").Err(); err == nil {
			t.Fatal("INCR of a list: no error reply")
		}
	}
	if err := cache.Set(t.Context(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set after error replies: %v (the breaker opened on an answer)", err)
	}
	_ = c.Del(t.Context(), prefix+"absent-list", prefix+"k")
}
