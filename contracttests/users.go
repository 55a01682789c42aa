package contracttests

import (
	"fmt"
	"testing"
	"time"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/user"
)

func userFixture() Fixture {
	return Fixture{Users: []user.User{
		{
			ID: 382951, Username: "382951", Nickname: "dev & <test>", GroupID: 10, RegTime: time.Date(2017, 12, 3, 8, 51, 16, 0, time.UTC),
			Avatar: "000/38/29/382951.jpg?r=1571167246", Sign: "treeholechan@gmail.com 密码:lovemeplease",
			Email: "treeholechan@gmail.com", TimeOffset: "-5", GroupPermissions: groupNormal,
		},
		{ID: 1, Username: "Sai", Nickname: "Sai🖖", GroupID: 1, RegTime: time.Date(2008, 7, 14, 10, 27, 43, 0, time.UTC), TimeOffset: "9999"},
		// Profile columns as bangumi stores them: the sign HTML-escaped, returned as stored.
		{
			ID: 318250, Username: "treehole2", Nickname: "", GroupID: 5, RegTime: readT0,
			Sign: "o &lt;img src=&quot;#&quot; &gt;&lt;/img&gt;", Email: "treeholechan2@gmail.com",
			ACL: `a:1:{s:8:"user_ban";s:1:"1";}`, GroupPermissions: groupBanned,
		},
	}, UserGroups: map[uint16]string{10: groupNormal, 5: groupBanned}} // group 1 has no row
}

// Stored group permissions (usr_grp_perm), as bangumi writes them.
const (
	groupNormal = `a:2:{s:12:"subject_edit";s:1:"1";s:7:"ep_edit";s:1:"1";}`
	groupBanned = `{"user_ban":"1"}`
)

// TestUserRepository checks a ports.UserRepository.
func TestUserRepository(t *testing.T, newRepos NewRepos) {
	f := userFixture()
	r := newRepos(t, f).Users
	ctx := t.Context()

	t.Run("Get", func(t *testing.T) {
		for _, want := range f.Users {
			got, err := r.Get(ctx, want.ID)
			must(t, "Get", err)
			assertEqual(t, "Get", want, got)
		}
	})
	t.Run("Get/MissingIsNotFound", func(t *testing.T) {
		_, err := r.Get(ctx, 404)
		assertNotFound(t, "Get(404)", err)
	})
	t.Run("GetByUsername/CaseInsensitive", func(t *testing.T) {
		for _, name := range []string{"Sai", "sai", "SAI"} {
			got, err := r.GetByUsername(ctx, name)
			must(t, "GetByUsername("+name+")", err)
			assertEqual(t, "GetByUsername("+name+")", f.Users[1], got)
		}
		got, err := r.GetByUsername(ctx, "TreeHole2")
		must(t, "GetByUsername(TreeHole2)", err)
		assertEqual(t, "GetByUsername(TreeHole2)", f.Users[2], got)
	})
	// MySQL compares with the column's collation, utf8mb4_unicode_ci: case- and
	// accent-insensitive, trailing spaces ignored (PAD SPACE), leading ones and tabs not.
	t.Run("GetByUsername/CollationIgnoresAccentsAndTrailingSpaces", func(t *testing.T) {
		for _, name := range []string{"Sai ", "Saí", "SAÍ  ", "Sāï"} {
			got, err := r.GetByUsername(ctx, name)
			must(t, fmt.Sprintf("GetByUsername(%q)", name), err)
			assertEqual(t, fmt.Sprintf("GetByUsername(%q)", name), f.Users[1], got)
		}
		got, err := r.GetByUsername(ctx, "TREEHÒLE2 ")
		must(t, "GetByUsername(TREEHÒLE2 )", err)
		assertEqual(t, "GetByUsername(TREEHÒLE2 )", f.Users[2], got)
	})
	t.Run("GetByUsername/MissingIsNotFound", func(t *testing.T) {
		// The column is utf8 (3 bytes): an emoji or bytes that are not UTF-8 match nothing, and
		// are no error.
		for _, name := range []string{"nobody", "Sa", "treehole", "树洞", " Sai", "Sai\t", "Sai\n", "Sai x", "Sai🖖", "🖖", "Sai\xff", "\xe6\xa0"} {
			_, err := r.GetByUsername(ctx, name)
			assertNotFound(t, "GetByUsername("+name+")", err)
		}
	})
}

// tokenNow is the time the token suite looks tokens up at.
var tokenNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func tokenFixture() Fixture {
	scoped := `{"write:collection":true}`
	empty := ""
	return Fixture{Tokens: []FixtureToken{
		{Value: "Valid_Token_AbC", Expires: tokenNow.Add(time.Hour).Unix(), Token: auth.Token{UserID: "382951", Scope: &scoped}},
		{Value: "legacy_token", Expires: tokenNow.Add(time.Second).Unix(), Token: auth.Token{UserID: "1"}},
		{Value: "empty_scope", Expires: tokenNow.Add(time.Hour).Unix(), Token: auth.Token{UserID: "1", Scope: &empty}},
		{Value: "expires_now", Expires: tokenNow.Unix(), Token: auth.Token{UserID: "1"}},
		{Value: "expired_token", Expires: tokenNow.Add(-24 * time.Hour).Unix(), Token: auth.Token{UserID: "1"}},
		{Value: "no_user_token", Expires: tokenNow.Add(time.Hour).Unix(), Token: auth.Token{}}, // NULL user_id
		{Value: "zero_user", Expires: tokenNow.Add(time.Hour).Unix(), Token: auth.Token{UserID: "0"}},
	}}
}

// TestTokenRepository checks a ports.TokenRepository.
func TestTokenRepository(t *testing.T, newRepos NewRepos) {
	f := tokenFixture()
	r := newRepos(t, f).Tokens
	ctx := t.Context()

	t.Run("Find/Valid", func(t *testing.T) {
		for _, i := range []int{0, 1, 2, 5, 6} {
			ft := f.Tokens[i]
			got, err := r.Find(ctx, ft.Value, tokenNow)
			must(t, "Find("+ft.Value+")", err)
			assertEqual(t, "Find("+ft.Value+")", ft.Token, got)
		}
	})
	t.Run("Find/CaseSensitive", func(t *testing.T) {
		for _, v := range []string{"valid_token_abc", "VALID_TOKEN_ABC", "Valid_Token_Abc", "LEGACY_TOKEN"} {
			_, err := r.Find(ctx, v, tokenNow)
			assertNotFound(t, "Find("+v+")", err)
		}
	})
	t.Run("Find/ExpiredIsNotFound", func(t *testing.T) {
		for _, v := range []string{"expires_now", "expired_token"} {
			_, err := r.Find(ctx, v, tokenNow)
			assertNotFound(t, "Find("+v+")", err)
		}
		_, err := r.Find(ctx, "legacy_token", tokenNow.Add(time.Second))
		assertNotFound(t, "Find(legacy_token) at its expiry", err)
	})
	t.Run("Find/ComparesInstantsNotZones", func(t *testing.T) {
		tokyo := time.FixedZone("JST", 9*3600)
		if _, err := r.Find(ctx, "legacy_token", tokenNow.In(tokyo)); err != nil {
			t.Errorf("Find(legacy_token) one second before expiry, in +09:00: %v", err)
		}
		_, err := r.Find(ctx, "legacy_token", tokenNow.Add(time.Second).In(tokyo))
		assertNotFound(t, "Find(legacy_token) at expiry, in +09:00", err)
	})
	t.Run("Find/MissingIsNotFound", func(t *testing.T) {
		for _, v := range []string{"", "nope", "Valid_Token_AbC "} {
			_, err := r.Find(ctx, v, tokenNow)
			assertNotFound(t, "Find("+v+")", err)
		}
	})
}
