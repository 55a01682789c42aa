package canal_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/ports"
	"github.com/bangumi/chii/runtime/worker/canal"
)

// handledAt is when the in-memory world handles events; the answers it caches were rendered
// before.
var (
	handledAt  = time.Unix(1900000000, 0)
	renderedAt = handledAt.Add(-time.Hour)
)

// memWorld is the member reactions and the invalidation on in-memory adapters.
type memWorld struct {
	sessions *inmem.WebSessions
	cache    *inmem.WebSessionCache
	notifier *inmem.UserNotifier
	store    *inmem.ImageStore
	answers  *countingStore
}

// countingStore counts the calls of Invalidate and can fail them.
type countingStore struct {
	ports.TaggedStore
	mu    sync.Mutex
	calls [][]string
	err   error
}

func (s *countingStore) Invalidate(ctx context.Context, tags []string, at time.Time) error {
	s.mu.Lock()
	s.calls = append(s.calls, slices.Clone(tags))
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.TaggedStore.Invalidate(ctx, tags, at)
}

func (w *memWorld) reset(t *testing.T, st memberState) {
	t.Helper()
	var sessions []inmem.WebSession
	for _, s := range st.Sessions {
		sessions = append(sessions, inmem.WebSession{Key: s.Key, UserID: s.UserID,
			CreatedAt: time.Unix(s.CreatedAt, 0), ExpiredAt: time.Unix(s.ExpiredAt, 0)})
	}
	w.sessions = inmem.NewWebSessions(sessions...)
	w.cache = inmem.NewWebSessionCache(st.CachedSessions...)
	w.notifier = &inmem.UserNotifier{}
	w.store = inmem.NewImageStore(st.Images...)
	w.answers = &countingStore{TaggedStore: inmem.NewTaggedStore(nil)}
	for _, tag := range st.Tags {
		if err := w.answers.Put(t.Context(), "answer-"+tag, []byte("{}"), time.Hour, []string{tag}, renderedAt); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *memWorld) sessionExpiry(t *testing.T, key string) int64 {
	s, ok := w.sessions.Get(key)
	if !ok {
		t.Fatalf("session %s is gone", key)
	}
	return s.ExpiredAt.Unix()
}

func (w *memWorld) sessionCached(_ *testing.T, key string) bool { return w.cache.Has(key) }
func (w *memWorld) images(*testing.T) []string                  { return w.store.Paths() }
func (w *memWorld) answerCached(t *testing.T, tag string) bool {
	_, ok, err := w.answers.Get(t.Context(), "answer-"+tag)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func (w *memWorld) reactions() *canal.MemberReactions {
	return &canal.MemberReactions{Sessions: w.sessions, SessionCache: w.cache, Notifier: w.notifier, Images: w.store,
		Now: func() time.Time { return handledAt }, Logger: slog.New(slog.DiscardHandler)}
}

func (w *memWorld) dispatcher() *canal.Dispatcher {
	return canal.Compose(canal.Handlers{Members: w.reactions(), Answers: w.answers, Now: func() time.Time { return handledAt }},
		slog.New(slog.DiscardHandler))
}

func newMemWorld(t *testing.T) (*memWorld, memberState) {
	t.Helper()
	st := loadMemberState(t)
	w := &memWorld{}
	w.reset(t, st)
	return w, st
}

// Every golden event, through the composed dispatcher on in-memory adapters, has exactly the
// effects its file lists, or is refused as permanent.
func TestFixtures_InMemory(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			w, st := newMemWorld(t)
			err := w.dispatcher().HandleBatch(t.Context(), []kafka.Message{fx.message()})
			if fx.Want.Permanent {
				if !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("HandleBatch() = %v, want an error of kind domain.ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("HandleBatch() = %v", err)
			}
			checkEffects(t, w, st, fx.Want, handledAt.Unix(), handledAt.Unix())
			var want []inmem.Notification
			if n := fx.Want.Notify; n != nil {
				want = []inmem.Notification{{UserID: n.UserID, Count: notifyCount(t, n.Message)}}
			}
			if diff := cmp.Diff(want, w.notifier.Sent()); diff != "" {
				t.Errorf("notifications (-want +got):\n%s", diff)
			}
			if len(fx.Want.Tags) > 0 && len(w.answers.calls) != 1 {
				t.Errorf("Invalidate called %d times, want once", len(w.answers.calls))
			}
		})
	}
}

// notifyCount reads new_notify of a notification message.
func notifyCount(t *testing.T, msg string) uint16 {
	t.Helper()
	var m struct {
		NewNotify uint16 `json:"new_notify"`
	}
	if err := json.Unmarshal([]byte(msg), &m); err != nil {
		t.Fatal(err)
	}
	return m.NewNotify
}

// The changes of a whole batch are invalidated with one Invalidate: every tag its events
// name, each once.
func TestInvalidate_OneInvalidatePerBatch(t *testing.T) {
	w, _ := newMemWorld(t)
	var msgs []kafka.Message
	var want []string
	for _, fx := range loadFixtures(t) {
		if fx.Want.Permanent {
			continue
		}
		msgs = append(msgs, fx.message())
		for _, tag := range fx.Want.Tags {
			if !slices.Contains(want, tag) {
				want = append(want, tag)
			}
		}
	}
	if err := w.dispatcher().HandleBatch(t.Context(), msgs); err != nil {
		t.Fatalf("HandleBatch() = %v", err)
	}
	if len(w.answers.calls) != 1 {
		t.Fatalf("Invalidate called %d times for one batch, want once: %v", len(w.answers.calls), w.answers.calls)
	}
	got := slices.Clone(w.answers.calls[0])
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("invalidated tags (-want +got):\n%s", diff)
	}
}

// failing is a dependency that is down.
var errDown = errors.New("down")

type downSessions struct{}

func (downSessions) Revoke(context.Context, uint32, time.Time, time.Time) ([]string, error) {
	return nil, errDown
}

type downCache struct{}

func (downCache) Forget(context.Context, ...string) error { return errDown }

type downNotifier struct{}

func (downNotifier) NewNotifications(context.Context, uint32, uint16) error { return errDown }

type downImages struct{}

func (downImages) DeletePrefix(context.Context, string) (int, error) { return 0, errDown }

// A dependency that fails is returned, as a transient error (not domain.ErrInvalid), so that
// the consume loop retries the batch instead of committing past it — bangumi swallowed them.
func TestMembers_FailuresAreTransient(t *testing.T) {
	all := fixtureNamed(t, "members_u_all_schema")
	for name, breakIt := range map[string]func(r *canal.MemberReactions, s *countingStore){
		"Sessions":     func(r *canal.MemberReactions, _ *countingStore) { r.Sessions = downSessions{} },
		"SessionCache": func(r *canal.MemberReactions, _ *countingStore) { r.SessionCache = downCache{} },
		"Notifier":     func(r *canal.MemberReactions, _ *countingStore) { r.Notifier = downNotifier{} },
		"Images":       func(r *canal.MemberReactions, _ *countingStore) { r.Images = downImages{} },
		"Answers":      func(_ *canal.MemberReactions, s *countingStore) { s.err = errDown },
	} {
		t.Run(name, func(t *testing.T) {
			w, _ := newMemWorld(t)
			r := w.reactions()
			breakIt(r, w.answers)
			disp := canal.Compose(canal.Handlers{Members: r, Answers: w.answers}, slog.New(slog.DiscardHandler))
			err := disp.HandleBatch(t.Context(), []kafka.Message{all.message()})
			if !errors.Is(err, errDown) || errors.Is(err, domain.ErrInvalid) {
				t.Errorf("HandleBatch() = %v, want the dependency's error, not a permanent one", err)
			}
		})
	}
}

// A change handled twice (a redelivery after a crash) leaves what one leaves: the revoked
// sessions keep the first expiry, a login after the change stays valid.
func TestMembers_RedeliveryIsHarmless(t *testing.T) {
	w, st := newMemWorld(t)
	fx := fixtureNamed(t, "members_u_password")
	if err := w.dispatcher().HandleBatch(t.Context(), []kafka.Message{fx.message()}); err != nil {
		t.Fatal(err)
	}
	r := w.reactions()
	r.Now = func() time.Time { return handledAt.Add(time.Hour) }
	disp := canal.Compose(canal.Handlers{Members: r, Answers: w.answers}, slog.New(slog.DiscardHandler))
	if err := disp.HandleBatch(t.Context(), []kafka.Message{fx.message()}); err != nil {
		t.Fatal(err)
	}
	checkEffects(t, w, st, fx.Want, handledAt.Unix(), handledAt.Unix())
}

// Without an image store the avatar purge is skipped, and the other reactions still run.
func TestMembers_WithoutImageStore(t *testing.T) {
	w, st := newMemWorld(t)
	r := w.reactions()
	r.Images = nil
	disp := canal.Compose(canal.Handlers{Members: r, Answers: w.answers, Now: func() time.Time { return handledAt }}, slog.New(slog.DiscardHandler))
	fx := fixtureNamed(t, "members_u_all_schema")
	if err := disp.HandleBatch(t.Context(), []kafka.Message{fx.message()}); err != nil {
		t.Fatal(err)
	}
	want := fx.Want
	want.ImagesGone = nil
	checkEffects(t, w, st, want, handledAt.Unix(), handledAt.Unix())
	if len(w.notifier.Sent()) != 1 {
		t.Errorf("notifications = %v, want one", w.notifier.Sent())
	}
}

func TestAvatarPrefix(t *testing.T) {
	for _, tc := range []struct {
		avatar, want string
		ok           bool
	}{
		{"000/00/00/1.jpg?r=1&hd=1", "/hd/pic/user/l/000/00/00/1.jpg", true},
		{"000/00/00/1.jpg?hd=1", "/hd/pic/user/l/000/00/00/1.jpg", true},
		{"000/00/00/1.jpg?r=1", "/pic/user/l/000/00/00/1.jpg", true},
		{"000/00/00/1.jpg?hd=0", "/pic/user/l/000/00/00/1.jpg", true},
		{"000/00/00/1.jpg?xhd=1", "/pic/user/l/000/00/00/1.jpg", true},
		{"000/38/29/382951.jpg", "/pic/user/l/000/38/29/382951.jpg", true},
		{"", "", false},
		{"?r=1&hd=1", "", false},
		{"/", "", false},
	} {
		got, ok := canal.AvatarPrefix(tc.avatar)
		if got != tc.want || ok != tc.ok {
			t.Errorf("AvatarPrefix(%q) = %q, %v; want %q, %v", tc.avatar, got, ok, tc.want, tc.ok)
		}
	}
}

// An avatar removed (no path) purges nothing: its prefix would be every avatar's.
func TestMembers_AvatarWithoutPathPurgesNothing(t *testing.T) {
	w, st := newMemWorld(t)
	e := canal.Event{Table: "chii_members", Op: "u", Key: []byte(`{"uid":1}`),
		Before: []byte(`{"uid":1,"password_crypt":"p","new_notify":0,"avatar":"000/00/00/1.jpg"}`),
		After:  []byte(`{"uid":1,"password_crypt":"p","new_notify":0,"avatar":""}`)}
	if err := w.reactions().Handle(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(st.Images), w.store.Paths()); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func fixtureNamed(t *testing.T, name string) fixture {
	t.Helper()
	for _, fx := range loadFixtures(t) {
		if fx.Name == name {
			return fx
		}
	}
	t.Fatalf("no fixture %s", name)
	return fixture{}
}
