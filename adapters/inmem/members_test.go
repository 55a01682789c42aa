package inmem_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

func TestWebSessions(t *testing.T) {
	contracttests.TestWebSessionRepository(t, func(t *testing.T, rows []contracttests.WebSessionRow) (ports.WebSessionRepository, func(string) (int64, bool)) {
		var sessions []inmem.WebSession
		for _, r := range rows {
			sessions = append(sessions, inmem.WebSession{Key: r.Key, UserID: r.UserID,
				CreatedAt: time.Unix(r.CreatedAt, 0), ExpiredAt: time.Unix(r.ExpiredAt, 0)})
		}
		w := inmem.NewWebSessions(sessions...)
		return w, func(key string) (int64, bool) {
			s, ok := w.Get(key)
			return s.ExpiredAt.Unix(), ok
		}
	})
}

func TestImageStore(t *testing.T) {
	contracttests.TestImageStore(t, func(_ *testing.T, paths []string) (ports.ImageStore, func() []string) {
		s := inmem.NewImageStore(paths...)
		return s, s.Paths
	})
}
