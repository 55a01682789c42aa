package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCollectionWrites_Errors checks the subject and episode collection writes' answers in
// bangumi's order of checks (§5.2, §6.1, §6.2), both JSON Error shapes (§0.2), the gate before
// the guards, and chii's decisions (N13 ban, N4 tag length).
func TestCollectionWrites_Errors(t *testing.T) {
	api := newTestAPI(t, withBannedUser)
	for _, tc := range []struct {
		name    string
		req     request
		status  int
		title   string
		desc    string
		details bool // the second JSON Error shape carries details
	}{
		{"GateBeforeLogin", request{method: "POST", path: "/v0/users/-/collections/8", body: `{}`}, 415, "Unsupported Media Type", msgUnsupportedMediaType, false},
		{"Anonymous", jsonRequest("PATCH", "/v0/users/-/collections/8", "", `{}`), 401, "Unauthorized", msgNeedLogin, true},
		{"IndicesScopeOnly", jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17244", tokenReadonly, `{"type":2}`), 403, "Forbidden", msgInsufficientScope, true},
		{"IDBeforeBody", jsonRequest("POST", "/v0/users/-/collections/abc", tokenOld, `{bad`), 400, "Bad Request", `"abc" is not valid ID`, true},
		{"UnknownKey", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"foo":1}`), 400, titleJSONError, msgJSONDecode, true},
		{"EmptyBody", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, ""), 400, titleJSONError, msgJSONDecode, true},
		{"RateNotUint8", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"rate":300}`), 400, titleJSONError,
			"Unmarshal type error: expected=uint8, got=number 300, field=, offset=3", false},
		{"RateString", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"rate":"5"}`), 400, titleJSONError,
			"Unmarshal type error: expected=uint8, got=string, field=, offset=3", false},
		{"PrivateString", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"private":"yes"}`), 400, titleJSONError,
			"Unmarshal type error: expected=bool, got=string, field=, offset=5", false},
		{"TypeZero", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"type":0}`), 400, titleJSONError,
			"Unmarshal type error: expected=collection.SubjectCollection, got=0, field=, offset=0", false},
		{"TagsNotList", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"tags":"a"}`), 400, titleJSONError, msgJSONDecode, true},
		{"RateOverflowFirst", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"rate":11,"tags":["a"],"comment":"\u200b"}`), 400, "Bad Request", "rate overflow", true},
		{"TagsBeforeComment", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"tags":["a"],"comment":"\u200b"}`), 400, "Bad Request", "tag 最短为两个字", true},
		{"LongTag", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"tags":["`+strings.Repeat("长", 31)+`"]}`), 400, "Bad Request",
			"tag too long, only allow less equal than 30 characters: \"" + strings.Repeat("长", 31) + "\"", true},
		{"Invisible", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"comment":"a\u00a0b"}`), 400, "Bad Request", "invisible character are included in comment", true},
		{"BannedAfterBodyRules", jsonRequest("POST", "/v0/users/-/collections/8", tokenBanned, `{"rate":11}`), 400, "Bad Request", "rate overflow", true},
		{"Banned", jsonRequest("POST", "/v0/users/-/collections/8", tokenBanned, `{"rate":1}`), 403, "Forbidden", "you are not allowed to do this", true},
		{"BannedMarks", jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17244", tokenBanned, `{"type":2}`), 403, "Forbidden", "you are not allowed to do this", true},
		{"MissingSubject", jsonRequest("POST", "/v0/users/-/collections/404404", tokenOld, `{}`), 404, "Not Found", "subject not found", true},
		{"NSFWForYoung", jsonRequest("POST", "/v0/users/-/collections/363612", tokenYoung, `{}`), 404, "Not Found", "subject not found", true},
		{"Merged", jsonRequest("POST", "/v0/users/-/collections/3", tokenOld, `{}`), 404, "Not Found", "subject locked or merged", true},
		{"ProgressOfNonBook", jsonRequest("POST", "/v0/users/-/collections/8", tokenOld, `{"ep_status":1}`), 400, "Bad Request",
			"can't set 'vol_status' or 'ep_status' on non-book subject", true},
		{"PatchNotCollected", jsonRequest("PATCH", "/v0/users/-/collections/2703", tokenTreehole, `{}`), 404, "Not Found", "subject not collected", true},
		{"MarksBodyBeforeID", jsonRequest("PATCH", "/v0/users/-/collections/abc/episodes", tokenOld, `{"type":2}`), 400, "Bad Request", "episode_id is required", true},
		{"MarksTypeOutOfRange", jsonRequest("PATCH", "/v0/users/-/collections/2703/episodes", tokenOld, `{"episode_id":[17244],"type":4}`), 400, titleJSONError,
			"Unmarshal type error: expected=collection.EpisodeCollection, got=null, field=, offset=0", false},
		{"MarksTypeNull", jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17244", tokenOld, `{"type":null}`), 400, titleJSONError,
			"Unmarshal type error: expected=collection.EpisodeCollection, got=null, field=, offset=0", false},
		{"MarksOtherSubjectsEpisode", jsonRequest("PATCH", "/v0/users/-/collections/2703/episodes", tokenOld, `{"episode_id":[17244,522],"type":2}`), 400, "Bad Request",
			"invalid input: episode 522 is not episodes of subject 2703", true},
		{"MarksMissingSubject", jsonRequest("PATCH", "/v0/users/-/collections/404404/episodes", tokenOld, `{"episode_id":[1],"type":2}`), 404, "Not Found",
			"resource can't be found in the database or has been removed", true},
		{"MarkNotCollected", jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17244", tokenTreehole, `{"type":2}`), 400, "Bad Request",
			"you need to add subject to your collection first", true},
		{"MarkBannedEpisode", jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17240", tokenOld, `{"type":2}`), 404, "Not Found",
			"resource can't be found in the database or has been removed", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := api.do(t, tc.req)
			var got ErrorDetail
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("%d %s: %v", w.Code, w.Body, err)
			}
			if diff := cmp.Diff([]any{tc.status, tc.title, tc.desc, tc.details}, []any{w.Code, got.Title, got.Description, got.Details != nil}); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s\nbody: %s", diff, w.Body)
			}
		})
	}
}

// TestCollectionWrites_Flow collects a subject, edits it and marks its episodes, reading the
// answers a client reads after each step.
func TestCollectionWrites_Flow(t *testing.T) {
	api := newTestAPI(t)
	step := func(req request, status int) {
		t.Helper()
		if w := api.do(t, req); w.Code != status {
			t.Fatalf("%s %s = %d %s, want %d", req.method, req.path, w.Code, w.Body, status)
		}
	}
	read := func(path string) map[string]any {
		t.Helper()
		w := api.get(t, path, bearer(tokenOld)...)
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("GET %s = %d %s", path, w.Code, w.Body)
		}
		return v
	}
	step(jsonRequest("POST", "/v0/users/-/collections/2703", tokenOld, `{"type":2,"rate":8,"comment":" a & <b> ","tags":["犯罪","ＴＶ","TV"],"private":true}`), http.StatusNoContent)
	got := read("/v0/users/382951/collections/2703")
	want := map[string]any{"type": 2.0, "rate": 8.0, "comment": "a & <b>", "private": true, "tags": []any{"TV", "犯罪"}}
	for k, v := range want {
		if !cmp.Equal(v, got[k]) {
			t.Errorf("after POST: %s = %v, want %v", k, got[k], v)
		}
	}
	step(jsonRequest("PATCH", "/v0/users/-/collections/2703/episodes", tokenOld, `{"episode_id":[17245,17244],"type":2}`), http.StatusNoContent)
	step(jsonRequest("PUT", "/v0/users/-/collections/-/episodes/17245", tokenOld, `{"type":3}`), http.StatusNoContent) // N1: a change is stored
	marks := read("/v0/users/-/collections/2703/episodes?limit=2")["data"].([]any)
	for i, want := range []float64{2, 3} {
		if st := marks[i].(map[string]any)["type"]; st != want {
			t.Errorf("mark %d = %v, want %v", i, st, want)
		}
	}
	if ep := read("/v0/users/382951/collections/2703")["ep_status"]; ep != 3.0 {
		t.Errorf("ep_status = %v, want 3: the number of marks, the stored wish on 17250 included (N12)", ep)
	}
	step(jsonRequest("PATCH", "/v0/users/-/collections/2703", tokenOld, `{"tags":[],"type":1,"rate":9}`), http.StatusNoContent)
	got = read("/v0/users/382951/collections/2703")
	if got["type"] != 1.0 || got["rate"] != 0.0 || len(got["tags"].([]any)) != 0 {
		t.Errorf("after PATCH to wish with a rate and no tags: type %v rate %v tags %v, want 1, 0, []", got["type"], got["rate"], got["tags"])
	}
}
