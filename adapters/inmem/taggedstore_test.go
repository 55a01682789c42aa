package inmem_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

func TestTaggedStoreContract(t *testing.T) {
	contracttests.TestTaggedStore(t, func(*testing.T) (a, b ports.TaggedStore) {
		s := inmem.NewTaggedStore(nil)
		return s, s
	})
}

// taggedClock is a settable ports.Clock.
type taggedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *taggedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *taggedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Expired entries and invalidation times older than the longest ttl are forgotten, so memory
// follows the live entries, not every tag ever invalidated.
func TestTaggedStore_Prunes(t *testing.T) {
	ctx := context.Background()
	clk := &taggedClock{t: time.Unix(1700000000, 0)}
	s := inmem.NewTaggedStore(clk)
	at := clk.Now()
	if err := s.Put(ctx, "k", []byte("v"), time.Hour, []string{"s8"}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.Invalidate(ctx, []string{"s9", "c1"}, at); err != nil {
		t.Fatal(err)
	}
	if entries, invals := s.Len(); entries != 1 || invals != 2 {
		t.Fatalf("Len = %d, %d; want 1 entry, 2 invalidation times", entries, invals)
	}
	clk.advance(59 * time.Minute)
	_ = s.Put(ctx, "fresh", []byte("v"), time.Minute, []string{"u1"}, clk.Now())
	if err := s.Put(ctx, "stale", []byte("v"), time.Minute, []string{"s9"}, at); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "stale"); ok {
		t.Fatal("an invalidation time was forgotten within the longest ttl (1h)")
	}
	clk.advance(2 * time.Hour)
	_ = s.Put(ctx, "fresh", []byte("v"), time.Minute, []string{"u1"}, clk.Now())
	if entries, invals := s.Len(); entries != 1 || invals != 0 {
		t.Fatalf("Len after 2h = %d, %d; want only the fresh entry, no invalidation time", entries, invals)
	}
}

// A subscriber that does not keep up loses invalidations (counted), never the writer's time.
func TestTaggedStore_SlowSubscriberDoesNotBlockInvalidate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := inmem.NewTaggedStore(nil)
	release := make(chan struct{})
	defer close(release)
	if err := s.Subscribe(ctx, func([]string, time.Time) { <-release }); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range inmem.SubscriberBuffer + 10 {
			if err := s.Invalidate(ctx, []string{"s8"}, time.Now()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Invalidate blocked on a stuck subscriber")
	}
	if n := s.Dropped(); n < 9 {
		t.Fatalf("Dropped = %d, want at least 9 (buffer %d, one in fn, %d sent)", n, inmem.SubscriberBuffer, inmem.SubscriberBuffer+10)
	}
}
