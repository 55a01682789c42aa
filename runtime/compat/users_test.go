package compat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUserRoutes_OddUsernames sends the usernames that reach MySQL's comparison with the
// utf8 (3-byte) username column in unusual forms — a 4-byte character, bytes that are not
// UTF-8, NUL, quotes, a 31-byte name — and the accent- and case-folded spellings of a stored
// name: never a 500, and bangumi's exact 404 text (FuzzUserParams covers the rest on the
// in-memory adapter).
func TestUserRoutes_OddUsernames(t *testing.T) {
	t.Parallel()
	api := startAPI(t, apiOptions{noCache: true})
	for _, name := range []string{"🖖", "a🖖b", "\xff", "\xe6\xa0", "a\x00b", `a'b"c\`, strings.Repeat("a", 31), "树洞", "%", "_", "382951%"} {
		for _, path := range []string{"/v0/users/" + url.PathEscape(name), "/v0/users/" + url.PathEscape(name) + "/avatar?type=large"} {
			resp := get(t, api.URL, path)
			var body struct{ Description string }
			_ = json.Unmarshal(resp.Body, &body)
			if want := fmt.Sprintf("can't find user with username %q", name); resp.Status != http.StatusNotFound || body.Description != want {
				t.Errorf("GET %s = %d %q, want 404 %q", path, resp.Status, body.Description, want)
			}
		}
	}
	for _, name := range []string{"TREEHOLE2", "treehole2 ", "trëehole2"} {
		resp := get(t, api.URL, "/v0/users/"+url.PathEscape(name))
		if resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"username":"treehole2"`) {
			t.Errorf("GET /v0/users/%s = %d %.200s, want treehole2's profile", name, resp.Status, resp.Body)
		}
	}
}
