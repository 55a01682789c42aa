package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

const (
	uidBanned   = 900099
	tokenBanned = "index_banned_token"
)

// withBannedUser adds a member holding user_ban in its own acl, with a legacy token.
func withBannedUser(_ *Deps, st *inmem.Store) {
	st.PutUser(user.User{ID: uidBanned, Username: "banned", Nickname: "banned", GroupID: 10,
		RegTime: testNow.Add(-400 * 24 * time.Hour), ACL: `a:1:{s:8:"user_ban";s:1:"1";}`})
	st.PutToken(tokenBanned, testNow.Add(24*time.Hour), auth.Token{UserID: "900099"})
}

func jsonRequest(method, path, token, body string) request {
	h := map[string]string{"Content-Type": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return request{method: method, path: path, headers: h, body: body}
}

// TestIndexWrites_Errors checks the answers of the write routes in bangumi's order of checks,
// and chii's decisions (N9 403, N13 ban, N22 title length, 415 before 401).
func TestIndexWrites_Errors(t *testing.T) {
	api := newTestAPI(t, withBannedUser)
	long := strings.Repeat("目", 81)
	for _, tc := range []struct {
		name   string
		req    request
		status int
		desc   string
	}{
		{"GateBeforeLogin", request{method: "POST", path: "/v0/indices", body: `{}`}, 415, msgUnsupportedMediaType},
		{"GateLowerCaseCharset", request{method: "POST", path: "/v0/indices", body: `{}`,
			headers: map[string]string{"Content-Type": "application/json; charset=utf-8", "Authorization": "Bearer " + tokenOld}}, 415, msgUnsupportedMediaType},
		{"GateUpperCaseCharset", request{method: "POST", path: "/v0/indices/90010/subjects", body: `{"subject_id":"x"}`,
			headers: map[string]string{"Content-Type": "application/json; charset=UTF-8", "Authorization": "Bearer " + tokenOld}}, 400, msgJSONDecode},
		{"Anonymous", jsonRequest("POST", "/v0/indices", "", `{}`), 401, msgNeedLogin},
		{"CollectionScopeOnly", jsonRequest("POST", "/v0/indices", "parity_collection_token", `{}`), 403, msgInsufficientScope},
		{"CollectNeedsWriteCollection", jsonRequest("POST", "/v0/indices/90005/collect", tokenReadonly, ""), 403, msgInsufficientScope},
		{"EmptyBody", jsonRequest("POST", "/v0/indices", tokenOld, ""), 400, msgJSONDecode},
		{"UnknownKey", jsonRequest("POST", "/v0/indices", tokenOld, `{"foo":1}`), 400, msgJSONDecode},
		{"TitleNotString", jsonRequest("POST", "/v0/indices", tokenOld, `{"title":1}`), 400, msgJSONDecode},
		{"SortNegative", jsonRequest("POST", "/v0/indices/90010/subjects", tokenOld, `{"subject_id":8,"sort":-1}`), 400, msgJSONDecode},
		{"TitleTooLong", jsonRequest("POST", "/v0/indices", tokenOld, `{"title":"`+long+`"}`), 400, "title too long, only allow less equal than 80 characters"},
		{"EditTitleTooLong", jsonRequest("PUT", "/v0/indices/90010", tokenOld, `{"title":"`+long+`"}`), 400, "title too long, only allow less equal than 80 characters"},
		{"InvisibleTitle", jsonRequest("POST", "/v0/indices", tokenOld, `{"title":"a\u3000b"}`), 400, "invalid string"},
		{"BannedCreate", jsonRequest("POST", "/v0/indices", tokenBanned, `{"title":"x"}`), 403, "you are not allowed to do this"},
		{"BannedAfterBodyRules", jsonRequest("POST", "/v0/indices", tokenBanned, `{"title":"a\u0000"}`), 400, "invalid string"},
		{"BannedCollect", jsonRequest("POST", "/v0/indices/90005/collect", tokenBanned, ""), 403, "you are not allowed to do this"},
		{"BannedEdit", jsonRequest("PUT", "/v0/indices/90010", tokenBanned, `{"title":"x"}`), 403, "you are not allowed to do this"},
		{"EditDeleted", jsonRequest("PUT", "/v0/indices/90003", tokenOld, `{"title":"x"}`), 404, "index not found"},
		{"EditPrivateOfOther", jsonRequest("PUT", "/v0/indices/90002", tokenTreehole, `{"title":"x"}`), 403, "you are not the creator of this index"},
		{"AddBadIndexID", jsonRequest("POST", "/v0/indices/abc/subjects", tokenOld, `{"subject_id":8}`), 400, `"abc" is not valid ID`},
		{"AddCommentBeforeIndexID", jsonRequest("POST", "/v0/indices/abc/subjects", tokenOld, `{"subject_id":8,"comment":"\u0001"}`), 400, "invalid string"},
		{"AddNotOwnerBeforeSubject", jsonRequest("POST", "/v0/indices/90011/subjects", tokenTreehole, `{"subject_id":999999}`), 403, "you are not the creator of this index"},
		{"PutSubjectIDBeforeComment", jsonRequest("PUT", "/v0/indices/90009/subjects/0", tokenOld, `{"comment":"\u0001"}`), 400, `"0" is not valid ID`},
		{"DeleteOwnerBeforeSubjectID", request{method: "DELETE", path: "/v0/indices/90011/subjects/abc",
			headers: map[string]string{"Authorization": "Bearer " + tokenTreehole}}, 403, "you are not the creator of this index"},
		{"DeleteMissingIndex", request{method: "DELETE", path: "/v0/indices/999999/subjects/8",
			headers: map[string]string{"Authorization": "Bearer " + tokenOld}}, 404, "index not found"},
		{"CollectPrivateOfOther", jsonRequest("POST", "/v0/indices/90002/collect", tokenTreehole, ""), 404, "index not found"},
		{"CollectDeleted", jsonRequest("POST", "/v0/indices/90003/collect", tokenOld, ""), 404, "index not found"},
		{"UncollectNotCollected", jsonRequest("DELETE", "/v0/indices/90001/collect", tokenOld, ""), 404, "index not collected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := api.do(t, tc.req)
			var got ErrorDetail
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("%d %s: %v", w.Code, w.Body, err)
			}
			if diff := cmp.Diff([]any{tc.status, tc.desc}, []any{w.Code, got.Description}); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s\nbody: %s", diff, w.Body)
			}
		})
	}
}

// TestIndexWrites_Flow creates an index, edits it, lists, relists and removes subjects,
// collects it twice and uncollects it, reading the answers and the counters after each step.
func TestIndexWrites_Flow(t *testing.T) {
	api := newTestAPI(t)
	w := api.do(t, jsonRequest("POST", "/v0/indices", tokenOld, `{"title":"","description":"d"} trailing bytes are ignored`))
	if w.Code != http.StatusOK {
		t.Fatalf("POST /v0/indices = %d %s", w.Code, w.Body)
	}
	var created Index
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	want := Index{
		CreatedAt: testNow.UTC().Format(time.RFC3339Nano), UpdatedAt: testNow.UTC().Format(time.RFC3339Nano),
		Creator: IndexCreator{Username: "382951", Nickname: "树洞酱"}, Title: "", Desc: "d", ID: created.ID,
	}
	if diff := cmp.Diff(want, created); diff != "" || created.ID <= 90020 {
		t.Errorf("created (id %d) mismatch (-want +got):\n%s", created.ID, diff)
	}
	path := "/v0/indices/" + itoa(int(created.ID))
	step := func(req request, status int) string {
		t.Helper()
		w := api.do(t, req)
		if w.Code != status {
			t.Fatalf("%s %s = %d %s, want %d", req.method, req.path, w.Code, w.Body, status)
		}
		return w.Body.String()
	}
	read := func(who string) Index {
		t.Helper()
		var i Index
		if err := json.Unmarshal([]byte(step(request{path: path, headers: map[string]string{"Authorization": "Bearer " + who}}, 200)), &i); err != nil {
			t.Fatal(err)
		}
		return i
	}
	if body := step(jsonRequest("PUT", path, tokenOld, `{"title":"t"}`), 200); body != "" {
		t.Errorf("PUT body %q, want none", body)
	}
	step(jsonRequest("POST", path+"/subjects", tokenOld, `{"subject_id":12,"sort":2,"comment":"c"}`), 200)
	step(jsonRequest("PUT", path+"/subjects/8", tokenOld, `{"sort":1}`), 200)
	body := step(jsonRequest("POST", path+"/subjects", tokenOld, `{"subject_id":12,"sort":0,"comment":"again"}`), 200)
	if !strings.Contains(body, `"comment":"again"`) || !strings.Contains(body, `"date":null`) {
		t.Errorf("relist answer %s", body)
	}
	got := read(tokenOld)
	if got.Title != "t" || got.Desc != "d" || got.Total != 2 || got.NSFW {
		t.Errorf("after the edits: %+v, want title t, desc d, total 2", got)
	}
	// N8: the index is NSFW as soon as it lists an NSFW subject, for every reader
	step(jsonRequest("POST", path+"/subjects", tokenOld, `{"subject_id":363612}`), 200)
	step(request{path: path}, 404)
	step(request{path: path + "/subjects"}, 404)
	if got := read(tokenOld); !got.NSFW || got.Total != 3 {
		t.Errorf("after listing an NSFW subject: %+v, want nsfw, total 3", got)
	}
	step(request{method: "DELETE", path: path + "/subjects/363612", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}, 200)
	step(request{method: "DELETE", path: path + "/subjects/363612", headers: map[string]string{"Authorization": "Bearer " + tokenOld}}, 200)
	step(request{path: path}, 200)
	// collects: idempotent, counted by user (N16)
	for range 2 {
		step(jsonRequest("POST", path+"/collect", tokenTreehole, ""), 200)
		step(jsonRequest("POST", path+"/collect", tokenYoung, ""), 200)
	}
	if got := read(tokenOld); got.Stat.Collects != 2 || got.Total != 2 {
		t.Errorf("after collecting: %+v, want 2 collects, total 2", got)
	}
	step(jsonRequest("DELETE", path+"/collect", tokenTreehole, ""), 200)
	step(jsonRequest("DELETE", path+"/collect", tokenTreehole, ""), 404)
	if got := read(tokenOld); got.Stat.Collects != 1 {
		t.Errorf("after uncollecting: %d collects, want 1", got.Stat.Collects)
	}
	var collectors []uint32
	err := api.store.UnitOfWork().Do(context.Background(), func(ctx context.Context, tx ports.Tx) (err error) {
		collectors, err = tx.Indices().Collectors(ctx, created.ID)
		return err
	})
	if err != nil || !cmp.Equal(collectors, []uint32{uidYoung}) {
		t.Errorf("collect rows: %v %v, want only user %d", collectors, err, uidYoung)
	}
	if _, err := api.store.Indices().Get(context.Background(), created.ID); err != nil {
		t.Fatal(err)
	}
}

// FuzzIndexWriteBody sends arbitrary bodies to the index writes with a body, as the index's
// creator: every answer is a 200 or bangumi's 4xx body (never a 500 or a panic), and matches
// /openapi.json.
func FuzzIndexWriteBody(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{bad`, `}`, `]`, `null`, `[]`, `{"foo":1}`, `{"title":1}`, `{"subject_id":"8"}`, `{"sort":-1}`,
		`{"sort":4294967296}`, `{"subject_id":8,"comment":"a\u0000"}`, `{"title":"` + strings.Repeat("x", 81) + `"}`,
		`{"title":"t","description":"\ud800"}`, `{"subject_id":363612,"sort":1}`, `{"title":"a"} trailing`,
		`{"subject_id":0}`, `{"description":"d"}{"title":"second value"}`, `{"Title":"case"}`,
	} {
		for route := range uint8(4) {
			f.Add(route, s)
		}
	}
	api := newTestAPI(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		paths := [][2]string{
			{"POST", "/v0/indices"}, {"PUT", "/v0/indices/90010"},
			{"POST", "/v0/indices/90010/subjects"}, {"PUT", "/v0/indices/90010/subjects/8"},
		}
		p := paths[int(route)%len(paths)]
		w := api.do(t, jsonRequest(p[0], p[1], tokenOld, body))
		if w.Code >= 500 || (w.Code != 200 && w.Code/100 != 4) {
			t.Fatalf("%s %s %q = %d: %s", p[0], p[1], body, w.Code, w.Body.String())
		}
	})
}
