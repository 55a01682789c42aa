package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/domain/user"
)

// The bodies are compared as bytes: bangumi's key order (http-v0-more.md §3.1, §3.2) is part of
// the contract, which the golden comparison (by value) does not see.
func TestGetUser_Body(t *testing.T) {
	api := newTestAPI(t)
	want := `{"avatar":{"large":"https://lain.bgm.tv/pic/user/l/icon.jpg",` +
		`"medium":"https://lain.bgm.tv/r/200/pic/user/l/icon.jpg","small":"https://lain.bgm.tv/r/100/pic/user/l/icon.jpg"},` +
		`"sign":"o <img src=\"#\" ></img>","url":"https://bgm.tv/user/treehole2","username":"treehole2",` +
		`"nickname":"树洞2","id":318250,"user_group":10}` + "\n"
	// The username matches case-insensitively and ignoring trailing spaces; the answer spells
	// it as stored.
	for _, p := range []string{"/v0/users/treehole2", "/v0/users/TreeHole2", "/v0/users/treehole2%20"} {
		w := api.get(t, p)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", p, w.Code, w.Body)
		}
		if diff := cmp.Diff(want, w.Body.String()); diff != "" {
			t.Errorf("GET %s body mismatch (-want +got):\n%s", p, diff)
		}
		if cc := w.Header().Get("Cache-Control"); cc != "" {
			t.Errorf("GET %s Cache-Control = %q, want none", p, cc)
		}
	}
}

func TestGetMe_Body(t *testing.T) {
	api := newTestAPI(t)
	w := api.get(t, "/v0/me", bearer(tokenReadonly)...) // no route scope: any token of the user
	want := `{"avatar":{"large":"https://lain.bgm.tv/pic/user/l/000/38/29/382951.jpg?r=1571167246",` +
		`"medium":"https://lain.bgm.tv/r/200/pic/user/l/000/38/29/382951.jpg?r=1571167246",` +
		`"small":"https://lain.bgm.tv/r/100/pic/user/l/000/38/29/382951.jpg?r=1571167246"},` +
		`"sign":"treeholechan@gmail.com 密码:lovemeplease","url":"https://bgm.tv/user/382951","username":"382951",` +
		`"nickname":"树洞酱","id":382951,"user_group":10,"reg_time":"2017-12-03T00:51:16Z",` +
		`"email":"treeholechan@gmail.com","time_offset":8}` + "\n"
	if w.Code != http.StatusOK {
		t.Fatalf("GET /v0/me = %d %s", w.Code, w.Body)
	}
	if diff := cmp.Diff(want, w.Body.String()); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "" {
		t.Errorf("Cache-Control = %q, want none", cc)
	}
}

// /v0/me is per viewer: with the response cache, two users never see each other's answer.
func TestGetMe_PerViewer(t *testing.T) {
	api := newTestAPI(t, withResponses(NewResponseCache(ResponseCacheOptions{})))
	for _, tc := range []struct {
		token string
		id    float64
	}{{tokenOld, uidOld}, {tokenTreehole, uidTreehole}, {tokenOld, uidOld}} {
		w := api.get(t, "/v0/me", bearer(tc.token)...)
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["id"] != tc.id {
			t.Errorf("GET /v0/me as %s = %d %s, want user %v", tc.token, w.Code, w.Body, tc.id)
		}
	}
	w := api.get(t, "/v0/me")
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"description":"need Login"`) {
		t.Errorf("anonymous GET /v0/me = %d %s, want 401 need Login", w.Code, w.Body)
	}
}

func TestGetUserAvatar(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct{ path, location string }{
		{"/v0/users/382951/avatar?type=large", "https://lain.bgm.tv/pic/user/l/000/38/29/382951.jpg?r=1571167246"},
		{"/v0/users/382951/avatar?type=medium", "https://lain.bgm.tv/r/200/pic/user/l/000/38/29/382951.jpg?r=1571167246"},
		{"/v0/users/382951/avatar?type=small", "https://lain.bgm.tv/r/100/pic/user/l/000/38/29/382951.jpg?r=1571167246"},
		{"/v0/users/TREEHOLE2/avatar?type=small", "https://lain.bgm.tv/r/100/pic/user/l/icon.jpg"},
	} {
		w := api.get(t, tc.path)
		if w.Code != http.StatusFound || w.Header().Get("Location") != tc.location || w.Body.Len() != 0 ||
			w.Header().Get("Cache-Control") != "" || w.Header().Get("ETag") != "" {
			t.Errorf("GET %s = %d Location %q Cache-Control %q ETag %q body %q; want 302 to %s, no Cache-Control, no ETag, no body",
				tc.path, w.Code, w.Header().Get("Location"), w.Header().Get("Cache-Control"), w.Header().Get("ETag"), w.Body, tc.location)
		}
	}
}

func TestUserRoutes_Errors(t *testing.T) {
	api := newTestAPI(t)
	long32 := strings.Repeat("a", 32)
	for _, tc := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/v0/users/" + long32, http.StatusBadRequest, "username is too long"},
		{"/v0/users/" + long32 + "/avatar?type=bad", http.StatusBadRequest, "username is too long"}, // before the type
		{"/v0/users/" + strings.Repeat("树", 11), http.StatusBadRequest, "username is too long"},     // 33 bytes
		{"/v0/users/" + strings.Repeat("a", 31), http.StatusNotFound, `can't find user with username "` + strings.Repeat("a", 31) + `"`},
		{"/v0/users/-", http.StatusNotFound, `can't find user with username "-"`}, // an ordinary name here
		{"/v0/users/a%22b%5Cc", http.StatusNotFound, `can't find user with username "a\"b\\c"`},
		{"/v0/users/a%20b", http.StatusNotFound, `can't find user with username "a b"`},
		{"/v0/users/nobody/avatar?type=bad", http.StatusNotFound, `can't find user with username "nobody"`}, // before the type
		{"/v0/users/382951/avatar", http.StatusBadRequest, "bad avatar type: "},
		{"/v0/users/382951/avatar?type=Large", http.StatusBadRequest, "bad avatar type: Large"},
		{"/v0/users/382951/avatar?type=grid", http.StatusBadRequest, "bad avatar type: grid"},
		{"/v0/users/382951/avatar?type=%20large", http.StatusBadRequest, "bad avatar type:  large"},
		{"/v0/me", http.StatusUnauthorized, "need Login"},
	} {
		w := api.get(t, tc.path)
		p, q, _ := strings.Cut(tc.path, "?")
		want := errorLike(tc.status, tc.msg, unescapePath(t, p), http.MethodGet, q)
		var got ErrorDetail
		if err := decodeStrict(w.Body.Bytes(), &got); err != nil || w.Code != tc.status {
			t.Errorf("GET %s = %d %s (%v), want %d", tc.path, w.Code, w.Body, err, tc.status)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GET %s mismatch (-want +got):\n%s", tc.path, diff)
		}
	}
}

// FuzzUserParams sends any username and avatar type to the profile and avatar routes: the
// answer is never a 500 (or a panic), and each 400 and 404 carries bangumi's exact text.
func FuzzUserParams(f *testing.F) {
	for _, s := range [][2]string{
		{"382951", "large"}, {"treehole2", "small"}, {"TreeHole2 ", "medium"}, {"-", ""}, {"382951", "Large"},
		{strings.Repeat("b", 40), "large"}, {strings.Repeat("a", 31), "x"}, {"a\"b\\c", "grid"}, {"树洞", "\x00"},
		{"\xff\xfe", "\xff"}, {"..", "large"}, {"a/b", "small"}, {"%2F", "%"}, {" ", " "},
	} {
		f.Add(s[0], s[1])
	}
	api := newTestAPI(f)
	f.Fuzz(func(t *testing.T, username, typ string) {
		if username == "" || username == "." || username == ".." {
			return // not this route: the router answers another path
		}
		escaped := url.PathEscape(username)
		for _, path := range []string{"/v0/users/" + escaped, "/v0/users/" + escaped + "/avatar?type=" + url.QueryEscape(typ)} {
			w := api.get(t, path)
			avatar := strings.Contains(path, "/avatar?")
			var body ErrorDetail
			if w.Code != http.StatusOK && w.Code != http.StatusFound {
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatalf("GET %s = %d with a body that is not an error: %s", path, w.Code, w.Body)
				}
			}
			tooLong := user.UsernameTooLong(username)
			switch w.Code {
			case http.StatusOK:
				if avatar || tooLong {
					t.Fatalf("GET %s = 200", path)
				}
			case http.StatusFound:
				_, ok := user.AvatarOf("").Select(typ)
				if !avatar || tooLong || !ok || !strings.HasPrefix(w.Header().Get("Location"), "https://lain.bgm.tv/") {
					t.Fatalf("GET %s = 302 to %q", path, w.Header().Get("Location"))
				}
			case http.StatusBadRequest:
				switch {
				case tooLong:
					if body.Description != "username is too long" {
						t.Fatalf("GET %s: 400 %q, want username is too long", path, body.Description)
					}
				case avatar && utf8.ValidString(typ):
					if body.Description != "bad avatar type: "+typ {
						t.Fatalf("GET %s: 400 %q, want bad avatar type: %s", path, body.Description, typ)
					}
				case avatar:
					if !strings.HasPrefix(body.Description, "bad avatar type: ") {
						t.Fatalf("GET %s: 400 %q", path, body.Description)
					}
				default:
					t.Fatalf("GET %s = 400 %q", path, body.Description)
				}
			case http.StatusNotFound:
				if want := fmt.Sprintf("can't find user with username %q", username); tooLong || body.Description != want {
					t.Fatalf("GET %s: 404 %q, want %q", path, body.Description, want)
				}
			default:
				t.Fatalf("GET %s = %d %s", path, w.Code, w.Body)
			}
		}
	})
}
