package rediscache

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/bangumi/chii/ports"
)

var (
	_ ports.WebSessionCache = (*WebSessionCache)(nil)
	_ ports.UserNotifier    = (*UserNotifier)(nil)
)

// WebSessionCache is the website's copy of its sessions on Redis: the session key is
// prefix + "chii:web:session:" + key (bangumi's name; the prefix is "" in production, a test's
// own otherwise).
type WebSessionCache struct {
	client redis.UniversalClient
	prefix string
}

// NewWebSessionCache returns the session copies under prefix.
func NewWebSessionCache(client redis.UniversalClient, prefix string) *WebSessionCache {
	return &WebSessionCache{client: client, prefix: prefix}
}

// SessionKey is the Redis key of the copy of session key.
func (c *WebSessionCache) SessionKey(key string) string { return c.prefix + "chii:web:session:" + key }

// Forget deletes the copies of keys with one DEL (none: no command).
func (c *WebSessionCache) Forget(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.SessionKey(k)
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	if err := c.client.Del(ctx, full...).Err(); err != nil {
		return fmt.Errorf("rediscache: delete %d web sessions: %w", len(keys), err)
	}
	return nil
}

// UserNotifier publishes notification counts the way bangumi's website listens for them:
// PUBLISH prefix + "event-user-notify-<uid>" {"user_id":<uid>,"new_notify":<count>}.
type UserNotifier struct {
	client redis.UniversalClient
	prefix string
}

// NewUserNotifier returns a notifier publishing on channels under prefix ("" in production).
func NewUserNotifier(client redis.UniversalClient, prefix string) *UserNotifier {
	return &UserNotifier{client: client, prefix: prefix}
}

// Channel is the channel of user's notifications.
func (n *UserNotifier) Channel(userID uint32) string {
	return n.prefix + "event-user-notify-" + strconv.FormatUint(uint64(userID), 10)
}

// notifyMessage is the message, its members in bangumi's order.
type notifyMessage struct {
	UserID    uint32 `json:"user_id"`
	NewNotify uint16 `json:"new_notify"`
}

func (n *UserNotifier) NewNotifications(ctx context.Context, userID uint32, count uint16) error {
	msg, err := json.Marshal(notifyMessage{UserID: userID, NewNotify: count})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	if err := n.client.Publish(ctx, n.Channel(userID), msg).Err(); err != nil {
		return fmt.Errorf("rediscache: publish the notifications of user %d: %w", userID, err)
	}
	return nil
}
