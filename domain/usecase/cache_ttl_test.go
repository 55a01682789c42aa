package usecase_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// manualClock is a clock the test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// set moves the clock to start+d.
func (c *manualClock) set(start time.Time, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = start.Add(d)
}

// revocableTokens is the store's token repository with tokens the test can revoke (delete).
type revocableTokens struct {
	ports.TokenRepository
	mu      sync.Mutex
	revoked map[string]bool
}

func (r *revocableTokens) revoke(token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[token] = true
}

func (r *revocableTokens) Find(ctx context.Context, token string, now time.Time) (auth.Token, error) {
	r.mu.Lock()
	gone := r.revoked[token]
	r.mu.Unlock()
	if gone {
		return auth.Token{}, domain.NotFound()
	}
	return r.TokenRepository.Find(ctx, token, now)
}

// TestAuthenticator_CacheWindow pins the token cache window (10 minutes, literal): a token that
// is revoked or expires right after its first use keeps working until 10 minutes after that use,
// and not a second longer.
func TestAuthenticator_CacheWindow(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := &manualClock{t: t0}
	s := inmem.NewStore()
	s.PutUser(user.User{ID: 20, Username: "u20", RegTime: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	s.PutToken("expires-soon", time.Date(2026, 6, 1, 12, 1, 0, 0, time.UTC), auth.Token{UserID: "20"})
	s.PutToken("revoked-soon", time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC), auth.Token{UserID: "20"})
	tokens := &revocableTokens{TokenRepository: s.Tokens(), revoked: map[string]bool{}}
	uc := &usecase.Authenticator{Tokens: tokens, Users: s.Users(), Cache: inmem.NewCache(clock.Now), Clock: clock}

	for _, tok := range []string{"expires-soon", "revoked-soon"} {
		clock.set(t0, 0)
		if _, err := uc.Authenticate(ctx, tok); err != nil {
			t.Fatalf("%s at first use: %v", tok, err)
		}
	}
	tokens.revoke("revoked-soon")
	// Without the cache both would now be refused: the test would prove nothing otherwise.
	uncached := &usecase.Authenticator{Tokens: tokens, Users: s.Users(), Clock: clock}
	clock.set(t0, 2*time.Minute)
	for _, tok := range []string{"expires-soon", "revoked-soon"} {
		if _, err := uncached.Authenticate(ctx, tok); err == nil {
			t.Fatalf("%s still valid without the cache; the test would prove nothing", tok)
		}
	}

	for _, tc := range []struct {
		after time.Duration
		ok    bool
	}{
		{2 * time.Minute, true},
		{9*time.Minute + 59*time.Second, true},
		{10 * time.Minute, false},
		{11 * time.Minute, false},
	} {
		clock.set(t0, tc.after)
		for _, tok := range []string{"expires-soon", "revoked-soon"} {
			_, err := uc.Authenticate(ctx, tok)
			if tc.ok && err != nil {
				t.Errorf("%s %v after its first use: %v, want still accepted (cached for 10 minutes)", tok, tc.after, err)
			}
			if !tc.ok {
				if err == nil {
					t.Errorf("%s %v after its first use: accepted, want refused (the 10-minute cache window is over)", tok, tc.after)
				} else {
					wantKind(t, err, domain.ErrUnauthorized, "access token has been expired or doesn't exist")
				}
			}
		}
	}
}

// TestSubjects_CacheLifetimes pins the subject (60 seconds) and meta-tag (24 hours) cache
// lifetimes of usecase.Subjects with literal durations: a change in the store shows only once
// the entry read before it has expired.
func TestSubjects_CacheLifetimes(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := &manualClock{t: t0}
	s := seed()
	uc := &usecase.Subjects{Subjects: s.Subjects(), Characters: s.Characters(), Persons: s.Persons(), Links: s.Links(),
		Cache: inmem.NewCache(clock.Now), Clock: clock}

	get := func(after time.Duration) usecase.SubjectDetail {
		t.Helper()
		clock.set(t0, after)
		d, err := uc.Get(ctx, anonymous, 1)
		if err != nil {
			t.Fatalf("Get(1) %v after the first read: %v", after, err)
		}
		return d
	}
	first := get(0)
	if first.Subject.Name != "one" || !cmp.Equal(first.MetaTags, []string{"TV", "原创"}) {
		t.Fatalf("first read = %q %v", first.Subject.Name, first.MetaTags)
	}
	s.PutSubject(subject.Subject{ID: 1, Type: subject.TypeAnime, Name: "renamed"})
	s.PutMetaTags(1, subject.TypeAnime, "剧场版")

	for _, tc := range []struct {
		after    time.Duration
		name     string
		metaTags []string
	}{
		{59 * time.Second, "one", []string{"TV", "原创"}},
		{60 * time.Second, "renamed", []string{"TV", "原创"}},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "renamed", []string{"TV", "原创"}},
		{24 * time.Hour, "renamed", []string{"剧场版"}},
	} {
		d := get(tc.after)
		if d.Subject.Name != tc.name {
			t.Errorf("%v after the first read: name %q, want %q (subjects are cached for 60 seconds)", tc.after, d.Subject.Name, tc.name)
		}
		if diff := cmp.Diff(tc.metaTags, d.MetaTags); diff != "" {
			t.Errorf("%v after the first read: meta tags mismatch (-want +got), they are cached for 24 hours:\n%s", tc.after, diff)
		}
	}
}
