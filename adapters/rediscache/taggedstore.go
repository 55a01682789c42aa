package rediscache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/ports"
)

var _ ports.TaggedStore = (*TaggedStore)(nil)

// MaxTTL is the longest an entry of a TaggedStore lives, and how long the time of an
// invalidation is remembered: the rule "remember it for at least the longest ttl" then holds
// with one fixed expiry. Put clamps a longer ttl to MaxTTL rather than failing: a cache may
// always forget an entry early, so a shorter life breaks no promise, while an error would turn
// a configuration slip into a cache that stores nothing.
const MaxTTL = 25 * time.Hour

// SubscribeTimeout bounds how long Subscribe waits for Redis to confirm the subscription, so
// that a silent Redis cannot hang a server's start.
const SubscribeTimeout = 3 * time.Second

// SubscriberBuffer is how many invalidations go-redis queues for a subscriber whose fn is
// busy. Past that, go-redis waits up to a minute, then drops the message (and logs it).
const SubscriberBuffer = 1024

// TaggedStore is a ports.TaggedStore on Redis, shared by every server instance. Its keys, all
// under the prefix:
//
//	rc:e:<key>  the entry (string, expires with its ttl)
//	rc:t:<tag>  the keys of the entries carrying tag (set, lives at least as long as they do)
//	rc:c:<tag>  the latest invalidation time of tag, Unix ns in decimal (string, MaxTTL)
//	rc:inval    the channel invalidations are published on: "<ns> <tag> <tag>..."
//
// Several keys are used per command (MGET, DEL), so on Redis Cluster the prefix must carry a
// hash tag ("{chii}:") that puts every key in one slot.
//
// Why a Put and an Invalidate racing on two connections cannot leave a stale entry: Put sends,
// in one pipeline, SET e, SADD t, MGET c; Invalidate sends SET c (keeping the later time),
// SMEMBERS t, and then SREM t, DEL e. Redis runs commands one at a time, each connection's in
// order. If Put's SADD runs before Invalidate's SMEMBERS, SMEMBERS sees the key and the DEL,
// which runs after Put's SET, deletes the entry. Otherwise SET c ran before SMEMBERS, before
// SADD, before MGET: Put's MGET sees the invalidation time and Put deletes its own entry when
// that time is at or after since. Either way the entry is gone once both have returned.
// Invalidate removes only the members it saw (SREM before DEL, not DEL of the set), so a key
// added concurrently by a fresh Put stays indexed for the next invalidation.
type TaggedStore struct {
	client redis.UniversalClient
	prefix string

	malformed    atomic.Uint64
	resubscribed atomic.Uint64
}

// NewTaggedStore returns a store whose keys start with prefix. Stores with the same client
// (or the same server) and prefix share their entries and hear each other's invalidations.
func NewTaggedStore(client redis.UniversalClient, prefix string) *TaggedStore {
	return &TaggedStore{client: client, prefix: prefix}
}

func (s *TaggedStore) entryKey(key string) string  { return s.prefix + "rc:e:" + key }
func (s *TaggedStore) tagKey(tag string) string    { return s.prefix + "rc:t:" + tag }
func (s *TaggedStore) changeKey(tag string) string { return s.prefix + "rc:c:" + tag }
func (s *TaggedStore) channel() string             { return s.prefix + "rc:inval" }

func (s *TaggedStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	v, err := s.client.Get(ctx, s.entryKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("rediscache: tagged get %s: %w", key, err)
	}
	return v, true, nil
}

// Put takes one round trip, and a second one (DEL) only when a tag was invalidated at or after
// since or when the first one failed: the entry may have been written without its check being
// read. That DEL is not cut short by ctx's cancellation, since leaving the entry would serve
// stale data; if it fails too the entry stays until its ttl or the next invalidation of one of
// its tags (its key is indexed), and the error says so.
//
// The tag sets get EXPIRE NX (a new set) and EXPIRE GT (never shorten a set that indexes a
// longer-lived entry: a set expiring first would hide that entry from Invalidate). A plain
// EXPIRE ttl could shorten it; GT alone never sets an expiry on a new set.
func (s *TaggedStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration, tags []string, since time.Time) error {
	if ttl <= 0 {
		return fmt.Errorf("rediscache: tagged put %s: ttl %v is not positive", key, ttl)
	}
	if err := checkTags(tags); err != nil {
		return fmt.Errorf("rediscache: tagged put %s: %w", key, err)
	}
	ttl = min(ttl, MaxTTL)
	setTTL := ttl.Truncate(time.Second) + time.Second // whole seconds for EXPIRE, at least ttl

	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	pipe := s.client.Pipeline()
	pipe.Set(cctx, s.entryKey(key), value, ttl)
	changeKeys := make([]string, len(tags))
	for i, tag := range tags {
		pipe.SAdd(cctx, s.tagKey(tag), key)
		pipe.ExpireNX(cctx, s.tagKey(tag), setTTL)
		pipe.ExpireGT(cctx, s.tagKey(tag), setTTL)
		changeKeys[i] = s.changeKey(tag)
	}
	var changes *redis.SliceCmd
	if len(tags) > 0 {
		changes = pipe.MGet(cctx, changeKeys...)
	}
	if _, err := pipe.Exec(cctx); err != nil {
		err = fmt.Errorf("rediscache: tagged put %s: %w", key, err)
		return errors.Join(err, s.drop(ctx, key))
	}
	if changes == nil || !changedSince(changes.Val(), since) {
		return nil
	}
	return s.drop(ctx, key)
}

// changedSince reports whether one of the MGET values is a time at or after since. A value
// that is not a time counts as a change: when in doubt, do not keep the entry.
func changedSince(values []any, since time.Time) bool {
	sinceNS := unixNano(since)
	for _, v := range values {
		str, ok := v.(string)
		if !ok {
			continue // never invalidated (or forgotten after MaxTTL)
		}
		if ns, err := strconv.ParseInt(str, 10, 64); err != nil || ns >= sinceNS {
			return true
		}
	}
	return false
}

// unixNano is t in Unix ns, clamped to [0, MaxInt64] where t.UnixNano is undefined or negative.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func (s *TaggedStore) drop(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CallTimeout)
	defer cancel()
	if err := s.client.Del(ctx, s.entryKey(key)).Err(); err != nil {
		return fmt.Errorf("rediscache: tagged put %s: delete the unchecked entry (it stays until its ttl or the next invalidation of its tags): %w", key, err)
	}
	return nil
}

// setLaterScript stores the later of the stored and the given time, so that invalidations
// arriving out of order (skewed clocks) never move a tag's time back.
// KEYS[1] change-time key; ARGV[1] Unix ns (decimal, no sign), ARGV[2] expiry in seconds.
// Decimal strings without sign or leading zeros compare by length, then bytewise (Lua
// numbers are doubles, too coarse for nanoseconds).
var setLaterScript = redis.NewScript(`
local old = redis.call("GET", KEYS[1])
local new = ARGV[1]
if old and (#old > #new or (#old == #new and old > new)) then
  new = old
end
redis.call("SET", KEYS[1], new, "EX", ARGV[2])
return 0
`)

// Invalidate takes two round trips: record the times and read the tag sets; then remove the
// members seen, delete their entries and publish. The second is not cut short by ctx's
// cancellation: once the times are recorded, the deletes and the message must follow. at must
// lie between 1970 and 2262 (Unix ns in an int64).
func (s *TaggedStore) Invalidate(ctx context.Context, tags []string, at time.Time) error {
	if err := checkTags(tags); err != nil {
		return fmt.Errorf("rediscache: invalidate: %w", err)
	}
	ns := at.UnixNano()
	if ns < 0 || !time.Unix(0, ns).Equal(at) {
		return fmt.Errorf("rediscache: invalidate: time %v is not between 1970 and 2262", at)
	}
	if len(tags) == 0 {
		return nil
	}

	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	pipe := s.client.Pipeline()
	members := make([]*redis.StringSliceCmd, len(tags))
	for i, tag := range tags {
		setLaterScript.Eval(cctx, pipe, []string{s.changeKey(tag)}, ns, seconds(MaxTTL))
		members[i] = pipe.SMembers(cctx, s.tagKey(tag))
	}
	if _, err := pipe.Exec(cctx); err != nil {
		return fmt.Errorf("rediscache: invalidate %v: %w", tags, err)
	}

	cctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), CallTimeout)
	defer cancel()
	pipe = s.client.Pipeline()
	var entries []string
	for i, tag := range tags {
		keys := members[i].Val()
		if len(keys) == 0 {
			continue
		}
		seen := make([]any, len(keys))
		for j, k := range keys {
			seen[j] = k
			entries = append(entries, s.entryKey(k))
		}
		pipe.SRem(cctx, s.tagKey(tag), seen...)
	}
	if len(entries) > 0 {
		pipe.Del(cctx, entries...)
	}
	pipe.Publish(cctx, s.channel(), formatInvalidation(tags, at))
	if _, err := pipe.Exec(cctx); err != nil {
		return fmt.Errorf("rediscache: invalidate %v: delete and publish: %w", tags, err)
	}
	return nil
}

// Subscribe listens on the invalidation channel. After the confirmation, one goroutine calls
// fn per message, in order, until ctx is done, then closes the subscription; fn is not called
// once ctx is done. go-redis pings the connection when idle and reconnects by itself; a
// message published while disconnected is lost, which Resubscribed counts.
func (s *TaggedStore) Subscribe(ctx context.Context, fn func(tags []string, at time.Time)) error {
	wctx, cancel := context.WithTimeout(ctx, SubscribeTimeout)
	defer cancel()
	ps := s.client.Subscribe(wctx, s.channel())
	msg, err := ps.Receive(wctx)
	if err == nil {
		if _, ok := msg.(*redis.Subscription); !ok {
			err = fmt.Errorf("got %T, want the subscription's confirmation", msg)
		}
	}
	if err != nil {
		_ = ps.Close()
		return fmt.Errorf("rediscache: subscribe: %w", err)
	}
	ch := ps.ChannelWithSubscriptions(redis.WithChannelSize(SubscriberBuffer))
	go func() {
		defer ps.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-ch:
				if !ok || ctx.Err() != nil {
					return
				}
				switch m := m.(type) {
				case *redis.Subscription:
					if m.Kind == "subscribe" {
						s.resubscribed.Add(1)
					}
				case *redis.Message:
					tags, at, err := parseInvalidation(m.Payload)
					if err != nil {
						s.malformed.Add(1)
						continue
					}
					fn(tags, at)
				}
			}
		}
	}()
	return nil
}

// Malformed is the number of messages on the invalidation channel that were not
// "<ns> <tag>..." and were skipped (written by something else than a TaggedStore).
func (s *TaggedStore) Malformed() uint64 { return s.malformed.Load() }

// Resubscribed is the number of times a subscription of this store was re-established after
// its connection broke. Invalidations published in between were not delivered: a subscriber's
// local copies may be stale until their ttl.
func (s *TaggedStore) Resubscribed() uint64 { return s.resubscribed.Load() }

// formatInvalidation is the message published on the channel: "<Unix ns> <tag> <tag>...".
func formatInvalidation(tags []string, at time.Time) string {
	return strconv.FormatInt(at.UnixNano(), 10) + " " + strings.Join(tags, " ")
}

func parseInvalidation(msg string) ([]string, time.Time, error) {
	fields := strings.Split(msg, " ")
	if len(fields) < 2 {
		return nil, time.Time{}, fmt.Errorf("invalidation %q has no tag", msg)
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || ns < 0 {
		return nil, time.Time{}, fmt.Errorf("invalidation %q: bad time", msg)
	}
	if err := checkTags(fields[1:]); err != nil {
		return nil, time.Time{}, fmt.Errorf("invalidation %q: %w", msg, err)
	}
	return fields[1:], time.Unix(0, ns), nil
}

var errBadTag = errors.New("a tag is non-empty and has no space or control character")

// checkTags keeps tags to what the channel message can carry (space-separated).
func checkTags(tags []string) error {
	for _, tag := range tags {
		bad := tag == ""
		for i := 0; i < len(tag) && !bad; i++ {
			bad = tag[i] <= ' ' || tag[i] == 0x7f
		}
		if bad {
			return fmt.Errorf("tag %q: %w", tag, errBadTag)
		}
	}
	return nil
}
