package ports

import (
	"context"
	"time"
)

// WebSessionRepository keeps the sessions of bangumi's website (chii_os_web_sessions).
type WebSessionRepository interface {
	// Revoke expires, at time at, every session of user created at or before createdBy that
	// has not expired by then, and returns the keys of every session of user created at or
	// before createdBy (those that had expired already included), so that their cached copies
	// can be dropped. A session created after createdBy — a login after the change that
	// revokes — is left alone, so a change handled twice does not log the user out twice. A
	// zero createdBy means every session of user.
	Revoke(ctx context.Context, userID uint32, createdBy, at time.Time) (keys []string, err error)
}

// WebSessionCache holds copies of web sessions by key, which the website reads before the
// database.
type WebSessionCache interface {
	// Forget drops the copies of the sessions keys (none is fine).
	Forget(ctx context.Context, keys ...string) error
}

// UserNotifier tells a user's open pages about their notifications.
type UserNotifier interface {
	// NewNotifications says that user has count unread notifications now.
	NewNotifications(ctx context.Context, userID uint32, count uint16) error
}

// ImageStore holds image files by path ("/pic/user/l/000/00/00/1.jpg").
type ImageStore interface {
	// DeletePrefix deletes every image whose path starts with prefix and returns how many it
	// deleted. None is not an error.
	DeletePrefix(ctx context.Context, prefix string) (n int, err error)
}
