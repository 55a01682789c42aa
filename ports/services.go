package ports

import (
	"context"
	"time"

	"github.com/bangumi/chii/domain/timeline"
)

// Cache stores opaque values with a time to live. A miss is (nil, false, nil).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, keys ...string) error
}

// RateLimiter decides whether the caller identified by key may make one more request.
type RateLimiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// TimelinePublisher puts messages on the timeline topic.
// Publish returns within a short bound whatever the broker does; an implementation logs and
// counts a message it could not deliver (with the whole message, so it can be replayed).
type TimelinePublisher interface {
	Publish(ctx context.Context, msg timeline.Message) error
}

// Clock tells the time; tests pass a fixed one.
type Clock interface {
	Now() time.Time
}
