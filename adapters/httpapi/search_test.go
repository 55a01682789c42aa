package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// stubIndex answers every search with the ids chosen by the test (or an error) and records the
// queries it was asked.
type stubIndex struct {
	mu      sync.Mutex
	ids     []uint32
	total   int64
	err     error
	queries []search.Query
}

var _ ports.SearchIndex = (*stubIndex)(nil)

func (x *stubIndex) Upsert(context.Context, search.Documents) error       { return nil }
func (x *stubIndex) Delete(context.Context, search.Kind, ...uint32) error { return nil }
func (x *stubIndex) Count(context.Context, search.Kind) (int64, error)    { return 0, nil }
func (x *stubIndex) Search(_ context.Context, q search.Query) (search.Result, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.queries = append(x.queries, q)
	return search.Result{IDs: slices.Clone(x.ids), Total: x.total}, x.err
}

func (x *stubIndex) answer(total int64, ids ...uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids, x.total = ids, total
}

func (x *stubIndex) fail(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err = err
}

// asked returns the queries received since the last call.
func (x *stubIndex) asked() []search.Query {
	x.mu.Lock()
	defer x.mu.Unlock()
	q := x.queries
	x.queries = nil
	return q
}

// withSearch serves search from idx over the test store; the subject 900100 has a meta tags
// field, an eps field that differs from its episode count, table meta tags and 12 tags.
func withSearch(idx ports.SearchIndex) apiOption {
	return func(d *Deps, st *inmem.Store) {
		tags := make([]subject.Tag, 12)
		for i := range tags {
			tags[i] = subject.Tag{Name: fmt.Sprintf("tag%d", i), Count: 20 - i}
		}
		st.PutSubject(subject.Subject{
			ID: 900100, Type: subject.TypeAnime, Name: "検索", NameCN: "搜索", Image: "ab/cd/900100_x.jpg",
			Platform: 1, Eps: 7, Date: day(2020, 7, 1), Infobox: "{{Infobox animanga/TVAnime\n|中文名= 搜索\n}}",
			RateCounts: [10]uint32{0, 0, 0, 0, 0, 0, 1, 2, 0, 0}, Rank: 5, Tags: tags,
			MetaTagsField: " 机战  TV 原创 ",
		})
		st.PutEpisodes(900100, 3, 0)
		st.PutMetaTags(900100, subject.TypeAnime, "from the tag table")
		d.Search = &usecase.Search{
			Index: idx, Subjects: st.Subjects(), Characters: st.Characters(), Persons: st.Persons(), Clock: d.Clock,
		}
	}
}

func newSearchAPI(t *testing.T) (*testAPI, *stubIndex) {
	t.Helper()
	idx := &stubIndex{}
	return newTestAPI(t, withSearch(idx)), idx
}

// post sends a search body and checks the answer against /openapi.json.
func (a *testAPI) post(tb testing.TB, path, body string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequestWithContext(tb.Context(), http.MethodPost, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := serve(a.h, r, "chii-test/1.0")
	if err := a.validator.validate(http.MethodPost, r.URL.Path, w.Code, w.Header(), w.Body.Bytes()); err != nil {
		tb.Errorf("POST %s: response does not match /openapi.json: %v\nbody: %s", path, err, w.Body.String())
	}
	return w
}

// pageOfMaps is a search answer with its items left as JSON objects.
type pageOfMaps struct {
	Data   []map[string]any `json:"data"`
	Total  int64            `json:"total"`
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

func decodePage(tb testing.TB, w *httptest.ResponseRecorder) pageOfMaps {
	tb.Helper()
	if w.Code != http.StatusOK {
		tb.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	var p pageOfMaps
	if err := decodeStrict(w.Body.Bytes(), &p); err != nil {
		tb.Fatalf("decode %s: %v", w.Body, err)
	}
	return p
}

func jsonObject(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func itemIDs(p pageOfMaps) []float64 {
	out := []float64{}
	for _, it := range p.Data {
		out = append(out, it["id"].(float64))
	}
	return out
}

// TestSearch_ItemShapes: a subject item is the detail's SubjectV0 with total_episodes = eps,
// meta_tags from the meta tags field (split on spaces, no empty string), every tag, plus image
// = images.large; character and person items are the detail endpoints' bodies.
func TestSearch_ItemShapes(t *testing.T) {
	api, idx := newSearchAPI(t)

	t.Run("Subject", func(t *testing.T) {
		want := jsonObject(t, api.get(t, "/v0/subjects/900100").Body.Bytes())
		if n := len(want["tags"].([]any)); n != 12 {
			t.Fatalf("the detail has %d tags, want 12", n)
		}
		want["total_episodes"] = float64(7)
		want["meta_tags"] = []any{"机战", "TV", "原创"}
		want["image"] = "https://lain.bgm.tv/pic/cover/l/ab/cd/900100_x.jpg"

		idx.answer(1, 900100)
		w := api.post(t, "/v0/search/subjects", `{"keyword":"検索"}`)
		p := decodePage(t, w)
		if len(p.Data) != 1 {
			t.Fatalf("data = %v, want one item", p.Data)
		}
		if diff := cmp.Diff(want, p.Data[0]); diff != "" {
			t.Errorf("item mismatch (-want +got):\n%s", diff)
		}
		if h := w.Header(); h.Get("Cache-Control") != "" || h.Get("ETag") != "" {
			t.Errorf("Cache-Control %q, ETag %q: a search answer carries neither", h.Get("Cache-Control"), h.Get("ETag"))
		}
	})
	t.Run("Character", func(t *testing.T) {
		want := jsonObject(t, api.get(t, "/v0/characters/1").Body.Bytes())
		idx.answer(1, 1)
		p := decodePage(t, api.post(t, "/v0/search/characters", `{"keyword":"ルルーシュ"}`))
		if len(p.Data) != 1 {
			t.Fatalf("data = %v, want one item", p.Data)
		}
		if diff := cmp.Diff(want, p.Data[0]); diff != "" {
			t.Errorf("item mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("Person", func(t *testing.T) {
		want := jsonObject(t, api.get(t, "/v0/persons/1").Body.Bytes())
		idx.answer(1, 1)
		p := decodePage(t, api.post(t, "/v0/search/persons", `{"keyword":"水樹"}`))
		if len(p.Data) != 1 {
			t.Fatalf("data = %v, want one item", p.Data)
		}
		if diff := cmp.Diff(want, p.Data[0]); diff != "" {
			t.Errorf("item mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestSearch_HitOrderAndMissingIDs(t *testing.T) {
	api, idx := newSearchAPI(t)
	for _, tc := range []struct {
		path string
		ids  []uint32
		want []float64
	}{
		// 363612 is NSFW: the index decides visibility, hydration does not filter again.
		{"/v0/search/subjects", []uint32{12, 999999, 8, 363612, 4}, []float64{12, 8, 363612, 4}},
		{"/v0/search/characters", []uint32{3, 999999, 1, 90001}, []float64{3, 1, 90001}},
		{"/v0/search/persons", []uint32{5076, 999999, 2, 1}, []float64{5076, 2, 1}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			idx.answer(321, tc.ids...)
			p := decodePage(t, api.post(t, tc.path, `{}`))
			if diff := cmp.Diff(tc.want, itemIDs(p)); diff != "" {
				t.Errorf("ids mismatch (-want +got):\n%s", diff)
			}
			if p.Total != 321 || p.Limit != 10 || p.Offset != 0 {
				t.Errorf("total, limit, offset = %d, %d, %d; want 321, 10, 0", p.Total, p.Limit, p.Offset)
			}
		})
	}
	t.Run("NoHit", func(t *testing.T) {
		idx.answer(0)
		w := api.post(t, "/v0/search/subjects", `{"keyword":"nothing"}`)
		if got := strings.TrimSpace(w.Body.String()); got != `{"data":[],"total":0,"limit":10,"offset":0}` {
			t.Errorf("body = %s", got)
		}
	})
}

// TestSearch_Pagination: the soft helper (http-v0.md §1.4): default 10, over 20 clamped to 20,
// limit < 1 and offset < 0 refused; the index gets the page the answer echoes.
func TestSearch_Pagination(t *testing.T) {
	api, idx := newSearchAPI(t)
	for _, path := range []string{"/v0/search/subjects", "/v0/search/characters", "/v0/search/persons"} {
		t.Run(path, func(t *testing.T) {
			for _, tc := range []struct {
				query         string
				limit, offset int
			}{
				{"", 10, 0},
				{"?limit=1", 1, 0},
				{"?limit=20", 20, 0},
				{"?limit=21", 20, 0},
				{"?limit=50&offset=7", 20, 7},
				{"?limit=100000000000000", 20, 0},
				{"?offset=0", 10, 0},
				{"?offset=1000000", 10, 1000000},
			} {
				idx.answer(5, 8)
				idx.asked()
				p := decodePage(t, api.post(t, path+tc.query, `{}`))
				if p.Limit != tc.limit || p.Offset != tc.offset {
					t.Errorf("%s: limit, offset = %d, %d; want %d, %d", tc.query, p.Limit, p.Offset, tc.limit, tc.offset)
				}
				if q := idx.asked(); len(q) != 1 || q[0].Limit != tc.limit || q[0].Offset != tc.offset {
					t.Errorf("%s: the index was asked %+v; want one query with limit %d, offset %d", tc.query, q, tc.limit, tc.offset)
				}
			}
			for _, tc := range []struct{ query, msg string }{
				{"limit=0", "limit should be greater than zero"},
				{"limit=-5", "limit should be greater than zero"},
				{"offset=-1", "offset should be greater than or equal to 0"},
				{"limit=abc", `can't parse query args limit as int: "abc"`},
				{"limit=1.5", `can't parse query args limit as int: "1.5"`},
				{"offset=x", `can't parse query args offset as int: "x"`},
				{"limit=0&offset=-1", "limit should be greater than zero"},
			} {
				w := api.post(t, path+"?"+tc.query, `{}`)
				assertErrorBody(t, w, http.StatusBadRequest, errorLike(http.StatusBadRequest, tc.msg, path, http.MethodPost, tc.query))
			}
			if q := idx.asked(); len(q) != 0 {
				t.Errorf("the index was asked %d times for bad pages", len(q))
			}
		})
	}
}

func assertErrorBody(t *testing.T, w *httptest.ResponseRecorder, status int, want ErrorDetail) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d; body %s", w.Code, status, w.Body)
		return
	}
	var got ErrorDetail
	if err := decodeStrict(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error body mismatch (-want +got):\n%s", diff)
	}
}

func jsonErrorBody(description string) ErrorDetail {
	return ErrorDetail{Title: "JSON Error", Description: description}
}

// TestSearch_BadInput: every class of bad body is a 400 with bangumi's body, never a 500, and
// never reaches the index. The Cf-Ray header shows that a JSON Error carries no request_id.
func TestSearch_BadInput(t *testing.T) {
	api, idx := newSearchAPI(t)
	bad := func(path, msg string) ErrorDetail {
		return errorLike(http.StatusBadRequest, msg, path, http.MethodPost, "")
	}
	const subjects, characters, persons = "/v0/search/subjects", "/v0/search/characters", "/v0/search/persons"
	tags65 := `"` + strings.Repeat(`t","`, 64) + `t"`
	for _, tc := range []struct {
		name, path, body string
		want             ErrorDetail
	}{
		{"Empty", subjects, ``, ErrorDetail{Title: "JSON Error", Description: msgJSONDecode,
			Details: &ErrorRequest{Error: "EOF", Path: subjects, Method: http.MethodPost}}},
		{"Truncated", subjects, `{"keyword":`, ErrorDetail{Title: "JSON Error", Description: msgJSONDecode,
			Details: &ErrorRequest{Error: "unexpected EOF", Path: subjects, Method: http.MethodPost}}},
		{"Malformed", subjects, `{bad`,
			jsonErrorBody("Syntax error: offset=2, error=invalid character 'b' looking for beginning of object key string")},
		{"NotAnObject", subjects, `[]`,
			jsonErrorBody("Unmarshal type error: expected=httpapi.SearchSubjectsBody, got=array, field=, offset=1")},
		{"KeywordNotAString", subjects, `{"keyword":1}`,
			jsonErrorBody("Unmarshal type error: expected=string, got=number, field=keyword, offset=12")},
		{"Type300", subjects, `{"filter":{"type":[300]}}`,
			jsonErrorBody("Unmarshal type error: expected=uint8, got=number 300, field=filter.type, offset=22")},
		{"TypeNegative", subjects, `{"filter":{"type":[2,-1]}}`,
			jsonErrorBody("Unmarshal type error: expected=uint8, got=number -1, field=filter.type, offset=23")},
		{"TypeFraction", subjects, `{"filter":{"type":[1.5]}}`,
			jsonErrorBody("Unmarshal type error: expected=uint8, got=number 1.5, field=filter.type, offset=22")},
		{"TypeStringItem", subjects, `{"filter":{"type":["2"]}}`,
			jsonErrorBody("Unmarshal type error: expected=uint8, got=string, field=filter.type, offset=22")},
		{"TypeBase64String", subjects, `{"filter":{"type":"AQI="}}`,
			jsonErrorBody("Unmarshal type error: expected=httpapi.subjectTypeFilter, got=string, field=filter.type, offset=24")},
		{"NSFWNotABool", subjects, `{"filter":{"nsfw":"yes"}}`,
			jsonErrorBody("Unmarshal type error: expected=bool, got=string, field=filter.nsfw, offset=23")},
		{"TagNotAList", subjects, `{"filter":{"tag":"a"}}`,
			jsonErrorBody("Unmarshal type error: expected=[]string, got=string, field=filter.tag, offset=20")},
		{"UnknownSort", subjects, `{"sort":"newest"}`, bad(subjects, "sort not supported")},
		{"AirDateSpace", subjects, `{"filter":{"air_date":[">= 2020-01-01"]}}`,
			bad(subjects, `invalid date filter: ">= 2020-01-01", date should be in the format of ">= YYYY-MM-DD"`)},
		{"AirDateEquals", subjects, `{"filter":{"air_date":["=2020-01-01"]}}`,
			bad(subjects, `invalid date filter: "=2020-01-01", date should be in the format of "YYYY-MM-DD"`)},
		{"Rank", subjects, `{"filter":{"rank":["10"]}}`,
			bad(subjects, `invalid rank filter: "10", should be in the format of "^(>|<|>=|<=|=) *\d+$"`)},
		{"Rating", subjects, `{"filter":{"rating":[">=6.5.1"]}}`,
			bad(subjects, `invalid score filter: ">=6.5.1", should be in the format of "^(>|<|>=|<=|=) *\d+(\.\d)?$"`)},
		{"RatingCount", subjects, `{"filter":{"rating_count":["> x"]}}`,
			bad(subjects, `invalid rating_count filter: "> x", should be in the format of "^(>|<|>=|<=|=) *\d+$"`)},
		{"KeywordTooLong", subjects, `{"keyword":"` + strings.Repeat("字", 257) + `"}`,
			bad(subjects, "keyword is too long: at most 256 characters")},
		{"TooManyTags", subjects, `{"filter":{"tag":[` + tags65 + `]}}`,
			bad(subjects, "too many values in filter.tag: at most 64")},
		{"CharacterNSFWNotABool", characters, `{"filter":{"nsfw":1}}`,
			jsonErrorBody("Unmarshal type error: expected=bool, got=number, field=filter.nsfw, offset=19")},
		{"CharacterKeywordTooLong", characters, `{"keyword":"` + strings.Repeat("a", 257) + `"}`,
			bad(characters, "keyword is too long: at most 256 characters")},
		{"CharacterMalformed", characters, `{"keyword":"a"`, ErrorDetail{Title: "JSON Error", Description: msgJSONDecode,
			Details: &ErrorRequest{Error: "unexpected EOF", Path: characters, Method: http.MethodPost}}},
		{"PersonCareerNotAList", persons, `{"filter":{"career":"seiyu"}}`,
			jsonErrorBody("Unmarshal type error: expected=[]string, got=string, field=filter.career, offset=27")},
		{"PersonTooManyCareers", persons, `{"filter":{"career":[` + tags65 + `]}}`,
			bad(persons, "too many values in filter.career: at most 64")},
		{"PersonEmpty", persons, ``, ErrorDetail{Title: "JSON Error", Description: msgJSONDecode,
			Details: &ErrorRequest{Error: "EOF", Path: persons, Method: http.MethodPost}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want.Title != "JSON Error" {
				want.RequestID = "ray-400" // bangumi's 400s echo Cf-Ray; its JSON Errors do not
			}
			assertErrorBody(t, api.post(t, tc.path, tc.body, headerCfRay, "ray-400"), http.StatusBadRequest, want)
		})
	}
	if q := idx.asked(); len(q) != 0 {
		t.Errorf("the index was asked %d times for bad bodies", len(q))
	}
	if n := api.metrics.InternalErrors.Load(); n != 0 {
		t.Errorf("%d internal errors; want none", n)
	}
}

// TestSearch_LenientBody: unknown keys, any Content-Type, what follows the first JSON value and
// a null body are accepted; {} is a search of everything.
func TestSearch_LenientBody(t *testing.T) {
	api, idx := newSearchAPI(t)
	idx.answer(1, 8)
	for _, body := range []string{`{}`, `null`, `{"unknown":1,"filter":{"other":[1]}}`, `{"keyword":""} trailing garbage`, ` {"filter":null} `} {
		idx.asked()
		p := decodePage(t, api.post(t, "/v0/search/subjects", body, "Content-Type", "text/plain"))
		if diff := cmp.Diff([]float64{8}, itemIDs(p)); diff != "" {
			t.Errorf("%s: ids mismatch (-want +got):\n%s", body, diff)
		}
		q := idx.asked()
		if len(q) != 1 {
			t.Fatalf("%s: asked %d times", body, len(q))
		}
		want := search.Query{Kind: search.KindSubject, Sort: search.SortMatch, Limit: 10,
			Filter: search.Filter{{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(false)}}}}
		if diff := cmp.Diff(want, q[0]); diff != "" {
			t.Errorf("%s: query mismatch (-want +got):\n%s", body, diff)
		}
	}
}

// TestSearch_Query: the body becomes the query the index gets (fields, sort, types in order).
func TestSearch_Query(t *testing.T) {
	api, idx := newSearchAPI(t)
	body := `{"keyword":" ギアス ","sort":"rank","filter":{"type":[2,6],"tag":["a"],"air_date":[">=2020-07-01"],` +
		`"rating":[">=6.5"],"rating_count":["<5000"],"rank":[">0"],"meta_tags":["TV"],"nsfw":false}}`
	decodePage(t, api.post(t, "/v0/search/subjects?limit=3&offset=6", body))
	num := func(f string, op search.Op, n float64) search.Clause {
		return search.Clause{{Field: f, Op: op, Value: search.Number(n)}}
	}
	want := search.Query{Kind: search.KindSubject, Keyword: "ギアス", Sort: search.SortRank, Limit: 3, Offset: 6, Filter: search.Filter{
		num(search.FieldDate, search.Ge, 20200701),
		{{Field: search.FieldType, Op: search.Eq, Value: search.Number(2)}, {Field: search.FieldType, Op: search.Eq, Value: search.Number(6)}},
		{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(false)}},
		{{Field: search.FieldMetaTag, Op: search.Eq, Value: search.String("TV")}},
		{{Field: search.FieldTag, Op: search.Eq, Value: search.String("a")}},
		num(search.FieldRank, search.Gt, 0),
		num(search.FieldScore, search.Ge, 6.5),
		num(search.FieldRatingCount, search.Lt, 5000),
	}}
	q := idx.asked()
	if len(q) != 1 {
		t.Fatalf("asked %d times", len(q))
	}
	if diff := cmp.Diff(want, q[0]); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}

	decodePage(t, api.post(t, "/v0/search/persons", `{"keyword":"k","filter":{"career":["seiyu","artist"]}}`))
	wantPersons := search.Query{Kind: search.KindPerson, Keyword: "k", Sort: search.SortMatch, Limit: 10, Filter: search.Filter{
		{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("seiyu")}},
		{{Field: search.FieldCareer, Op: search.Eq, Value: search.String("artist")}},
	}}
	if q := idx.asked(); len(q) != 1 || !cmp.Equal(wantPersons, q[0]) {
		t.Errorf("persons query = %+v; want %+v", q, wantPersons)
	}
}

// TestSearch_NSFWByViewer: the query handed to the index carries the nsfw clauses of D3 for the
// caller: anonymous and young accounts never get NSFW, an old enough account gets what it asks.
func TestSearch_NSFWByViewer(t *testing.T) {
	api, idx := newSearchAPI(t)
	nsfwIs := func(b bool) search.Clause {
		return search.Clause{{Field: search.FieldNSFW, Op: search.Eq, Value: search.Bool(b)}}
	}
	for _, tc := range []struct {
		name   string
		header []string
		body   string
		want   search.Filter
	}{
		{"AnonymousAbsent", nil, `{}`, search.Filter{nsfwIs(false)}},
		{"AnonymousNull", nil, `{"filter":{"nsfw":null}}`, search.Filter{nsfwIs(false)}},
		{"AnonymousTrue", nil, `{"filter":{"nsfw":true}}`, search.Filter{nsfwIs(true), nsfwIs(false)}},
		{"YoungAbsent", bearer(tokenYoung), `{}`, search.Filter{nsfwIs(false)}},
		{"YoungTrue", bearer(tokenYoung), `{"filter":{"nsfw":true}}`, search.Filter{nsfwIs(true), nsfwIs(false)}},
		{"OldAbsent", bearer(tokenOld), `{}`, nil},
		{"OldTrue", bearer(tokenOld), `{"filter":{"nsfw":true}}`, search.Filter{nsfwIs(true)}},
		{"OldFalse", bearer(tokenOld), `{"filter":{"nsfw":false}}`, search.Filter{nsfwIs(false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/v0/search/subjects", "/v0/search/characters"} {
				decodePage(t, api.post(t, path, tc.body, tc.header...))
				q := idx.asked()
				if len(q) != 1 {
					t.Fatalf("%s: asked %d times", path, len(q))
				}
				if diff := cmp.Diff(tc.want, q[0].Filter); diff != "" {
					t.Errorf("%s: filter mismatch (-want +got):\n%s", path, diff)
				}
			}
		})
	}
	t.Run("PersonsNeverGated", func(t *testing.T) {
		decodePage(t, api.post(t, "/v0/search/persons", `{"filter":{"nsfw":false}}`))
		if q := idx.asked(); len(q) != 1 || q[0].Filter != nil {
			t.Errorf("persons query = %+v; want no filter", q)
		}
	})
}

// TestSearch_IndexErrors: an index failure is a 500 with the request id and without the error's
// text (D13), logged once; an unavailable index is a 503 with Retry-After.
func TestSearch_IndexErrors(t *testing.T) {
	for _, path := range []string{"/v0/search/subjects", "/v0/search/characters", "/v0/search/persons"} {
		t.Run(path, func(t *testing.T) {
			api, idx := newSearchAPI(t)
			idx.fail(errors.New("meilisearch: 502 bad gateway"))
			w := api.post(t, path, `{}`, headerCfRay, "ray-search-500")
			want := errorLike(http.StatusInternalServerError, msgInternal, path, http.MethodPost, "")
			want.RequestID = "ray-search-500"
			assertErrorBody(t, w, http.StatusInternalServerError, want)
			if logs := api.logs.String(); !strings.Contains(logs, `"request_id":"ray-search-500"`) || !strings.Contains(logs, "502 bad gateway") {
				t.Errorf("the error is not logged under the request id: %s", logs)
			}
			if strings.Contains(w.Body.String(), "bad gateway") {
				t.Errorf("the 500 body carries the internal error: %s", w.Body)
			}

			idx.fail(fmt.Errorf("meilisearch: %w: dial tcp: connection refused", domain.ErrUnavailable))
			w = api.post(t, path, `{}`)
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != retryAfter {
				t.Errorf("status %d, Retry-After %q; want 503 with Retry-After %s", w.Code, w.Header().Get("Retry-After"), retryAfter)
			}
		})
	}
}

// TestSearch_BodyTooLarge: a body cut by the server's limit (http.MaxBytesReader, as
// runtime/server installs it) is a 413, not a JSON Error.
func TestSearch_BodyTooLarge(t *testing.T) {
	api, _ := newSearchAPI(t)
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16)
		api.h.ServeHTTP(w, r)
	})
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/v0/search/subjects",
		strings.NewReader(`{"keyword":"`+strings.Repeat("a", 64)+`"}`))
	w := serve(limited, r, "chii-test/1.0")
	if err := api.validator.validate(http.MethodPost, "/v0/search/subjects", w.Code, w.Header(), w.Body.Bytes()); err != nil {
		t.Error(err)
	}
	assertErrorBody(t, w, http.StatusRequestEntityTooLarge, errorLike(http.StatusRequestEntityTooLarge,
		"request body is larger than 16 bytes", "/v0/search/subjects", http.MethodPost, ""))
}

// TestSearch_Disabled: without a search use case every search route answers bangumi's
// 200 text/plain "search is not enable", whatever the request.
func TestSearch_Disabled(t *testing.T) {
	api := newTestAPI(t)
	for _, path := range []string{"/v0/search/subjects", "/v0/search/characters", "/v0/search/persons?limit=0"} {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, strings.NewReader(`{bad`))
		w := serve(api.h, r, "chii-test/1.0")
		if w.Code != http.StatusOK || w.Body.String() != msgSearchDisabled ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q %q; want 200 text/plain %q", path, w.Code, w.Header().Get("Content-Type"), w.Body, msgSearchDisabled)
		}
	}
}

// TestSearch_NotCachedOrRouted: search answers are rendered for each request (a second POST
// sees the index's new answer) and other methods stay the catch-all 404.
func TestSearch_NotCachedOrRouted(t *testing.T) {
	rc := NewResponseCache(ResponseCacheOptions{})
	idx := &stubIndex{}
	api := newTestAPI(t, withSearch(idx), withResponses(rc))
	idx.answer(1, 8)
	if got := itemIDs(decodePage(t, api.post(t, "/v0/search/subjects", `{}`))); !cmp.Equal(got, []float64{8}) {
		t.Fatalf("ids = %v", got)
	}
	idx.answer(1, 12)
	if got := itemIDs(decodePage(t, api.post(t, "/v0/search/subjects", `{}`))); !cmp.Equal(got, []float64{12}) {
		t.Errorf("second search ids = %v; want [12] (never cached)", got)
	}
	w := api.get(t, "/v0/search/subjects")
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /v0/search/subjects = %d; want the catch-all 404", w.Code)
	}
}
