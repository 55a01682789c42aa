package inmem

import (
	"context"
	"sync"
	"time"

	"github.com/bangumi/chii/ports"
)

var (
	_ ports.Cache       = (*Cache)(nil)
	_ ports.RateLimiter = (*RateLimiter)(nil)
)

type cacheEntry struct {
	value   []byte
	expires time.Time
}

// Cache is a process-local ports.Cache with expiry.
type Cache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	now     func() time.Time
}

// NewCache returns an empty cache using now as its clock (time.Now when nil).
func NewCache(now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{entries: map[string]cacheEntry{}, now: now}
}

func (c *Cache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false, nil
	}
	return e.value, true, nil
}

func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = cacheEntry{value: append([]byte(nil), value...), expires: c.now().Add(ttl)}
	return nil
}

func (c *Cache) Delete(_ context.Context, keys ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.entries, k)
	}
	return nil
}

// RateLimiter is a process-local fixed-window limiter with a long ban, the same
// algorithm as bangumi's Redis script (auth.md §6).
type RateLimiter struct {
	mu       sync.Mutex
	window   time.Duration
	count    int
	banTime  time.Duration
	now      func() time.Time
	counters map[string]windowCount
	bans     map[string]time.Time
	swept    time.Time
}

type windowCount struct {
	n       int
	expires time.Time
}

// NewRateLimiter allows count requests per window per key; the request after that bans the
// key for banTime.
func NewRateLimiter(window time.Duration, count int, banTime time.Duration, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{window: window, count: count, banTime: banTime, now: now,
		counters: map[string]windowCount{}, bans: map[string]time.Time{}}
}

func (r *RateLimiter) Allow(_ context.Context, key string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.sweep(now)
	if until, ok := r.bans[key]; ok {
		if now.Before(until) {
			return false, nil
		}
		delete(r.bans, key)
	}
	c := r.counters[key]
	if !now.Before(c.expires) {
		c = windowCount{expires: now.Add(r.window)}
	}
	c.n++
	r.counters[key] = c
	if c.n <= r.count {
		return true, nil
	}
	r.bans[key] = now.Add(r.banTime)
	return false, nil
}

// sweep forgets expired counters and bans, at most once per window, so memory follows the
// number of active clients rather than every client ever seen.
func (r *RateLimiter) sweep(now time.Time) {
	if now.Sub(r.swept) < r.window {
		return
	}
	r.swept = now
	for k, c := range r.counters {
		if !now.Before(c.expires) {
			delete(r.counters, k)
		}
	}
	for k, until := range r.bans {
		if !now.Before(until) {
			delete(r.bans, k)
		}
	}
}
