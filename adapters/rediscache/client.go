// Package rediscache holds the Redis-backed adapters (caches, token cache,
// rate limiting) and the client builder they share.
package rediscache

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options configures NewClient.
type Options struct {
	// URL is a redis:// or rediss:// URL: redis://[user:password@]host:port[/db][?options].
	URL string
	// DialTimeout bounds connecting; 0 keeps go-redis' default (5s).
	DialTimeout time.Duration
}

// NewClient returns a go-redis client for opts.URL. It does not contact the
// server: a Redis that is down is reported by the first command (or Ping).
func NewClient(_ context.Context, opts Options) (*redis.Client, error) {
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("rediscache: parse URL: %w", err)
	}
	if opts.DialTimeout > 0 {
		ro.DialTimeout = opts.DialTimeout
	}
	// Callers' deadlines (CallTimeout) bound reads and writes too, not only waiting for a
	// connection, so a Redis that hangs costs a request a bounded time.
	ro.ContextTimeoutEnabled = true
	return redis.NewClient(ro), nil
}
