package httpapi

import (
	"bytes"
	"compress/flate"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/user"
)

// deflate stores php the way bangumi's chii_rev_text does: raw DEFLATE.
func deflate(php string) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	_, _ = w.Write([]byte(php))
	_ = w.Close()
	return b.Bytes()
}

// revEditor is the member who made most revisions of the fixture (nickname raw: no escaping).
const revEditor = 4242

const (
	// episodeText is text 74717 of the dev dataset: two revisions, the second with PHP numbers.
	episodeText = `a:2:{i:122788;a:7:{s:7:"ep_sort";s:1:"1";s:7:"ep_type";s:1:"0";s:7:"ep_name";s:3:"魔";s:10:"ep_name_cn";s:3:"魔";s:11:"ep_duration";s:3:"24m";s:10:"ep_airdate";s:10:"2008-04-06";s:7:"ep_desc";s:0:"";}` +
		`i:1439146;a:7:{s:7:"ep_sort";d:1;s:7:"ep_type";i:0;s:7:"ep_name";s:3:"魔";s:10:"ep_name_cn";s:3:"魔";s:11:"ep_duration";s:3:"24m";s:10:"ep_airdate";s:10:"2008-04-06";s:7:"ep_desc";s:4:"a` + "\r\n" + `b";}}`
	// characterText holds its revisions out of numeric order, one without data.
	characterText = `a:3:{i:10;a:4:{s:8:"crt_name";s:1:"B";s:11:"crt_infobox";s:2:"{}";s:11:"crt_summary";s:1:"s";s:5:"extra";a:1:{s:3:"img";s:5:"b.jpg";}}` +
		`i:2;a:3:{s:8:"crt_name";s:1:"A";s:11:"crt_infobox";s:0:"";s:5:"extra";s:0:"";}i:1198747;N;}`
	personText = `a:1:{i:8;a:5:{s:9:"prsn_name";s:1:"P";s:12:"prsn_infobox";s:0:"";s:12:"prsn_summary";s:1:"S";` +
		`s:10:"profession";a:2:{s:6:"writer";s:1:"1";s:5:"seiyu";s:1:"1";}s:5:"extra";a:1:{s:3:"img";s:5:"p.jpg";}}}`
)

// seedRevisions adds the revisions the golden replay asks for (subject 8's fourteen, character
// 1's thirty-seven, the merges) and those of the tests below.
func seedRevisions(st *inmem.Store) {
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	st.PutUser(user.User{ID: revEditor, Username: "wiki_editor", Nickname: "Editor & <7>", RegTime: at(1286307038)})
	st.PutRevisionText(1, deflate(characterText))
	st.PutRevisionText(3, deflate(personText))
	st.PutRevisionText(74717, deflate(episodeText))
	st.PutRevisionText(70863, deflate(`a:1:{i:114512;a:0:{}}`))
	st.PutRevisionText(564190, deflate(`a:1:{i:1142797;a:0:{}}`))
	st.PutRevisionText(666, []byte("not deflate at all"))
	st.PutRevisionText(667, deflate(`a:1:{i:2;a:1:{s:8:"crt_name";i:5;}}`)) // a number where a string belongs
	for i := range uint32(35) {
		st.PutRevision(1, revision.Revision{ID: 100 + i, Type: 2, EntityID: 1, CreatedAt: at(1300000000 + int64(i))})
	}
	st.PutRevision(1, revision.Revision{ID: 1, Type: 2, EntityID: 1, CreatorID: revEditor, CreatedAt: at(1286307038)})
	st.PutRevision(1, revision.Revision{ID: 1198747, Type: 2, EntityID: 1, CreatorID: 422132, CreatedAt: at(1603420176), Summary: "恢复版本"})
	st.PutRevision(3, revision.Revision{ID: 8, Type: 3, EntityID: 1, CreatorID: revEditor, CreatedAt: at(1296155280), Summary: "新条目"})
	st.PutRevision(70863, revision.Revision{ID: 114512, Type: 13, EntityID: 9, CreatorID: 8520, CreatedAt: at(1367820938), Summary: "与 ID:19875 合体"})
	st.PutRevision(564190, revision.Revision{ID: 1142797, Type: 15, EntityID: 18, CreatorID: 2331, CreatedAt: at(1595062875), Summary: "与 ID:17435 合体"})
	st.PutRevision(74717,
		revision.Revision{ID: 122788, Type: 18, EntityID: 522, CreatedAt: at(1370353738), Summary: "章节初始化"},
		revision.Revision{ID: 1439146, Type: 18, EntityID: 522, CreatorID: 409467, CreatedAt: at(1646354994), Summary: "章节修改"})
	st.PutRevision(666, revision.Revision{ID: 900666, Type: 2, EntityID: 2, CreatedAt: at(1600000000)})
	st.PutRevision(667, revision.Revision{ID: 900667, Type: 2, EntityID: 2, CreatedAt: at(1600000001)})
	for i := range uint32(13) {
		st.PutSubjectRevision(revision.Revision{ID: 200 + i, Type: 1, EntityID: 8, CreatedAt: at(1254000000 + int64(i)),
			Subject: revision.SubjectData{SubjectID: 8, Type: 1}})
	}
	st.PutSubjectRevision(revision.Revision{ID: 3574, Type: 1, EntityID: 8, CreatorID: revEditor, CreatedAt: at(1254432566), Summary: "内容扩充",
		Subject: revision.SubjectData{
			Name: "コードギアス &amp; R2", NameCN: "叛逆的鲁路修 R2", Infobox: "{{Infobox\r\n}}", Summary: "s",
			Platform: 1, TypeID: 2, SubjectID: 8, Eps: 25, Type: 1,
		}})
}

// TestRevisions_Bodies compares whole answers: keys, values and (for the data maps) the
// numeric key order of N17.
func TestRevisions_Bodies(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct{ path, want string }{
		{"/v0/revisions/episodes/122788", `{"created_at":"2013-06-04T13:48:58Z","data":{` +
			`"122788":{"airdate":"2008-04-06","desc":"","duration":"24m","name":"魔","name_cn":"魔","sort":"1","type":"0"},` +
			`"1439146":{"airdate":"2008-04-06","desc":"a\r\nb","duration":"24m","name":"魔","name_cn":"魔","sort":"1","type":"0"}},` +
			`"creator":{"username":"","nickname":""},"summary":"章节初始化","id":122788,"type":18}`},
		{"/v0/revisions/characters/1198747", `{"created_at":"2020-10-23T02:29:36Z","data":{` +
			`"2":{"name":"A","infobox":"","summary":"","extra":{}},` +
			`"10":{"name":"B","infobox":"{}","summary":"","extra":{"img":"b.jpg"}},` +
			`"1198747":{"name":"","infobox":"","summary":"","extra":{}}},` +
			`"creator":{"username":"","nickname":""},"summary":"恢复版本","id":1198747,"type":2}`},
		{"/v0/revisions/characters/900667", `{"created_at":"2020-09-13T12:26:41Z",` +
			`"creator":{"username":"","nickname":""},"summary":"","id":900667,"type":2}`},
		{"/v0/revisions/persons/8", `{"created_at":"2011-01-27T19:08:00Z","data":{"8":{"prsn_infobox":"","prsn_summary":"S",` +
			`"profession":{"writer":"1","seiyu":"1"},"extra":{"img":"p.jpg"},"prsn_name":"P"}},` +
			`"creator":{"username":"wiki_editor","nickname":"Editor & <7>"},"summary":"新条目","id":8,"type":3}`},
		{"/v0/revisions/subjects/3574", `{"created_at":"2009-10-01T21:29:26Z","data":{"name":"コードギアス &amp; R2",` +
			`"name_cn":"叛逆的鲁路修 R2","vote_field":"","field_infobox":"{{Infobox\r\n}}","field_summary":"s","platform":1,` +
			`"type_id":2,"subject_id":8,"field_eps":25,"type":1},"creator":{"username":"wiki_editor","nickname":"Editor & <7>"},` +
			`"summary":"内容扩充","id":3574,"type":1}`},
		{"/v0/revisions/persons?person_id=1", `{"data":[{"created_at":"2011-01-27T19:08:00Z","data":{},` +
			`"creator":{"username":"wiki_editor","nickname":"Editor & <7>"},"summary":"新条目","id":8,"type":3}],"total":1,"limit":30,"offset":0}`},
		{"/v0/revisions/subjects?subject_id=8&limit=1", `{"data":[{"created_at":"2009-10-01T21:29:26Z","data":null,` +
			`"creator":{"username":"wiki_editor","nickname":"Editor & <7>"},"summary":"内容扩充","id":3574,"type":1}],"total":14,"limit":1,"offset":0}`},
		{"/v0/revisions/characters?character_id=1&limit=2", `{"data":[` +
			`{"created_at":"2020-10-23T02:29:36Z","creator":{"username":"","nickname":""},"summary":"恢复版本","id":1198747,"type":2},` +
			`{"created_at":"2011-03-13T07:07:14Z","creator":{"username":"","nickname":""},"summary":"","id":134,"type":2}],` +
			`"total":37,"limit":2,"offset":0}`},
		{"/v0/revisions/episodes?episode_id=404", `{"data":[],"total":0,"limit":30,"offset":0}`},
		{"/v0/revisions/persons/00008", ""}, // leading zeros are a valid id
	} {
		w := api.get(t, tc.path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", tc.path, w.Code, w.Body)
			continue
		}
		if cc := w.Header().Get("Cache-Control"); cc != "" {
			t.Errorf("GET %s: Cache-Control %q, want none (§8)", tc.path, cc)
		}
		if tc.want == "" {
			continue
		}
		if diff := cmp.Diff(tc.want, strings.TrimSuffix(w.Body.String(), "\n")); diff != "" {
			t.Errorf("GET %s mismatch (-want +got):\n%s", tc.path, diff)
		}
	}
}

// TestRevisions_Errors checks bangumi's 400 texts, in its order, and the 404s.
func TestRevisions_Errors(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct {
		path   string
		status int
		desc   string
	}{
		{"/v0/revisions/characters?character_id=abc&limit=0", 400, "limit should be greater than zero"}, // page first
		{"/v0/revisions/episodes", 400, "character ID is required"},
		{"/v0/revisions/persons?person_id=-1", 400, `"-1" is not valid ID`},
		{"/v0/revisions/subjects?subject_id=4294967296", 400, `"4294967296" is not valid ID`},
		{"/v0/revisions/characters?character_id=1&offset=38", 400, "offset should be less than or equal to 37"},
		{"/v0/revisions/persons/0", 400, "bad param id: 0"},
		{"/v0/revisions/persons/%22x", 400, `bad param id: "x`},
		{"/v0/revisions/characters/0", 400, `bad param id: "0"`},
		{"/v0/revisions/subjects/4294967296", 400, `bad param id: "4294967296"`},
		{"/v0/revisions/episodes/+1", 400, `bad param id: "+1"`},
		{"/v0/revisions/characters/8", 404, "resource can't be found in the database or has been removed"},
		{"/v0/revisions/persons/1", 404, "resource can't be found in the database or has been removed"},
		{"/v0/revisions/episodes/1", 404, "resource can't be found in the database or has been removed"},
		{"/v0/revisions/subjects/8", 404, "resource can't be found in the database or has been removed"},
	} {
		w := api.get(t, tc.path)
		var body ErrorDetail
		if err := decodeStrict(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s: %v %s", tc.path, err, w.Body)
		}
		if w.Code != tc.status || body.Description != tc.desc {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, w.Code, body.Description, tc.status, tc.desc)
		}
	}
}

// TestRevisions_CorruptTextIs500 shows that a stored text that is not DEFLATE answers a logged,
// counted 500 for that request only; the server keeps answering.
func TestRevisions_CorruptTextIs500(t *testing.T) {
	api := newTestAPI(t)
	w := api.get(t, "/v0/revisions/characters/900666")
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("GET corrupt revision = %d %s, want 500", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "inflate") {
		t.Errorf("500 body leaks the internal error (D13): %s", w.Body)
	}
	if n := api.metrics.InternalErrors.Load(); n != 1 {
		t.Errorf("InternalErrors = %d, want 1", n)
	}
	if !strings.Contains(api.logs.String(), "corrupt revision text") {
		t.Errorf("the error was not logged: %s", api.logs.String())
	}
	if w := api.get(t, "/v0/revisions/characters/1198747"); w.Code != http.StatusOK {
		t.Errorf("next request = %d, want 200", w.Code)
	}
}

// FuzzParseRevisionID: every input is an id or a 400 "bad param id: " with the raw value,
// Go-quoted unless quote is false (persons).
func FuzzParseRevisionID(f *testing.F) {
	for _, s := range []string{"1", "007", "0", "-1", "+1", "1.5", "4294967295", "4294967296", "", "abc", `"x`, "१"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, quote bool) {
		id, err := parseRevisionID(raw, quote)
		if err != nil {
			want := raw
			if quote {
				want = strconv.Quote(raw)
			}
			checkParsed(t, raw, err, "bad param id: "+want)
			if !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("parseRevisionID(%q, %v) = %v, want the raw value", raw, quote, err)
			}
			return
		}
		if id == 0 || strings.TrimLeft(raw, "0123456789") != "" {
			t.Fatalf("parseRevisionID(%q) = %d, accepted", raw, id)
		}
		if n, _ := strconv.ParseUint(raw, 10, 64); n != uint64(id) {
			t.Fatalf("parseRevisionID(%q) = %d", raw, id)
		}
	})
}
