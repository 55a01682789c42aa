package inmem

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bangumi/chii/ports"
)

var (
	_ ports.WebSessionRepository = (*WebSessions)(nil)
	_ ports.WebSessionCache      = (*WebSessionCache)(nil)
	_ ports.UserNotifier         = (*UserNotifier)(nil)
	_ ports.ImageStore           = (*ImageStore)(nil)
)

// WebSession is one row of the website's sessions, as WebSessions keeps it.
type WebSession struct {
	Key       string
	UserID    uint32
	CreatedAt time.Time
	ExpiredAt time.Time
}

// WebSessions is a process-local ports.WebSessionRepository.
type WebSessions struct {
	mu   sync.Mutex
	rows map[string]WebSession
}

// NewWebSessions returns a repository holding sessions.
func NewWebSessions(sessions ...WebSession) *WebSessions {
	w := &WebSessions{rows: map[string]WebSession{}}
	for _, s := range sessions {
		w.rows[s.Key] = s
	}
	return w
}

// Get returns the session key.
func (w *WebSessions) Get(key string) (WebSession, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.rows[key]
	return s, ok
}

func (w *WebSessions) Revoke(_ context.Context, userID uint32, createdBy, at time.Time) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := []string{}
	for k, s := range w.rows {
		// Whole seconds, as MySQL stores them.
		if s.UserID != userID || (!createdBy.IsZero() && s.CreatedAt.Unix() > createdBy.Unix()) {
			continue
		}
		keys = append(keys, k)
		if s.ExpiredAt.Unix() > at.Unix() {
			s.ExpiredAt = time.Unix(at.Unix(), 0)
			w.rows[k] = s
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// WebSessionCache is a process-local ports.WebSessionCache: a set of session keys.
type WebSessionCache struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// NewWebSessionCache returns a cache holding keys.
func NewWebSessionCache(keys ...string) *WebSessionCache {
	c := &WebSessionCache{keys: map[string]struct{}{}}
	for _, k := range keys {
		c.keys[k] = struct{}{}
	}
	return c
}

// Has reports whether key is cached.
func (c *WebSessionCache) Has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.keys[key]
	return ok
}

func (c *WebSessionCache) Forget(_ context.Context, keys ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.keys, k)
	}
	return nil
}

// Notification is one call of UserNotifier.NewNotifications.
type Notification struct {
	UserID uint32
	Count  uint16
}

// UserNotifier is a process-local ports.UserNotifier that records what it is told.
type UserNotifier struct {
	mu   sync.Mutex
	sent []Notification
}

func (n *UserNotifier) NewNotifications(_ context.Context, userID uint32, count uint16) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, Notification{UserID: userID, Count: count})
	return nil
}

// Sent returns the notifications told so far, in order.
func (n *UserNotifier) Sent() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

// ImageStore is a process-local ports.ImageStore: a set of paths.
type ImageStore struct {
	mu    sync.Mutex
	paths map[string]struct{}
}

// NewImageStore returns a store holding paths.
func NewImageStore(paths ...string) *ImageStore {
	s := &ImageStore{paths: map[string]struct{}{}}
	for _, p := range paths {
		s.paths[p] = struct{}{}
	}
	return s
}

// Paths returns the stored paths, sorted.
func (s *ImageStore) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for p := range s.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (s *ImageStore) DeletePrefix(_ context.Context, prefix string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.paths {
		if strings.HasPrefix(p, prefix) {
			delete(s.paths, p)
			n++
		}
	}
	return n, nil
}
