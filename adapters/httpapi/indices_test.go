package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
)

// seedIndices adds the indices the golden replay reads (as fixture-adjust.sql makes them:
// 90001 public with nine listed subjects, 90002 private and 90003 deleted, both of uidOld,
// 90004 listing NSFW subject 363612, 90005 empty, 90009–90011 of the write groups, with the
// subjects and the token the write groups use) and those of the tests below (90020: a missing
// creator, ties, a missing subject).
func seedIndices(st *inmem.Store) {
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	// the write groups add subjects 15 and 17 (music) and use the collection-only token
	st.PutSubject(
		subject.Subject{ID: 15, Type: subject.TypeMusic, Name: "Chronicle", Image: "9b/f3/15_g5Apf.jpg"},
		subject.Subject{ID: 17, Type: subject.TypeMusic, Name: "Lost", Image: "70/ef/17_fJRn9.jpg"},
	)
	st.PutToken("parity_collection_token", at(2145916800), auth.Token{UserID: "318250", Scope: ptr(`{"write:collection":true}`)})
	idx := func(id uint32, title string, total uint32, creator uint32, privacy uint8, created, updated int64) index.Index {
		return index.Index{ID: id, Title: title, Total: total, CreatorID: creator, Privacy: privacy, CreatedAt: at(created), UpdatedAt: at(updated)}
	}
	public := idx(90001, "parity 公开目录", 9, uidOld, index.Public, 1700000000, 1700000900)
	public.Desc, public.Replies, public.Collects = "public index of 382951\r\n[b]subjects of five types[/b]", 3, 2
	st.PutIndex(public,
		idx(90002, "parity private index", 1, uidOld, index.Private, 1700001000, 1700001000),
		idx(90003, "parity deleted index", 1, uidOld, index.Deleted, 1700002000, 1700002000),
		idx(90004, "parity nsfw index", 2, uidTreehole, index.Public, 1700003000, 1700003100),
		idx(90005, "parity empty index", 0, uidTreehole, index.Public, 1700004000, 1700004000),
		idx(90009, "parity index subjects to edit", 2, uidOld, index.Public, 1700004500, 1700004600),
		idx(90010, "parity index to edit", 0, uidOld, index.Public, 1700005000, 1700005000),
		idx(90011, "parity index subjects", 2, uidOld, index.Public, 1700006000, 1700006100),
		idx(90020, "ties & <raw>", 3, 404, 7, 1700009000, 1700009000), // privacy 7 counts as public
	)
	entry := func(id, rid uint32, typ uint8, sid, order uint32, comment string, added int64) index.Entry {
		return index.Entry{ID: id, IndexID: rid, Cat: index.CatSubject, SubjectType: typ, TargetID: sid, Order: order, Comment: comment, AddedAt: at(added)}
	}
	removed := entry(900010, 90001, 3, 16, 10, "removed entry", 1700000950)
	removed.Removed = true
	character := entry(900011, 90001, 2, 1, 11, "character entry", 1700000960)
	character.Cat = 1
	st.PutIndexEntry(
		entry(900001, 90001, 2, 8, 1, "第一 first", 1700000100), entry(900002, 90001, 2, 12, 2, "", 1700000200),
		entry(900003, 90001, 1, 1, 3, "a novel", 1700000300), entry(900004, 90001, 4, 4, 4, "", 1700000400),
		entry(900005, 90001, 3, 13, 5, "music", 1700000500), entry(900006, 90001, 6, 2703, 6, "", 1700000600),
		entry(900007, 90001, 2, 3, 7, "", 1700000700), entry(900008, 90001, 2, 18, 8, "merged subject", 1700000800),
		entry(900009, 90001, 2, 19, 9, "", 1700000900), removed, character,
		entry(900021, 90002, 2, 8, 1, "", 1700001000), entry(900031, 90003, 2, 8, 1, "", 1700002000),
		entry(900041, 90004, 2, 12, 1, "", 1700003000), entry(900042, 90004, 2, 363612, 2, "nsfw", 1700003100),
		entry(900091, 90009, 2, 8, 1, "first", 1700004500), entry(900092, 90009, 2, 12, 2, "second", 1700004600),
		entry(900111, 90011, 2, 8, 1, "kept", 1700006000), entry(900112, 90011, 2, 12, 2, "to be removed", 1700006100),
		// 90020: equal orders come by entry id (D10); a subject whose row is gone is a zero item
		entry(900203, 90020, 2, 999999, 1, "gone &amp; raw", 1700009300),
		entry(900202, 90020, 1, 1, 1, "", 1700009200),
		entry(900201, 90020, 2, 12, 5, "", 1700009100),
	)
}

// TestIndices_Bodies compares whole answers.
func TestIndices_Bodies(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct{ path, want string }{
		{"/v0/indices/90020", `{"created_at":"2023-11-15T00:43:20Z","updated_at":"2023-11-15T00:43:20Z",` +
			`"creator":{"username":"","nickname":""},"title":"ties & <raw>","desc":"","total":3,"id":90020,` +
			`"stat":{"comments":0,"collects":0},"nsfw":false,"ban":false}`},
		{"/v0/indices/90020/subjects?limit=2", `{"data":[` +
			`{"added_at":"2023-11-15T00:46:40Z","date":"1998-09-25","images":{"large":"https://lain.bgm.tv/pic/cover/l/c4/ca/1_EcYzQ.jpg",` +
			`"common":"https://lain.bgm.tv/r/400/pic/cover/l/c4/ca/1_EcYzQ.jpg","medium":"https://lain.bgm.tv/r/800/pic/cover/l/c4/ca/1_EcYzQ.jpg",` +
			`"small":"https://lain.bgm.tv/r/200/pic/cover/l/c4/ca/1_EcYzQ.jpg","grid":"https://lain.bgm.tv/r/100/pic/cover/l/c4/ca/1_EcYzQ.jpg"},` +
			`"name":"第一次的親密接觸","name_cn":"第一次的亲密接触","comment":"","infobox":INFOBOX1,"id":1,"type":1},` +
			`{"added_at":"2023-11-15T00:48:20Z","date":null,"images":{"large":"","common":"","medium":"","small":"","grid":""},` +
			`"name":"","name_cn":"","comment":"gone &amp; raw","infobox":[],"id":0,"type":0}],"total":3,"limit":2,"offset":0}`},
		{"/v0/indices/90020/subjects?type=2&offset=1", `{"data":[{"added_at":"2023-11-15T00:45:00Z"`},
		{"/v0/indices/90001/subjects?type=3", `{"data":[{"added_at":"2023-11-14T22:21:40Z"`},
		{"/v0/indices/90005/subjects?limit=1&offset=0", `{"data":[],"total":0,"limit":1,"offset":0}`},
	} {
		w := api.get(t, tc.path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", tc.path, w.Code, w.Body)
			continue
		}
		if cc := w.Header().Get("Cache-Control"); cc != "" {
			t.Errorf("GET %s: Cache-Control %q, want none (§7)", tc.path, cc)
		}
		if w.Header().Get("ETag") == "" {
			t.Errorf("GET %s: no ETag", tc.path)
		}
		got := strings.TrimSuffix(w.Body.String(), "\n")
		if strings.Contains(tc.want, "INFOBOX1") { // subject 1's infobox, whatever the fixture holds
			start := strings.Index(got, `"infobox":`) + len(`"infobox":`)
			end := strings.Index(got, `,"id":1,`)
			if start < len(`"infobox":`) || end < start {
				t.Fatalf("GET %s: no infobox in %s", tc.path, got)
			}
			tc.want = strings.Replace(tc.want, "INFOBOX1", got[start:end], 1)
		}
		if !strings.HasSuffix(tc.want, "}") { // a prefix: the first item
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("GET %s = %s, want it to start with %s", tc.path, got, tc.want)
			}
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("GET %s mismatch (-want +got):\n%s", tc.path, diff)
		}
	}
}

// TestIndices_Errors checks bangumi's texts, in its order (id, type, page, visibility, offset).
func TestIndices_Errors(t *testing.T) {
	api := newTestAPI(t)
	for _, tc := range []struct {
		path   string
		token  string
		status int
		desc   string
	}{
		{"/v0/indices/0", "", 400, `"0" is not valid ID`},
		{"/v0/indices/404404", "", 404, "index not found"},
		{"/v0/indices/90004", "", 404, "index not found"},                             // NSFW: hidden from anonymous
		{"/v0/indices/90002", tokenTreehole, 404, "index not found"},                  // private: only its creator
		{"/v0/indices/abc/subjects?type=x", "", 400, `"abc" is not valid ID`},         // the id first
		{"/v0/indices/404/subjects?type=x&limit=0", "", 400, `bad subject type: "x"`}, // then the type
		{"/v0/indices/404/subjects?type=0", "", 400, `"0" is not a valid subject type`},
		{"/v0/indices/404/subjects?type=2&limit=101", "", 400, "limit should less equal than 100"}, // then the page
		{"/v0/indices/404/subjects", "", 404, "resource can't be found in the database or has been removed"},
		{"/v0/indices/90003/subjects", tokenOld, 404, "resource can't be found in the database or has been removed"},
		{"/v0/indices/90001/subjects?offset=10", "", 400, "offset should be less than or equal to 9"},
	} {
		var headers []string
		if tc.token != "" {
			headers = []string{"Authorization", "Bearer " + tc.token}
		}
		w := api.get(t, tc.path, headers...)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), strconv.Quote(tc.desc)) {
			t.Errorf("GET %s = %d %s, want %d %q", tc.path, w.Code, w.Body, tc.status, tc.desc)
		}
	}
	if w := api.get(t, "/v0/indices/90004/subjects", "Authorization", "Bearer "+tokenOld); w.Code != http.StatusOK {
		t.Errorf("NSFW index for an old account = %d %s, want 200", w.Code, w.Body)
	}
}

func FuzzParseIndexSubjectType(f *testing.F) {
	for _, s := range []string{"", "1", "2", "3", "4", "5", "6", "0", "02", "-1", "+2", "256", "x", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		typ, err := parseIndexSubjectType(raw)
		if err != nil {
			checkParsed(t, raw, err, "bad subject type: "+strconv.Quote(raw), strconv.Quote(raw)+" is not a valid subject type")
			if strings.HasPrefix(err.Error(), "400: ") {
				t.Fatalf("parseIndexSubjectType(%q) = %v: no 400: prefix here (N20)", raw, err)
			}
			return
		}
		if raw == "" {
			if typ != 0 {
				t.Fatalf(`parseIndexSubjectType("") = %d, want 0 (every type)`, typ)
			}
			return
		}
		if !subject.ValidType(typ) {
			t.Fatalf("parseIndexSubjectType(%q) = %d, not a subject type", raw, typ)
		}
		if n, err := strconv.ParseUint(raw, 10, 8); err != nil || uint8(n) != typ {
			t.Fatalf("parseIndexSubjectType(%q) = %d", raw, typ)
		}
	})
}
