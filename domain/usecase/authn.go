package usecase

import (
	"context"
	"strconv"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/ports"
)

// AuthCacheTTL is how long a resolved token is cached (a revoked token works that long).
const AuthCacheTTL = 10 * time.Minute

// Authenticator resolves bearer tokens to callers.
type Authenticator struct {
	Tokens ports.TokenRepository
	Users  ports.UserRepository
	Cache  ports.Cache // optional
	Clock  ports.Clock // optional
}

// ErrTokenInvalid is the 401 for an unknown, expired or unusable token.
func errTokenInvalid() error {
	return domain.Errorf(domain.ErrUnauthorized, "access token has been expired or doesn't exist")
}

// Authenticate returns the caller a token belongs to, or an ErrUnauthorized error.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (auth.Auth, error) {
	return cached(ctx, a.Cache, "auth:access-token:"+token, AuthCacheTTL, func() (auth.Auth, error) {
		t, err := a.Tokens.Find(ctx, token, clockOrSystem(a.Clock).Now())
		if err != nil {
			if isNotFound(err) {
				return auth.Auth{}, errTokenInvalid()
			}
			return auth.Auth{}, wrap("find token", err)
		}
		uid, ok := auth.ParseUserID(t.UserID)
		if !ok {
			return auth.Auth{}, errTokenInvalid()
		}
		u, err := a.Users.Get(ctx, uid)
		if err != nil {
			if isNotFound(err) {
				return auth.Auth{}, errTokenInvalid()
			}
			return auth.Auth{}, wrap("load token user", err)
		}
		legacy, scopes := auth.ParseScope(t.Scope)
		// auth.md §3.6: undecodable group data grants nothing; an undecodable acl of the
		// member itself is an error (a 500), as bangumi has it.
		group, err := auth.ParsePermissions(u.GroupPermissions)
		if err != nil {
			group = nil
		}
		acl, err := auth.ParsePermissions(u.ACL)
		if err != nil {
			return auth.Auth{}, wrap("permissions of user "+strconv.FormatUint(uint64(u.ID), 10), err)
		}
		return auth.Auth{UserID: u.ID, GroupID: u.GroupID, RegTime: u.RegTime, Legacy: legacy, Scopes: scopes,
			Banned: auth.Banned(group, acl)}, nil
	})
}
