// Package rediscache holds the Redis-backed adapters (caches, token cache,
// rate limiting) and the client builder they share.
package rediscache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// Options configures NewClient.
type Options struct {
	// URL is a redis:// or rediss:// URL: redis://[user:password@]host:port[/db][?options].
	URL string
	// DialTimeout bounds connecting; 0 keeps go-redis' default (5s).
	DialTimeout time.Duration
	// Breaker sets the client's circuit breaker; the zero value takes the defaults.
	Breaker BreakerOptions
}

// BreakerOptions configure the circuit breaker every command of a client goes through: after
// Failures consecutive failed commands (connection refused, a timeout) it opens, and for
// OpenFor every command fails at once with ErrBreakerOpen instead of costing its caller a
// timeout; then one command probes, and its success closes the breaker again. Callers already
// treat Redis as optional (a cache miss, a limiter that fails open), so while the breaker is
// open the server runs as it does without Redis.
type BreakerOptions struct {
	Failures uint32        // default 5
	OpenFor  time.Duration // default 2s
	// OnChange is told of every state change ("closed", "open", "half-open"), e.g. to log it.
	OnChange func(from, to string)
}

// ErrBreakerOpen is the error of a command refused by an open breaker.
var ErrBreakerOpen = gobreaker.ErrOpenState

func newBreaker(o BreakerOptions) *gobreaker.CircuitBreaker[struct{}] {
	failures, openFor := o.Failures, o.OpenFor
	if failures == 0 {
		failures = 5
	}
	if openFor <= 0 {
		openFor = 2 * time.Second
	}
	return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Timeout:     openFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		// A reply, even an error reply or a miss, shows that Redis is up.
		IsSuccessful: func(err error) bool {
			var reply redis.Error
			return err == nil || errors.Is(err, redis.Nil) || errors.As(err, &reply)
		},
		// A caller that went away says nothing about Redis.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if o.OnChange != nil {
				o.OnChange(from.String(), to.String())
			}
		},
	})
}

// breakerHook runs every command and pipeline of a client through its breaker.
type breakerHook struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

func (breakerHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h breakerHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		_, err := h.cb.Execute(func() (struct{}, error) { return struct{}{}, next(ctx, cmd) })
		if err != nil && cmd.Err() == nil {
			cmd.SetErr(err) // refused by the breaker: the command never ran
		}
		return err
	}
}

func (h breakerHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		_, err := h.cb.Execute(func() (struct{}, error) { return struct{}{}, next(ctx, cmds) })
		if err != nil {
			for _, cmd := range cmds {
				if cmd.Err() == nil {
					cmd.SetErr(err)
				}
			}
		}
		return err
	}
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
	client := redis.NewClient(ro)
	client.AddHook(breakerHook{cb: newBreaker(opts.Breaker)})
	return client, nil
}
