package rediscache_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
)

// Two instances: two clients (two connection pools) on one server, with one prefix.
func TestTaggedStoreContract(t *testing.T) {
	t.Parallel()
	contracttests.TestTaggedStore(t, func(t *testing.T) (a, b ports.TaggedStore) {
		client, prefix := testenv.Redis(t)
		other, _ := testenv.Redis(t)
		return rediscache.NewTaggedStore(client, prefix), rediscache.NewTaggedStore(other, prefix)
	})
}

// Invalidate records the time and reads the tag set before Put's SADD (the interleaving in
// which Invalidate cannot see the key): Put must find the time with its MGET and delete its
// own entry. Writing the time by hand stands for that Invalidate.
func TestTaggedStore_PutReadsTheChangeTimes(t *testing.T) {
	ctx := context.Background()
	client, prefix := testenv.Redis(t)
	s := rediscache.NewTaggedStore(client, prefix)
	at := time.Unix(1700000000, 5)
	if err := client.Set(ctx, prefix+"rc:c:s8", strconv.FormatInt(at.UnixNano(), 10), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "k", []byte("stale"), time.Minute, []string{"c12", "s8"}, at); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Exists(ctx, prefix+"rc:e:k").Result(); err != nil || n != 0 {
		t.Fatalf("entry of a tag changed at its since exists=%d (%v); want deleted", n, err)
	}
	if err := s.Put(ctx, "k", []byte("fresh"), time.Minute, []string{"c12", "s8"}, at.Add(1)); err != nil {
		t.Fatal(err)
	}
	if v, err := client.Get(ctx, prefix+"rc:e:k").Result(); err != nil || v != "fresh" {
		t.Fatalf("entry read after the change = %q, %v; want fresh", v, err)
	}
}

// The keys and their lifetimes are what the race argument and the memory bound rely on.
func TestTaggedStore_KeysAndTTLs(t *testing.T) {
	ctx := context.Background()
	client, prefix := testenv.Redis(t)
	s := rediscache.NewTaggedStore(client, prefix)
	now := time.Now()
	if err := s.Put(ctx, "long", []byte("v"), 10*time.Minute, []string{"s8"}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "short", []byte("v"), 30*time.Second, []string{"s8"}, now); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, prefix+"rc:e:short").Val(); ttl <= 0 || ttl > 30*time.Second {
		t.Errorf("entry TTL = %v, want its 30s", ttl)
	}
	if ttl := client.PTTL(ctx, prefix+"rc:t:s8").Val(); ttl < 10*time.Minute-time.Second {
		t.Errorf("tag set TTL = %v after a shorter Put; want at least the longer entry's 10m", ttl)
	}
	if m := client.SMembers(ctx, prefix+"rc:t:s8").Val(); len(m) != 2 {
		t.Errorf("tag set = %v, want long and short", m)
	}
	if err := s.Put(ctx, "clamped", []byte("v"), 48*time.Hour, nil, now); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, prefix+"rc:e:clamped").Val(); ttl <= 0 || ttl > rediscache.MaxTTL {
		t.Errorf("entry put for 48h has TTL %v, want clamped to MaxTTL %v", ttl, rediscache.MaxTTL)
	}
	at := time.Unix(1700000000, 123456789)
	if err := s.Invalidate(ctx, []string{"s8"}, at); err != nil {
		t.Fatal(err)
	}
	if v := client.Get(ctx, prefix+"rc:c:s8").Val(); v != "1700000000123456789" {
		t.Errorf("change time = %q, want Unix ns 1700000000123456789", v)
	}
	if ttl := client.TTL(ctx, prefix+"rc:c:s8").Val(); ttl < rediscache.MaxTTL-time.Minute {
		t.Errorf("change time TTL = %v, want MaxTTL %v", ttl, rediscache.MaxTTL)
	}
	if n := client.Exists(ctx, prefix+"rc:t:s8", prefix+"rc:e:long", prefix+"rc:e:short").Val(); n != 0 {
		t.Errorf("%d of the tag set and its entries survived Invalidate", n)
	}
	if err := s.Invalidate(ctx, []string{"s8"}, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("Invalidate in 2300 (beyond Unix ns in an int64) returned no error")
	}
}

// The channel's message is "<Unix ns> <tag>...": Invalidate writes it, Subscribe reads it, and
// anything else on the channel is skipped and counted.
func TestTaggedStore_MessageFormat(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, prefix := testenv.Redis(t)
	s := rediscache.NewTaggedStore(client, prefix)

	raw := client.Subscribe(ctx, prefix+"rc:inval")
	defer raw.Close()
	if _, err := raw.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Invalidate(ctx, []string{"s8", "c12"}, time.Unix(0, 1700000000000000042)); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
	defer rcancel()
	msg, err := raw.ReceiveMessage(rctx)
	if err != nil || msg.Payload != "1700000000000000042 s8 c12" {
		t.Fatalf("published %v, %v; want payload %q", msg, err, "1700000000000000042 s8 c12")
	}

	var (
		mu    sync.Mutex
		heard []string
	)
	if err := s.Subscribe(ctx, func(tags []string, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, strconv.FormatInt(at.UnixNano(), 10)+" "+strings.Join(tags, ","))
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"garbage", "12", "x s8", "-1 s8", "1  s8", "7 s8 u1"} {
		if err := client.Publish(ctx, prefix+"rc:inval", p).Err(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), heard...)
		mu.Unlock()
		if len(got) > 0 {
			if len(got) != 1 || got[0] != "7 s8,u1" {
				t.Fatalf("heard %q, want only the well-formed message (7 s8,u1)", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the well-formed message was not heard within 3s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Malformed(); n != 5 {
		t.Errorf("Malformed = %d, want 5", n)
	}
}

// Cancelling Subscribe's context closes the subscription in Redis, not only the goroutine.
func TestTaggedStore_SubscribeUnsubscribes(t *testing.T) {
	client, prefix := testenv.Redis(t)
	s := rediscache.NewTaggedStore(client, prefix)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Subscribe(ctx, func([]string, time.Time) {}); err != nil {
		t.Fatal(err)
	}
	numsub := func() int64 {
		return client.PubSubNumSub(context.Background(), prefix+"rc:inval").Val()[prefix+"rc:inval"]
	}
	if n := numsub(); n != 1 {
		t.Fatalf("NUMSUB = %d after Subscribe returned, want 1", n)
	}
	cancel()
	deadline := time.Now().Add(3 * time.Second)
	for numsub() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("subscription still open 3s after its context was cancelled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A broken subscription connection is re-established by go-redis; the store counts it, since
// what was published meanwhile is lost, and goes on delivering.
func TestTaggedStore_ResubscribeIsCounted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, prefix := testenv.Redis(t)
	o := base.Options()
	name := strings.ReplaceAll(prefix, ":", "-") + "sub"
	client := redis.NewClient(&redis.Options{Addr: o.Addr, DB: o.DB, Username: o.Username, Password: o.Password, ClientName: name})
	t.Cleanup(func() { _ = client.Close() })
	s := rediscache.NewTaggedStore(client, prefix)
	heard := make(chan string, 10)
	if err := s.Subscribe(ctx, func(tags []string, _ time.Time) { heard <- strings.Join(tags, " ") }); err != nil {
		t.Fatal(err)
	}
	if n, err := base.ClientKillByFilter(ctx, "TYPE", "pubsub", "SKIPME", "yes", "ID", subscriberID(t, base, name)).Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL = %d, %v", n, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Resubscribed() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Resubscribed still 0 5s after the subscription's connection was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Invalidate(ctx, []string{"s8"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	select {
	case tags := <-heard:
		if tags != "s8" {
			t.Fatalf("heard %q, want s8", tags)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("nothing heard 3s after the resubscription")
	}
}

func subscriberID(tb testing.TB, c *redis.Client, name string) string {
	tb.Helper()
	list, err := c.Do(context.Background(), "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.SplitSeq(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for f := range strings.FieldsSeq(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				return id
			}
		}
	}
	tb.Fatalf("no pubsub client named %s in\n%s", name, list)
	return ""
}

// A Redis that accepts connections but never answers costs Put, Get and Invalidate a bounded
// time (Put two CallTimeouts: its check, then the DEL of an entry it may have written), and
// Subscribe SubscribeTimeout.
func TestTaggedStore_CallsAreBounded(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	client, err := rediscache.NewClient(context.Background(), rediscache.Options{URL: "redis://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	s := rediscache.NewTaggedStore(client, "")
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Get":        func() error { _, _, err := s.Get(ctx, "k"); return err },
		"Put":        func() error { return s.Put(ctx, "k", []byte("v"), time.Minute, []string{"s8"}, time.Now()) },
		"Invalidate": func() error { return s.Invalidate(ctx, []string{"s8"}, time.Now()) },
	} {
		start := time.Now()
		if err := call(); err == nil {
			t.Errorf("%s on a silent Redis returned no error", name)
		}
		if took := time.Since(start); took > 4*rediscache.CallTimeout {
			t.Errorf("%s on a silent Redis took %v, want at most %v", name, took, 4*rediscache.CallTimeout)
		}
	}
	start := time.Now()
	if err := s.Subscribe(ctx, func([]string, time.Time) {}); err == nil {
		t.Error("Subscribe on a silent Redis returned no error")
	}
	if took := time.Since(start); took > rediscache.SubscribeTimeout+time.Second {
		t.Errorf("Subscribe on a silent Redis took %v, want about %v", took, rediscache.SubscribeTimeout)
	}
}
