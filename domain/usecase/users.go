package usecase

import (
	"context"
	"fmt"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// Users serves the members' profiles: /v0/me, /v0/users/{username} and its avatar.
type Users struct {
	Users ports.UserRepository
}

// Get returns the member named username (compared like the column's case-insensitive
// collation), after bangumi's checks: empty ⇒ 400, 32 bytes or more ⇒ 400, missing ⇒ 404
// naming the username Go-quoted.
func (u *Users) Get(ctx context.Context, username string) (user.User, error) {
	if username == "" {
		return user.User{}, domain.Errorf(domain.ErrInvalid, "missing require parameters `username`")
	}
	if user.UsernameTooLong(username) {
		return user.User{}, domain.Errorf(domain.ErrInvalid, "username is too long")
	}
	m, err := u.Users.GetByUsername(ctx, username)
	if err != nil {
		if isNotFound(err) {
			return user.User{}, domain.Errorf(domain.ErrNotFound, "can't find user with username %q", username)
		}
		return user.User{}, wrap("load user", err)
	}
	return m, nil
}

// Avatar returns the URL of one size of the avatar of the member named username: Get's
// checks first, then size must be exactly large, medium or small ("bad avatar type: <size>").
func (u *Users) Avatar(ctx context.Context, username, size string) (url string, _ user.User, _ error) {
	m, err := u.Get(ctx, username)
	if err != nil {
		return "", m, err
	}
	url, ok := user.AvatarOf(m.Avatar).Select(size)
	if !ok {
		return "", m, domain.Errorf(domain.ErrInvalid, "bad avatar type: %s", size)
	}
	return url, m, nil
}

// Me returns the viewer's own member row. An anonymous viewer is a 401 "need Login" (not the
// route guard's text); a member row that vanished after the token was resolved is an internal
// error, as in bangumi (possible only within the token cache's lifetime).
func (u *Users) Me(ctx context.Context, viewer auth.Auth) (user.User, error) {
	if !viewer.LoggedIn() {
		return user.User{}, domain.Errorf(domain.ErrUnauthorized, "need Login")
	}
	m, err := u.Users.Get(ctx, viewer.UserID)
	if isNotFound(err) {
		// Not a 404: the caller was authenticated as this member a moment ago.
		return user.User{}, fmt.Errorf("load own user %d: member row missing since the token was resolved", viewer.UserID)
	}
	if err != nil {
		return user.User{}, wrap("load own user", err)
	}
	return m, nil
}
