package auth_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/auth"
)

func TestParsePermissions(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want map[string]bool
	}{
		{"", map[string]bool{}},
		{`a:3:{s:8:"user_ban";s:1:"1";s:7:"ep_edit";s:1:"0";s:6:"report";i:1;}`, map[string]bool{"user_ban": true}},
		{`{"user_ban":"1","ep_edit":"0","report":1,"x":true}`, map[string]bool{"user_ban": true}},
		{`a:0:{}`, map[string]bool{}},
	} {
		got, err := auth.ParsePermissions(tc.raw)
		if err != nil {
			t.Errorf("ParsePermissions(%q): %v", tc.raw, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParsePermissions(%q) mismatch (-want +got):\n%s", tc.raw, diff)
		}
	}
	for _, raw := range []string{`a:1:{`, `{"user_ban":`, `[1]`, `a:`, `s:1:"1";`} {
		if _, err := auth.ParsePermissions(raw); !errors.Is(err, auth.ErrPermissions) {
			t.Errorf("ParsePermissions(%q): error %v, want ErrPermissions", raw, err)
		}
	}
}

func TestBanned(t *testing.T) {
	ban := map[string]bool{auth.PermUserBan: true}
	for _, tc := range []struct {
		group, acl map[string]bool
		want       bool
	}{{nil, nil, false}, {ban, nil, true}, {nil, ban, true}, {map[string]bool{"report": true}, map[string]bool{"report": true}, false}} {
		if got := auth.Banned(tc.group, tc.acl); got != tc.want {
			t.Errorf("Banned(%v, %v) = %v, want %v (user_ban is OR-ed)", tc.group, tc.acl, got, tc.want)
		}
	}
}
