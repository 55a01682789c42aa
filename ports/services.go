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

// Entity names a kind of domain object whose changes other parts of the system react to.
type Entity uint8

const (
	EntitySubject Entity = iota + 1
	EntityCharacter
	EntityPerson
	EntityUser
)

// Change says that one domain object changed: "subject 8 changed". For EntityUser the change
// is of what belongs to the user (its profile, its collections). A change of what hangs off
// an object without an entity of its own (an episode, a credit, a link) is reported as a
// change of the objects it links.
type Change struct {
	Entity Entity
	ID     uint32
}

// ChangeNotifier is told about changes after they are durable (after the commit), so that
// whatever derives from the changed objects (cached answers, search documents) follows them.
// It must not fail the write that caused the change: an implementation bounds its time, logs
// and counts what it could not do.
type ChangeNotifier interface {
	Changed(ctx context.Context, changes ...Change)
}

// TaggedStore is a shared store of entries that several server instances use together, each
// entry labelled with the tags it derives from. Tags are opaque strings to the store.
//
// The rule that keeps it fresh: an entry computed from data read at or after since is stored
// only if none of its tags was invalidated at or after since; Invalidate deletes every stored
// entry of its tags, remembers the time of the change for at least the longest ttl, and tells
// every subscriber (every instance). A miss is (nil, false, nil).
type TaggedStore interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Put stores value under key for ttl unless one of tags was invalidated at or after since.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration, tags []string, since time.Time) error
	// Invalidate deletes the entries of tags and publishes the invalidation, at time at.
	Invalidate(ctx context.Context, tags []string, at time.Time) error
	// Subscribe calls fn with every invalidation published by any instance (this one included)
	// until ctx is done; it returns once the subscription is established or failed. fn runs on
	// one goroutine, in publication order.
	Subscribe(ctx context.Context, fn func(tags []string, at time.Time)) error
}
