package inmem_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

func TestImageStore_DeletePrefix(t *testing.T) {
	s := inmem.NewImageStore("/pic/user/l/1.jpg", "/pic/user/l/1.jpg/100", "/pic/user/l/10.jpg", "/hd/pic/user/l/1.jpg")
	n, err := s.DeletePrefix(context.Background(), "/pic/user/l/1.jpg")
	if err != nil || n != 2 {
		t.Errorf("DeletePrefix() = %d, %v; want 2, nil", n, err)
	}
	if diff := cmp.Diff([]string{"/hd/pic/user/l/1.jpg", "/pic/user/l/10.jpg"}, s.Paths()); diff != "" {
		t.Errorf("paths left (-want +got):\n%s", diff)
	}
}
