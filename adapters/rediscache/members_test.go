package rediscache_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/rediscache"
	"github.com/bangumi/chii/contracttests/testenv"
)

// Forget deletes bangumi's keys chii:web:session:<key> of the given sessions, and only those.
func TestWebSessionCache_Forget(t *testing.T) {
	client, prefix := testenv.Redis(t)
	c := rediscache.NewWebSessionCache(client, prefix)
	if got := c.SessionKey("abc"); got != prefix+"chii:web:session:abc" {
		t.Fatalf("SessionKey(abc) = %q", got)
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := client.Set(t.Context(), c.SessionKey(k), "{}", time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Forget(t.Context(), "a", "b", "never-cached"); err != nil {
		t.Fatalf("Forget() error = %v", err)
	}
	if err := c.Forget(t.Context()); err != nil {
		t.Fatalf("Forget() of nothing: %v", err)
	}
	n, err := client.Exists(t.Context(), c.SessionKey("a"), c.SessionKey("b"), c.SessionKey("c")).Result()
	if err != nil || n != 1 {
		t.Errorf("%d of a, b, c left (%v), want only c", n, err)
	}
}

// The message is bangumi's, byte for byte, on event-user-notify-<uid>.
func TestUserNotifier_Publishes(t *testing.T) {
	client, prefix := testenv.Redis(t)
	n := rediscache.NewUserNotifier(client, prefix)
	if got := n.Channel(382951); got != prefix+"event-user-notify-382951" {
		t.Fatalf("Channel(382951) = %q", got)
	}
	sub := client.Subscribe(t.Context(), n.Channel(382951))
	defer sub.Close()
	if _, err := sub.Receive(t.Context()); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	if err := n.NewNotifications(t.Context(), 382951, 65535); err != nil {
		t.Fatalf("NewNotifications() error = %v", err)
	}
	select {
	case msg := <-sub.Channel():
		if want := `{"user_id":382951,"new_notify":65535}`; msg.Payload != want {
			t.Errorf("message = %s, want %s", msg.Payload, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
	}
}
