package inmem

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bangumi/chii/ports"
)

var _ ports.TaggedStore = (*TaggedStore)(nil)

// SubscriberBuffer is how many invalidations a TaggedStore queues for one subscriber whose fn
// is busy. Invalidate never waits for a subscriber: when the queue is full the invalidation is
// dropped for that subscriber and counted (Dropped), so that a stuck fn costs its own instance
// freshness, never the writer that called Invalidate.
const SubscriberBuffer = 1024

// TaggedStore is a process-local ports.TaggedStore. Several handles on one backend are the
// same *TaggedStore: every Subscribe caller hears every Invalidate, as the server instances
// sharing one Redis would.
//
// Memory is bounded: expired entries are swept at most once a minute, arbitrary entries are
// forgotten past DefaultCacheEntries (forgetting is always safe in a cache), and the time of
// an invalidation is kept only as long as the longest ttl Put has seen (a Put whose since is
// older than that could only store data older than any entry may live).
type TaggedStore struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]taggedEntry
	byTag   map[string]map[string]struct{} // tag → keys of the entries carrying it
	changed map[string]change              // tag → its latest invalidation
	longest time.Duration                  // longest ttl seen
	swept   time.Time
	subs    map[*taggedSub]struct{}

	dropped atomic.Uint64
}

type taggedEntry struct {
	value   []byte
	tags    []string
	expires time.Time
}

// change is the latest invalidation time of a tag and when it was recorded (by the store's
// clock, which is what pruning measures against).
type change struct{ at, recorded time.Time }

type invalidation struct {
	tags []string
	at   time.Time
}

type taggedSub struct{ ch chan invalidation }

// NewTaggedStore returns an empty store whose expiry uses clock (the system clock when nil).
// Invalidation and since times are the callers'; the store only compares them.
func NewTaggedStore(clock ports.Clock) *TaggedStore {
	now := time.Now
	if clock != nil {
		now = clock.Now
	}
	return &TaggedStore{
		now:     now,
		entries: map[string]taggedEntry{},
		byTag:   map[string]map[string]struct{}{},
		changed: map[string]change{},
		subs:    map[*taggedSub]struct{}{},
	}
}

// Get returns the stored value; callers must not modify it.
func (s *TaggedStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok || !s.now().Before(e.expires) {
		return nil, false, nil
	}
	return e.value, true, nil
}

// Put stores a copy of value. A Put refused because a tag changed at or after since also
// removes whatever key held, as the Redis store does.
func (s *TaggedStore) Put(_ context.Context, key string, value []byte, ttl time.Duration, tags []string, since time.Time) error {
	if err := checkTaggedPut(ttl, tags); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	s.longest = max(s.longest, ttl)
	s.remove(key)
	for _, tag := range tags {
		if c, ok := s.changed[tag]; ok && !c.at.Before(since) {
			return nil
		}
	}
	s.entries[key] = taggedEntry{value: append([]byte(nil), value...), tags: append([]string(nil), tags...), expires: now.Add(ttl)}
	for _, tag := range tags {
		keys := s.byTag[tag]
		if keys == nil {
			keys = map[string]struct{}{}
			s.byTag[tag] = keys
		}
		keys[key] = struct{}{}
	}
	return nil
}

// Invalidate deletes the entries of tags, remembers at for each (the latest of the times it
// was given), and queues the invalidation for every subscriber. Publishing under the lock
// gives every subscriber the same order.
func (s *TaggedStore) Invalidate(_ context.Context, tags []string, at time.Time) error {
	if err := checkTaggedInvalidate(tags, at); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	for _, tag := range tags {
		if c, ok := s.changed[tag]; !ok || at.After(c.at) {
			s.changed[tag] = change{at: at, recorded: now}
		} else {
			s.changed[tag] = change{at: c.at, recorded: now}
		}
		for key := range s.byTag[tag] {
			s.remove(key)
		}
	}
	for sub := range s.subs {
		select {
		case sub.ch <- invalidation{tags: append([]string(nil), tags...), at: at}:
		default:
			s.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe starts one goroutine that calls fn for every invalidation queued for it, in order,
// until ctx is done. fn is not called once ctx is done (an invocation already running finishes).
func (s *TaggedStore) Subscribe(ctx context.Context, fn func(tags []string, at time.Time)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("inmem: subscribe: %w", err)
	}
	sub := &taggedSub{ch: make(chan invalidation, SubscriberBuffer)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.subs, sub)
			s.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case inv := <-sub.ch:
				if ctx.Err() != nil {
					return
				}
				fn(inv.tags, inv.at)
			}
		}
	}()
	return nil
}

// Dropped is the number of invalidations not delivered to a subscriber because its queue
// (SubscriberBuffer) was full. The entries were deleted all the same; only that subscriber's
// own copies (a local tier) may stay stale until their ttl.
func (s *TaggedStore) Dropped() uint64 { return s.dropped.Load() }

// Len is the number of entries and of remembered invalidation times held, expired ones
// included until they are swept.
func (s *TaggedStore) Len() (entries, invalidations int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries), len(s.changed)
}

// remove deletes key and its place in the tag index.
func (s *TaggedStore) remove(key string) {
	e, ok := s.entries[key]
	if !ok {
		return
	}
	delete(s.entries, key)
	for _, tag := range e.tags {
		delete(s.byTag[tag], key)
		if len(s.byTag[tag]) == 0 {
			delete(s.byTag, tag)
		}
	}
}

// sweep, at most once a minute or when the store is full, forgets expired entries, the
// invalidation times recorded longer ago than the longest ttl (and than a minute, longer than
// computing an entry takes), and arbitrary entries down to nine tenths of DefaultCacheEntries.
func (s *TaggedStore) sweep(now time.Time) {
	if len(s.entries) < DefaultCacheEntries && now.Sub(s.swept) < time.Minute {
		return
	}
	s.swept = now
	for k, e := range s.entries {
		if !now.Before(e.expires) {
			s.remove(k)
		}
	}
	keep := max(s.longest, time.Minute)
	for tag, c := range s.changed {
		if now.Sub(c.recorded) > keep {
			delete(s.changed, tag)
		}
	}
	for k := range s.entries {
		if len(s.entries) < DefaultCacheEntries*9/10 {
			break
		}
		s.remove(k)
	}
}

func checkTaggedPut(ttl time.Duration, tags []string) error {
	if ttl <= 0 {
		return fmt.Errorf("inmem: put: ttl %v is not positive", ttl)
	}
	return checkTags("put", tags)
}

func checkTaggedInvalidate(tags []string, at time.Time) error {
	if at.Before(time.Unix(0, 0)) {
		return fmt.Errorf("inmem: invalidate: time %v is before 1970", at)
	}
	return checkTags("invalidate", tags)
}

var errBadTag = errors.New("a tag is non-empty and has no space or control character")

// checkTags keeps tags to what every adapter can carry (Redis publishes them space-separated).
func checkTags(op string, tags []string) error {
	for _, tag := range tags {
		bad := tag == ""
		for i := 0; i < len(tag) && !bad; i++ {
			bad = tag[i] <= ' ' || tag[i] == 0x7f
		}
		if bad {
			return fmt.Errorf("inmem: %s: tag %q: %w", op, tag, errBadTag)
		}
	}
	return nil
}
