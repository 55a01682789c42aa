package contracttests

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/ports"
)

// TestTaggedStore checks a ports.TaggedStore. newStores returns two handles on one fresh,
// empty backend (two server instances sharing it); most subtests use only the first.
// Subtests run in parallel, so the whole suite takes about as long as its TTL check (~1.5 s).
func TestTaggedStore(t *testing.T, newStores func(t *testing.T) (a, b ports.TaggedStore)) {
	ctx := context.Background()
	newStore := func(t *testing.T) ports.TaggedStore {
		a, _ := newStores(t)
		return a
	}
	// t0 is a time in whole ns: every adapter carries such a time exactly.
	t0 := time.Unix(0, time.Now().UnixNano())

	t.Run("MissIsNotAnError", func(t *testing.T) {
		t.Parallel()
		v, ok, err := newStore(t).Get(ctx, "absent")
		if err != nil || ok || v != nil {
			t.Fatalf("Get(absent) = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
	})
	t.Run("PutThenGet", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		buf := []byte(`{"id":8}`)
		taggedPut(t, s, "/v0/subjects/8", buf, time.Minute, []string{"s8", "c12"}, t0)
		copy(buf, "XXXX") // the caller may reuse its buffer
		wantTaggedEntry(t, s, "/v0/subjects/8", `{"id":8}`)
		taggedPut(t, s, "untagged", []byte("v"), time.Minute, nil, t0)
		wantTaggedEntry(t, s, "untagged", "v")
		taggedPut(t, s, "/v0/subjects/8", []byte(`{"id":8,"v":2}`), time.Minute, []string{"s8"}, t0)
		wantTaggedEntry(t, s, "/v0/subjects/8", `{"id":8,"v":2}`)
	})
	t.Run("TTLExpires", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		taggedPut(t, s, "short", []byte("v"), 1500*time.Millisecond, []string{"s8"}, t0)
		taggedPut(t, s, "long", []byte("v"), time.Minute, []string{"s8"}, t0)
		wantTaggedEntry(t, s, "short", "v")
		deadline := time.Now().Add(4 * time.Second)
		for {
			if _, ok, err := s.Get(ctx, "short"); err != nil {
				t.Fatal(err)
			} else if !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("entry with a 1.5s ttl still there after 4s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		wantTaggedEntry(t, s, "long", "v") // the tag outlives its shorter entry
		taggedInvalidate(t, s, []string{"s8"}, t0.Add(time.Second))
		wantTaggedMiss(t, s, "long")
	})
	t.Run("InvalidateDeletesEveryEntryOfTheTag", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		taggedPut(t, s, "k1", []byte("1"), time.Minute, []string{"s8"}, t0)
		taggedPut(t, s, "k2", []byte("2"), time.Minute, []string{"c12", "s8"}, t0)
		taggedPut(t, s, "k3", []byte("3"), time.Minute, []string{"p3", "s8", "u1"}, t0)
		taggedInvalidate(t, s, []string{"s8"}, t0.Add(time.Second))
		for _, k := range []string{"k1", "k2", "k3"} {
			wantTaggedMiss(t, s, k)
		}
		// An entry stored afterwards (fresh data) is indexed again and goes with the next one.
		taggedPut(t, s, "k1", []byte("1'"), time.Minute, []string{"s8"}, t0.Add(2*time.Second))
		wantTaggedEntry(t, s, "k1", "1'")
		taggedInvalidate(t, s, []string{"s8"}, t0.Add(3*time.Second))
		wantTaggedMiss(t, s, "k1")
	})
	t.Run("InvalidateKeepsOtherTags", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		taggedPut(t, s, "s8", []byte("8"), time.Minute, []string{"s8"}, t0)
		taggedPut(t, s, "s9", []byte("9"), time.Minute, []string{"s9", "c12"}, t0)
		taggedPut(t, s, "s80", []byte("80"), time.Minute, []string{"s80"}, t0)
		taggedInvalidate(t, s, []string{"s8", "c13"}, t0.Add(time.Second))
		wantTaggedMiss(t, s, "s8")
		wantTaggedEntry(t, s, "s9", "9")
		wantTaggedEntry(t, s, "s80", "80")
		taggedInvalidate(t, s, nil, t0.Add(time.Second)) // no tags: nothing to do
		wantTaggedEntry(t, s, "s9", "9")
	})
	t.Run("PutAfterInvalidationSinceEarlierIsDropped", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		at := t0.Add(time.Second)
		taggedInvalidate(t, s, []string{"s8"}, at)
		for _, since := range []time.Time{at.Add(-time.Second), at.Add(-time.Nanosecond), at} {
			key := "since " + since.Sub(at).String()
			taggedPut(t, s, key, []byte("stale"), time.Minute, []string{"c12", "s8"}, since)
			if v, ok, err := s.Get(ctx, key); err != nil || ok {
				t.Errorf("Put(since = invalidation %+v) stored %q (err %v): data read before the change would be served",
					since.Sub(at), v, err)
			}
		}
	})
	t.Run("PutSinceLaterIsKept", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		at := t0.Add(time.Second)
		taggedInvalidate(t, s, []string{"s8"}, at)
		taggedPut(t, s, "fresh", []byte("v"), time.Minute, []string{"s8"}, at.Add(time.Nanosecond))
		wantTaggedEntry(t, s, "fresh", "v")
	})
	t.Run("EarlierInvalidationDoesNotRewindTheTag", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		late := t0.Add(2 * time.Second)
		taggedInvalidate(t, s, []string{"s8"}, late)
		taggedInvalidate(t, s, []string{"s8"}, t0) // arrives second, from a slower clock
		taggedPut(t, s, "k", []byte("stale"), time.Minute, []string{"s8"}, t0.Add(time.Second))
		wantTaggedMiss(t, s, "k")
	})
	t.Run("SubscribersOfTwoInstancesHearInvalidation", func(t *testing.T) {
		t.Parallel()
		a, b := newStores(t)
		taggedPut(t, a, "k", []byte("v"), time.Minute, []string{"s8"}, t0)
		wantTaggedEntry(t, b, "k", "v")
		ha, hb := taggedSubscribe(t, a), taggedSubscribe(t, b)
		at := t0.Add(time.Second)
		taggedInvalidate(t, a, []string{"s8", "c12"}, at)
		taggedInvalidate(t, b, []string{"u382951"}, at.Add(time.Nanosecond))
		want := []taggedHeard{{"s8 c12", at}, {"u382951", at.Add(time.Nanosecond)}}
		ha.wait(t, "a", want)
		hb.wait(t, "b", want)
		wantTaggedMiss(t, b, "k")
		taggedPut(t, b, "k", []byte("stale"), time.Minute, []string{"s8"}, at)
		wantTaggedMiss(t, a, "k")
	})
	t.Run("SubscribeStopsWithContext", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Subscribe(done, func([]string, time.Time) {}); err == nil {
			t.Error("Subscribe with a done context returned no error")
		}
		sub, cancel := context.WithCancel(ctx)
		h := &taggedHearing{}
		if err := s.Subscribe(sub, h.record); err != nil {
			t.Fatal(err)
		}
		taggedInvalidate(t, s, []string{"s1"}, t0)
		h.wait(t, "subscriber", []taggedHeard{{"s1", t0}})
		cancel()
		taggedInvalidate(t, s, []string{"s2"}, t0)
		time.Sleep(300 * time.Millisecond)
		if got := h.snapshot(); len(got) != 1 {
			t.Fatalf("after its context was cancelled the subscriber heard %v", got)
		}
	})
	t.Run("ConcurrentPutAndInvalidate", func(t *testing.T) {
		t.Parallel()
		testConcurrentPutAndInvalidate(t, newStore(t))
	})
	t.Run("RejectsBadTags", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, tag := range []string{"", "s 8", "s8\n", "\t"} {
			if err := s.Put(ctx, "k", []byte("v"), time.Minute, []string{"s8", tag}, t0); err == nil {
				t.Errorf("Put with tag %q returned no error", tag)
			}
			if err := s.Invalidate(ctx, []string{tag}, t0); err == nil {
				t.Errorf("Invalidate with tag %q returned no error", tag)
			}
		}
		wantTaggedMiss(t, s, "k")
	})
	t.Run("RejectsBadTTLAndTime", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := s.Put(ctx, "k", []byte("v"), ttl, []string{"s8"}, t0); err == nil {
				t.Errorf("Put with ttl %v returned no error (an entry that never expires?)", ttl)
			}
		}
		wantTaggedMiss(t, s, "k")
		if err := s.Invalidate(ctx, []string{"s8"}, time.Time{}); err == nil {
			t.Error("Invalidate at the zero time returned no error")
		}
	})
}

// testConcurrentPutAndInvalidate races, round after round, putters (since = now just before
// the Put, each its own key) against one Invalidate (at = now) of the tag they share, all
// released at once. Once a round's calls have returned, no key may hold data read at or before
// the invalidation. Keys are not reused across rounds, so no later Put can hide a stale entry.
func testConcurrentPutAndInvalidate(t *testing.T, s ports.TaggedStore) {
	ctx := context.Background()
	const rounds, putters = 40, 8
	stale := 0
	for r := range rounds {
		tag := "s" + strconv.Itoa(r)
		var (
			wg    sync.WaitGroup
			at    time.Time
			since [putters]time.Time
			errs  [putters + 1]error
		)
		start := make(chan struct{})
		for p := range putters {
			wg.Go(func() {
				<-start
				key := tag + "-" + strconv.Itoa(p)
				since[p] = time.Now()
				errs[p] = s.Put(ctx, key, []byte("v"), time.Minute, []string{"c" + strconv.Itoa(p), tag}, since[p])
			})
		}
		wg.Go(func() {
			<-start
			at = time.Now()
			errs[putters] = s.Invalidate(ctx, []string{tag}, at)
		})
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for p := range putters {
			key := tag + "-" + strconv.Itoa(p)
			_, ok, err := s.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if ok && !since[p].After(at) {
				if stale++; stale > 5 {
					continue
				}
				t.Errorf("%s holds data read at %v, but %s was invalidated at %v (%v later)",
					key, since[p].Format(time.StampNano), tag, at.Format(time.StampNano), at.Sub(since[p]))
			}
		}
	}
	if stale > 0 {
		t.Errorf("%d stale entries in %d rounds", stale, rounds)
	}
}

type taggedHeard struct {
	tags string // space-separated
	at   time.Time
}

func (h taggedHeard) String() string { return fmt.Sprintf("%q at %d", h.tags, h.at.UnixNano()) }

// taggedHearing records what a subscriber was told.
type taggedHearing struct {
	mu  sync.Mutex
	got []taggedHeard
}

func (h *taggedHearing) record(tags []string, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, taggedHeard{strings.Join(tags, " "), at})
}

func (h *taggedHearing) snapshot() []taggedHeard {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// wait fails tb unless the subscriber hears exactly want, in order, within 3 s.
func (h *taggedHearing) wait(tb testing.TB, who string, want []taggedHeard) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := h.snapshot()
		if len(got) >= len(want) {
			eq := slices.EqualFunc(got, want, func(g, w taggedHeard) bool { return g.tags == w.tags && g.at.Equal(w.at) })
			if !eq {
				tb.Fatalf("%s heard %v, want %v", who, got, want)
			}
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s heard %v after 3s, want %v", who, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// subscribe subscribes to s until the test ends.
func taggedSubscribe(tb testing.TB, s ports.TaggedStore) *taggedHearing {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	h := &taggedHearing{}
	if err := s.Subscribe(ctx, h.record); err != nil {
		tb.Fatal(err)
	}
	return h
}

func taggedPut(tb testing.TB, s ports.TaggedStore, key string, value []byte, ttl time.Duration, tags []string, since time.Time) {
	tb.Helper()
	if err := s.Put(context.Background(), key, value, ttl, tags, since); err != nil {
		tb.Fatalf("Put(%s, %v): %v", key, tags, err)
	}
}

func taggedInvalidate(tb testing.TB, s ports.TaggedStore, tags []string, at time.Time) {
	tb.Helper()
	if err := s.Invalidate(context.Background(), tags, at); err != nil {
		tb.Fatalf("Invalidate(%v): %v", tags, err)
	}
}

func wantTaggedEntry(tb testing.TB, s ports.TaggedStore, key, want string) {
	tb.Helper()
	v, ok, err := s.Get(context.Background(), key)
	if err != nil || !ok || string(v) != want {
		tb.Fatalf("Get(%s) = %q, %v, %v; want %q, true, nil", key, v, ok, err, want)
	}
}

func wantTaggedMiss(tb testing.TB, s ports.TaggedStore, key string) {
	tb.Helper()
	v, ok, err := s.Get(context.Background(), key)
	if err != nil || ok {
		tb.Fatalf("Get(%s) = %q, %v, %v; want a miss", key, v, ok, err)
	}
}
