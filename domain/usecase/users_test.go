package usecase_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/domain/user"
)

// failingUsers fails every read: the use case must pass the failure on as an internal error.
type failingUsers struct{}

var errDown = errors.New("database down")

func (failingUsers) Get(context.Context, uint32) (user.User, error) { return user.User{}, errDown }
func (failingUsers) GetByUsername(context.Context, string) (user.User, error) {
	return user.User{}, errDown
}

func TestUsers_Get(t *testing.T) {
	s := seed()
	s.PutUser(user.User{ID: 12, Username: "withAvatar", Avatar: "000/00/00/12.jpg?r=1"})
	uc := &usecase.Users{Users: s.Users()}
	ctx := t.Context()

	t.Run("CaseInsensitiveKeepsStoredSpelling", func(t *testing.T) {
		u, err := uc.Get(ctx, "OLD")
		if err != nil || u.ID != 10 || u.Username != "Old" {
			t.Fatalf("Get(OLD) = %+v, %v; want user 10 spelled Old", u, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		_, err := uc.Get(ctx, "")
		wantKind(t, err, domain.ErrInvalid, "missing require parameters `username`")
	})
	t.Run("TooLongBeforeLookup", func(t *testing.T) {
		_, err := (&usecase.Users{Users: failingUsers{}}).Get(ctx, strings.Repeat("a", 32))
		wantKind(t, err, domain.ErrInvalid, "username is too long")
		if _, err := uc.Get(ctx, strings.Repeat("a", 31)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("31 bytes: %v, want a lookup (not found)", err)
		}
	})
	t.Run("MissingQuotesTheUsername", func(t *testing.T) {
		_, err := uc.Get(ctx, `no "such"`)
		wantKind(t, err, domain.ErrNotFound, `can't find user with username "no \"such\""`)
	})
	t.Run("StoreFailureIsInternal", func(t *testing.T) {
		_, err := (&usecase.Users{Users: failingUsers{}}).Get(ctx, "old")
		if !errors.Is(err, errDown) || domain.Message(err) != "" {
			t.Errorf("Get = %v, want the store's error, without a client message", err)
		}
	})
}

func TestUsers_Avatar(t *testing.T) {
	s := seed()
	s.PutUser(user.User{ID: 12, Username: "withAvatar", Avatar: "000/00/00/12.jpg?r=1"})
	uc := &usecase.Users{Users: s.Users()}
	ctx := t.Context()
	for size, want := range map[string]string{
		"large":  "https://lain.bgm.tv/pic/user/l/000/00/00/12.jpg?r=1",
		"medium": "https://lain.bgm.tv/r/200/pic/user/l/000/00/00/12.jpg?r=1",
		"small":  "https://lain.bgm.tv/r/100/pic/user/l/000/00/00/12.jpg?r=1",
	} {
		if got, _, err := uc.Avatar(ctx, "withavatar", size); err != nil || got != want {
			t.Errorf("Avatar(%s) = %q, %v; want %q", size, got, err, want)
		}
	}
	if got, _, _ := uc.Avatar(ctx, "young", "small"); got != "https://lain.bgm.tv/r/100/pic/user/l/icon.jpg" {
		t.Errorf("no avatar: %q, want the default icon", got)
	}
	_, _, err := uc.Avatar(ctx, "young", "")
	wantKind(t, err, domain.ErrInvalid, "bad avatar type: ")
	_, _, err = uc.Avatar(ctx, "young", "grid")
	wantKind(t, err, domain.ErrInvalid, "bad avatar type: grid")
	// The user is checked before the size.
	_, _, err = uc.Avatar(ctx, "nobody", "grid")
	wantKind(t, err, domain.ErrNotFound, `can't find user with username "nobody"`)
	_, _, err = uc.Avatar(ctx, strings.Repeat("b", 40), "grid")
	wantKind(t, err, domain.ErrInvalid, "username is too long")
}

func TestUsers_Me(t *testing.T) {
	s := seed()
	uc := &usecase.Users{Users: s.Users()}
	ctx := t.Context()
	u, err := uc.Me(ctx, oldUser)
	if err != nil || u.ID != 10 {
		t.Fatalf("Me(user 10) = %+v, %v", u, err)
	}
	_, err = uc.Me(ctx, anonymous)
	wantKind(t, err, domain.ErrUnauthorized, "need Login")
	// A member row missing after authentication is a 500, never a 404 or someone else.
	_, err = uc.Me(ctx, auth.Auth{UserID: 404})
	if err == nil || errors.Is(err, domain.ErrNotFound) || domain.Message(err) != "" {
		t.Errorf("Me(vanished user) = %v, want an internal error", err)
	}
}
