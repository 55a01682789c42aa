package mysqldb

import (
	"context"
	"database/sql"
	"time"
	"unicode/utf8"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.UserRepository  = (*UserRepository)(nil)
	_ ports.TokenRepository = (*TokenRepository)(nil)
)

// UserRepository reads chii_members ⟕ chii_usergroup (the group's permissions).
type UserRepository struct{ q Querier }

// NewUserRepository returns a user repository reading through q.
func NewUserRepository(q Querier) *UserRepository { return &UserRepository{q: q} }

func (r *UserRepository) find(ctx context.Context, what string, where exp.Expression) (user.User, bool, error) {
	var (
		u     user.User
		found bool
	)
	ds := from(goqu.T("chii_members").As("m")).
		LeftJoin(goqu.T("chii_usergroup").As("g"), goqu.On(goqu.I("g.usr_grp_id").Eq(goqu.I("m.groupid")))).
		Select(goqu.I("m.uid"), goqu.I("m.username"), goqu.I("m.nickname"), goqu.I("m.groupid"), goqu.I("m.regdate"),
			goqu.I("m.avatar"), goqu.I("m.sign"), goqu.I("m.email"), goqu.I("m.timeoffset"), goqu.I("m.acl"),
			goqu.COALESCE(goqu.I("g.usr_grp_perm"), "")).
		Where(where).Limit(1)
	err := queryRows(ctx, r.q, what, ds, func(rows *sql.Rows) error {
		var regdate int64
		if err := rows.Scan(&u.ID, &u.Username, &u.Nickname, &u.GroupID, &regdate,
			&u.Avatar, &u.Sign, &u.Email, &u.TimeOffset, &u.ACL, &u.GroupPermissions); err != nil {
			return err
		}
		u.RegTime, found = time.Unix(regdate, 0).UTC(), true
		return nil
	})
	return u, found, err
}

// Get loads the member uid = id.
func (r *UserRepository) Get(ctx context.Context, id uint32) (user.User, error) {
	u, found, err := r.find(ctx, "get user", goqu.I("m.uid").Eq(id))
	if err == nil && !found {
		err = domain.Errorf(domain.ErrNotFound, "user %d not found", id)
	}
	return u, err
}

// GetByUsername loads the member whose username equals username under the column's
// case-insensitive collation.
//
// The column is utf8 (3 bytes a character): a name that is not UTF-8 or holds a character
// beyond the BMP (an emoji) cannot be stored, and MySQL refuses to compare it with the column
// ("Illegal mix of collations"), so it matches no row without a query.
func (r *UserRepository) GetByUsername(ctx context.Context, username string) (user.User, error) {
	if !storableUsername(username) {
		return user.User{}, domain.Errorf(domain.ErrNotFound, "user %q not found", username)
	}
	u, found, err := r.find(ctx, "get user by name", goqu.I("m.username").Eq(username))
	if err == nil && !found {
		err = domain.Errorf(domain.ErrNotFound, "user %q not found", username)
	}
	return u, err
}

// storableUsername reports whether s fits chii_members.username's character set (utf8mb3).
func storableUsername(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c > 0xFFFF {
			return false
		}
	}
	return true
}

// TokenRepository reads chii_oauth_access_tokens.
type TokenRepository struct{ q Querier }

// NewTokenRepository returns a token repository reading through q.
func NewTokenRepository(q Querier) *TokenRepository { return &TokenRepository{q: q} }

// Find selects user_id, scope WHERE access_token = BINARY token (case-sensitive) AND
// expires > FROM_UNIXTIME(now) LIMIT 1. The TIMESTAMP column and FROM_UNIXTIME are both
// read in the session time zone, so the comparison holds whatever that zone is.
// A NULL user_id is "".
func (r *TokenRepository) Find(ctx context.Context, token string, now time.Time) (auth.Token, error) {
	var (
		t     auth.Token
		found bool
	)
	ds := from("chii_oauth_access_tokens").Select("user_id", "scope").Where(
		goqu.C("access_token").Eq(goqu.L("BINARY ?", token)),
		goqu.C("expires").Gt(goqu.L("FROM_UNIXTIME(?)", now.Unix())),
	).Limit(1)
	err := queryRows(ctx, r.q, "find token", ds, func(rows *sql.Rows) error {
		var uid, scope sql.NullString
		if err := rows.Scan(&uid, &scope); err != nil {
			return err
		}
		t.UserID, found = uid.String, true
		if scope.Valid {
			t.Scope = &scope.String
		}
		return nil
	})
	if err != nil {
		return auth.Token{}, err
	}
	if !found {
		return auth.Token{}, domain.Errorf(domain.ErrNotFound, "access token not found or expired")
	}
	return t, nil
}
