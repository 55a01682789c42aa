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

// DefaultCacheEntries bounds a Cache made by NewCache.
const DefaultCacheEntries = 100_000

// Cache is a process-local ports.Cache with expiry and a bounded number of entries.
type Cache struct {
	mu         sync.Mutex
	entries    map[string]cacheEntry
	now        func() time.Time
	maxEntries int
	swept      time.Time
}

// NewCache returns an empty cache of at most DefaultCacheEntries entries using now as its
// clock (time.Now when nil).
func NewCache(now func() time.Time) *Cache {
	return NewBoundedCache(now, DefaultCacheEntries)
}

// NewBoundedCache returns an empty cache of at most maxEntries entries.
func NewBoundedCache(now func() time.Time, maxEntries int) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{entries: map[string]cacheEntry{}, now: now, maxEntries: max(maxEntries, 1)}
}

// makeRoom drops expired entries (at most once a minute) and, when the cache is still full,
// arbitrary ones: a cache only saves work, so forgetting is always safe.
func (c *Cache) makeRoom(now time.Time) {
	if len(c.entries) < c.maxEntries && now.Sub(c.swept) < time.Minute {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.maxEntries {
			break
		}
		delete(c.entries, k)
	}
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
	now := c.now()
	if _, ok := c.entries[key]; !ok {
		c.makeRoom(now)
	}
	c.entries[key] = cacheEntry{value: append([]byte(nil), value...), expires: now.Add(ttl)}
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
//
// Past maxLimiterKeys live counters (a flood of client addresses) it also forgets arbitrary
// counters: memory stays bounded, at the price of letting those clients start over.
func (r *RateLimiter) sweep(now time.Time) {
	if now.Sub(r.swept) < r.window && len(r.counters) < maxLimiterKeys {
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
	for k := range r.counters {
		if len(r.counters) < maxLimiterKeys*9/10 {
			break
		}
		delete(r.counters, k)
	}
}

// maxLimiterKeys bounds the live counters of a RateLimiter.
const maxLimiterKeys = 200_000

// Len is the number of entries held, expired ones included until they are swept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
