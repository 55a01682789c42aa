package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// endpointCase is one request and the whole answer expected for it.
type endpointCase struct {
	name     string
	method   string
	path     string
	token    string
	status   int
	cache    string // Cache-Control
	location string
	body     string // JSON compared by value; "" is not compared, except that 204 and 302 have no body
}

func runEndpointCases(t *testing.T, api *testAPI, tests []endpointCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request{method: tt.method, path: tt.path, headers: map[string]string{}}
			if tt.token != "" {
				req.headers["Authorization"] = "Bearer " + tt.token
			}
			w := api.do(t, req)
			got := []any{w.Code, w.Header().Get("Cache-Control"), w.Header().Get("Location")}
			if diff := cmp.Diff([]any{tt.status, tt.cache, tt.location}, got); diff != "" {
				t.Fatalf("status, Cache-Control, Location mismatch (-want +got):\n%s\nbody: %s", diff, w.Body.String())
			}
			if tt.body == "" {
				if (w.Code == http.StatusNoContent || w.Code == http.StatusFound) && w.Body.Len() != 0 {
					t.Errorf("unexpected body %q", w.Body.String())
				}
				return
			}
			if diff := cmp.Diff(decodeJSON(t, []byte(tt.body)), decodeJSON(t, w.Body.Bytes())); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

const (
	hour        = "public, max-age=3600"
	oneDay      = "public, max-age=86400"
	noImages    = `{"large":"","medium":"","small":"","grid":""}`
	notFoundMsg = `"resource can't be found in the database or has been removed"`
)

func errJSON(status int, description, path, method string) string {
	return `{"title":"` + http.StatusText(status) + `","description":` + description +
		`,"details":{"path":"` + path + `","method":"` + method + `"}}`
}

func TestSubjectEndpoints(t *testing.T) {
	api := newTestAPI(t)
	api.store.PutSubject(subject.Subject{ID: 30, Type: subject.TypeBook, Name: "locked <b>&</b>", Ban: 2, Series: true, Volumes: 3, Platform: 9999})
	runEndpointCases(t, api, []endpointCase{
		{name: "Detail", path: "/v0/subjects/1", status: 200, cache: hour, body: `{
			"id":1,"type":1,"name":"第一次的親密接觸","name_cn":"第一次的亲密接触","summary":"","series":false,"nsfw":false,
			"locked":false,"date":"1998-09-25","platform":"小说",
			"images":{"large":"https://lain.bgm.tv/pic/cover/l/c4/ca/1_EcYzQ.jpg","common":"https://lain.bgm.tv/r/400/pic/cover/l/c4/ca/1_EcYzQ.jpg",
				"medium":"https://lain.bgm.tv/r/800/pic/cover/l/c4/ca/1_EcYzQ.jpg","small":"https://lain.bgm.tv/r/200/pic/cover/l/c4/ca/1_EcYzQ.jpg",
				"grid":"https://lain.bgm.tv/r/100/pic/cover/l/c4/ca/1_EcYzQ.jpg"},
			"infobox":[{"key":"中文名","value":"第一次的亲密接触"},{"key":"作者","value":"蔡智恒"}],
			"volumes":0,"eps":0,"total_episodes":0,
			"rating":{"rank":1573,"total":69,"count":{"1":0,"2":0,"3":1,"4":0,"5":0,"6":9,"7":16,"8":31,"9":8,"10":4},"score":7.7},
			"collection":{"wish":0,"collect":0,"doing":0,"on_hold":0,"dropped":0},
			"tags":[{"name":"小说","count":10,"total_count":0},{"name":"台湾","count":3,"total_count":7}],"meta_tags":[]}`},
		{name: "EpisodesAndMetaTags", path: "/v0/subjects/8", status: 200, cache: hour},
		{name: "LockedNoHTMLEscapingNullPlatformAndDate", path: "/v0/subjects/30", status: 200, cache: hour, body: `{
			"id":30,"type":1,"name":"locked <b>&</b>","name_cn":"","summary":"","series":true,"nsfw":false,"locked":true,
			"date":null,"platform":null,"images":{"large":"","common":"","medium":"","small":"","grid":""},"infobox":[],
			"volumes":3,"eps":0,"total_episodes":0,
			"rating":{"rank":0,"total":0,"count":{"1":0,"2":0,"3":0,"4":0,"5":0,"6":0,"7":0,"8":0,"9":0,"10":0},"score":0},
			"collection":{"wish":0,"collect":0,"doing":0,"on_hold":0,"dropped":0},"tags":[],"meta_tags":[]}`},
		{name: "LeadingZeros", path: "/v0/subjects/0018", status: 302, location: "/v0/subjects/19"},
		{name: "Redirect", path: "/v0/subjects/18", status: 302, location: "/v0/subjects/19"},
		{name: "NSFWAnonymous", path: "/v0/subjects/363612", status: 404, body: errJSON(404, notFoundMsg, "/v0/subjects/363612", "GET")},
		{name: "NSFWYoung", path: "/v0/subjects/363612", token: tokenYoung, status: 404, body: errJSON(404, notFoundMsg, "/v0/subjects/363612", "GET")},
		{name: "NSFWOldNotCached", path: "/v0/subjects/363612", token: tokenOld, status: 200},
		// D1: the subject cache never serves an NSFW subject to a caller who may not see it.
		{name: "NSFWAnonymousAfterCache", path: "/v0/subjects/363612", status: 404, body: errJSON(404, notFoundMsg, "/v0/subjects/363612", "GET")},
		{name: "BadID", path: "/v0/subjects/0x10", status: 400, body: errJSON(400, `"\"0x10\" is not valid ID"`, "/v0/subjects/0x10", "GET")},
		{name: "EmptyID", path: "/v0/subjects//persons", status: 400, body: errJSON(400, `"character ID is required"`, "/v0/subjects//persons", "GET")},

		{name: "ImageLarge", path: "/v0/subjects/1/image?type=large", status: 302, cache: hour, location: "https://lain.bgm.tv/pic/cover/l/c4/ca/1_EcYzQ.jpg"},
		{name: "ImageCommon", path: "/v0/subjects/1/image?type=common", status: 302, cache: hour, location: "https://lain.bgm.tv/r/400/pic/cover/l/c4/ca/1_EcYzQ.jpg"},
		{name: "ImageGrid", path: "/v0/subjects/1/image?type=grid", status: 302, cache: hour, location: "https://lain.bgm.tv/r/100/pic/cover/l/c4/ca/1_EcYzQ.jpg"},
		{name: "ImageNone", path: "/v0/subjects/30/image?type=small", status: 302, cache: hour, location: "https://lain.bgm.tv/img/no_icon_subject.png"},
		{name: "ImageOfMergedSubject", path: "/v0/subjects/18/image?type=small", status: 302, cache: hour, location: "https://lain.bgm.tv/img/no_icon_subject.png"},
		{name: "ImageCaseSensitive", path: "/v0/subjects/1/image?type=Large", status: 400, body: `{"title":"Bad Request","description":"bad image type: Large",
			"details":{"path":"/v0/subjects/1/image","method":"GET","query_string":"type=Large"}}`},
		{name: "ImageNSFWAnonymous", path: "/v0/subjects/363612/image?type=large", status: 404, body: `{"title":"Not Found","description":` + notFoundMsg + `,
			"details":{"path":"/v0/subjects/363612/image","method":"GET","query_string":"type=large"}}`},
		{name: "ImageNSFWOld", path: "/v0/subjects/363612/image?type=large", token: tokenOld, status: 302, // D11: no public caching
			location: "https://lain.bgm.tv/pic/cover/l/82/15/363612_6uauA.jpg"},
		{name: "ImageMissingBeforeType", path: "/v0/subjects/999999/image?type=huge", status: 404, body: `{"title":"Not Found","description":` + notFoundMsg + `,
			"details":{"path":"/v0/subjects/999999/image","method":"GET","query_string":"type=huge"}}`},

		// Storage order (see ports.LinkRepository): the credit of the missing person was stored last.
		{name: "Persons", path: "/v0/subjects/12/persons", status: 200, cache: hour, body: `[
			{"id":3269,"name":"3269","type":1,"career":[],"images":` + noImages + `,"relation":"作画监督","eps":""},
			{"id":5076,"name":"福山潤","type":1,"career":["seiyu"],"images":` + noImages + `,"relation":"作画监督","eps":"1-3"},
			{"id":0,"name":"","type":0,"career":[],"images":` + noImages + `,"relation":"原作","eps":""}]`},
		{name: "PersonsMissing", path: "/v0/subjects/999999/persons", status: 404, body: errJSON(404, notFoundMsg, "/v0/subjects/999999/persons", "GET")},
		{name: "PersonsNSFWOld", path: "/v0/subjects/363612/persons", token: tokenOld, status: 200, body: `[]`}, // D11: no public caching

		{name: "Characters", path: "/v0/subjects/8/characters", status: 200, cache: hour, body: `[
			{"id":1,"name":"ルルーシュ・ランペルージ","type":1,"summary":"","relation":"主角",
			 "images":{"large":"https://lain.bgm.tv/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589","medium":"https://lain.bgm.tv/r/400/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589",
			           "small":"https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589","grid":"https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"},
			 "actors":[
			   {"id":5076,"name":"福山潤","type":1,"career":["seiyu"],"images":` + noImages + `,"short_summary":"声優","locked":true},
			   {"id":0,"name":"","type":0,"career":[],"images":` + noImages + `,"short_summary":"","locked":false}]}]`},
		{name: "CharactersNSFWOld", path: "/v0/subjects/363612/characters", token: tokenOld, status: 200},          // D11
		{name: "RelationsNSFWOld", path: "/v0/subjects/363612/subjects", token: tokenOld, status: 200, body: `[]`}, // D11
		{name: "CharactersNSFWYoung", path: "/v0/subjects/363612/characters", token: tokenYoung, status: 404,
			body: errJSON(404, notFoundMsg, "/v0/subjects/363612/characters", "GET")},

		{name: "RelationsAnonymous", path: "/v0/subjects/8/subjects", status: 200, cache: hour, body: `[
			{"id":19,"type":2,"name":"related","name_cn":"","relation":"续集",
			 "images":{"large":"https://lain.bgm.tv/pic/cover/l/aa/bb/19.jpg","common":"https://lain.bgm.tv/r/400/pic/cover/l/aa/bb/19.jpg",
			           "medium":"https://lain.bgm.tv/r/800/pic/cover/l/aa/bb/19.jpg","small":"https://lain.bgm.tv/r/200/pic/cover/l/aa/bb/19.jpg",
			           "grid":"https://lain.bgm.tv/r/100/pic/cover/l/aa/bb/19.jpg"}}]`},
		{name: "RelationsNSFWAllowed", path: "/v0/subjects/8/subjects", token: tokenOld, status: 200, cache: hour, body: `[
			{"id":19,"type":2,"name":"related","name_cn":"","relation":"续集",
			 "images":{"large":"https://lain.bgm.tv/pic/cover/l/aa/bb/19.jpg","common":"https://lain.bgm.tv/r/400/pic/cover/l/aa/bb/19.jpg",
			           "medium":"https://lain.bgm.tv/r/800/pic/cover/l/aa/bb/19.jpg","small":"https://lain.bgm.tv/r/200/pic/cover/l/aa/bb/19.jpg",
			           "grid":"https://lain.bgm.tv/r/100/pic/cover/l/aa/bb/19.jpg"}},
			{"id":363612,"type":2,"name":"沙盒","name_cn":"沙盒","relation":"前传",
			 "images":{"large":"https://lain.bgm.tv/pic/cover/l/82/15/363612_6uauA.jpg","common":"https://lain.bgm.tv/r/400/pic/cover/l/82/15/363612_6uauA.jpg",
			           "medium":"https://lain.bgm.tv/r/800/pic/cover/l/82/15/363612_6uauA.jpg","small":"https://lain.bgm.tv/r/200/pic/cover/l/82/15/363612_6uauA.jpg",
			           "grid":"https://lain.bgm.tv/r/100/pic/cover/l/82/15/363612_6uauA.jpg"}}]`},
	})
	t.Run("NoHTMLEscaping", func(t *testing.T) {
		w := api.get(t, "/v0/subjects/30")
		if !strings.Contains(w.Body.String(), `"name":"locked <b>&</b>"`) {
			t.Errorf("body escapes HTML: %s", w.Body.String())
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	})
	t.Run("EpisodesAndMetaTagsValues", func(t *testing.T) {
		var got struct {
			TotalEpisodes int      `json:"total_episodes"`
			MetaTags      []string `json:"meta_tags"`
			Date          string   `json:"date"`
			Platform      string   `json:"platform"`
			Rating        Rating   `json:"rating"`
		}
		w := api.get(t, "/v0/subjects/8")
		if err := jsonUnmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := got
		want.TotalEpisodes, want.MetaTags, want.Date, want.Platform = 25, []string{"机战", "TV", "原创", "战斗"}, "2008-04-06", "TV"
		want.Rating = Rating{Rank: 121, Total: 9438, Score: 8.2, Count: RatingCount{44, 15, 32, 66, 145, 457, 1472, 3190, 2640, 1377}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestCharacterEndpoints(t *testing.T) {
	api := newTestAPI(t)
	runEndpointCases(t, api, []endpointCase{
		{name: "Detail", path: "/v0/characters/1", status: 200, cache: hour, body: `{
			"id":1,"name":"ルルーシュ・ランペルージ","type":1,"summary":"","locked":false,"nsfw":false,
			"images":{"large":"https://lain.bgm.tv/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589","medium":"https://lain.bgm.tv/r/400/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589",
			          "small":"https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589","grid":"https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"},
			"infobox":[{"key":"简体中文名","value":"鲁路修·兰佩路基"},
			           {"key":"别名","value":[{"v":"L.L."},{"k":"英文名","v":"Lelouch Lamperouge"}]},
			           {"key":"昵称","value":[]}],
			"gender":"male","blood_type":null,"birth_year":null,"birth_mon":12,"birth_day":5,
			"stat":{"comments":111,"collects":667}}`},
		{name: "Locked", path: "/v0/characters/6", status: 200, cache: hour},
		{name: "Redirect", path: "/v0/characters/202", status: 302, location: "/v0/characters/276"},
		{name: "NSFWRedirectsFirst", path: "/v0/characters/55", status: 302, location: "/v0/characters/54"},
		{name: "NSFWAnonymous", path: "/v0/characters/90001", status: 404, body: errJSON(404, notFoundMsg, "/v0/characters/90001", "GET")},
		{name: "NSFWYoung", path: "/v0/characters/90001", token: tokenYoung, status: 404, body: errJSON(404, notFoundMsg, "/v0/characters/90001", "GET")},
		{name: "NSFWOldNotCached", path: "/v0/characters/90001", token: tokenOld, status: 200},
		{name: "Missing", path: "/v0/characters/4294967295", status: 404, body: errJSON(404, notFoundMsg, "/v0/characters/4294967295", "GET")},

		{name: "ImageSmall", path: "/v0/characters/1/image?type=small", status: 302, cache: oneDay,
			location: "https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589"},
		{name: "ImageGrid", path: "/v0/characters/1/image?type=grid", status: 302, cache: oneDay,
			location: "https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"},
		{name: "ImageNoCommonSize", path: "/v0/characters/1/image?type=common", status: 400, body: `{"title":"Bad Request","description":"bad image type: common",
			"details":{"path":"/v0/characters/1/image","method":"GET","query_string":"type=common"}}`},
		{name: "ImageNoType", path: "/v0/characters/1/image", status: 400, body: errJSON(400, `"bad image type: "`, "/v0/characters/1/image", "GET")},
		{name: "ImageNSFWNotGated", path: "/v0/characters/90001/image?type=large", status: 302, cache: oneDay, location: "https://lain.bgm.tv/img/no_icon_subject.png"},
		{name: "ImageMergedNotFollowed", path: "/v0/characters/202/image?type=large", status: 302, cache: oneDay, location: "https://lain.bgm.tv/img/no_icon_subject.png"},

		{name: "Subjects", path: "/v0/characters/90001/subjects", status: 200, cache: hour, body: `[
			{"id":12,"type":2,"staff":"主角","name":"ちょびっツ","name_cn":"人形电脑天使心","image":"https://lain.bgm.tv/pic/cover/l/c2/0a/12_aDoa8.jpg"},
			{"id":363612,"type":2,"staff":"主角","name":"沙盒","name_cn":"沙盒","image":"https://lain.bgm.tv/pic/cover/l/82/15/363612_6uauA.jpg"}]`},
		{name: "SubjectsOfMerged", path: "/v0/characters/202/subjects", status: 404, body: errJSON(404, notFoundMsg, "/v0/characters/202/subjects", "GET")},
		{name: "SubjectsBadID", path: "/v0/characters/-1/subjects", status: 400, body: errJSON(400, `"\"-1\" is not valid ID"`, "/v0/characters/-1/subjects", "GET")},

		{name: "Persons", path: "/v0/characters/90001/persons", status: 200, cache: hour, body: `[
			{"id":1,"name":"水樹奈々","type":1,"subject_id":12,"subject_type":2,"subject_name":"ちょびっツ","subject_name_cn":"人形电脑天使心","staff":"主角",
			 "images":{"large":"https://lain.bgm.tv/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889","medium":"https://lain.bgm.tv/r/400/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			           "small":"https://lain.bgm.tv/r/100/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889","grid":"https://lain.bgm.tv/pic/crt/g/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889"}}]`},
		{name: "PersonsMissing", path: "/v0/characters/999999/persons", status: 404, body: errJSON(404, notFoundMsg, "/v0/characters/999999/persons", "GET")},
	})
}

func TestPersonEndpoints(t *testing.T) {
	api := newTestAPI(t)
	runEndpointCases(t, api, []endpointCase{
		{name: "Detail", path: "/v0/persons/1", status: 200, cache: hour, body: `{
			"id":1,"name":"水樹奈々","type":1,"career":["artist","seiyu"],"summary":"","locked":false,
			"images":{"large":"https://lain.bgm.tv/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889","medium":"https://lain.bgm.tv/r/400/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			          "small":"https://lain.bgm.tv/r/100/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889","grid":"https://lain.bgm.tv/pic/crt/g/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889"},
			"img":"https://lain.bgm.tv/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			"infobox":[{"key":"简体中文名","value":"水树奈奈"}],
			"gender":"female","blood_type":1,"birth_year":1980,"birth_mon":1,"birth_day":21,
			"stat":{"comments":0,"collects":0},"last_modified":"0001-01-01T00:00:00Z"}`},
		{name: "NoImage", path: "/v0/persons/2", status: 200, cache: hour, body: `{
			"id":2,"name":"遠藤明範","type":1,"career":["producer"],"summary":"","locked":false,"images":` + noImages + `,"img":"",
			"infobox":[],"gender":"male","blood_type":null,"birth_year":null,"birth_mon":19,"birth_day":9,
			"stat":{"comments":0,"collects":0},"last_modified":"0001-01-01T00:00:00Z"}`},
		{name: "RedirectCarriesCache", path: "/v0/persons/10", status: 302, cache: hour, location: "/v0/persons/2"},
		{name: "NSFWNeverGated", path: "/v0/persons/40", status: 200, cache: hour},
		{name: "Missing", path: "/v0/persons/999999", status: 404, body: errJSON(404, notFoundMsg, "/v0/persons/999999", "GET")},
		{name: "BadID", path: "/v0/persons/4294967297", status: 400, body: errJSON(400, `"\"4294967297\" is not valid ID"`, "/v0/persons/4294967297", "GET")},

		{name: "ImageMedium", path: "/v0/persons/1/image?type=medium", status: 302, cache: oneDay,
			location: "https://lain.bgm.tv/r/400/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889"},
		{name: "ImageBad", path: "/v0/persons/1/image?type=bad", status: 400, body: `{"title":"Bad Request","description":"bad image type: bad",
			"details":{"path":"/v0/persons/1/image","method":"GET","query_string":"type=bad"}}`},

		{name: "Subjects", path: "/v0/persons/5076/subjects", status: 200, cache: hour, body: `[
			{"id":12,"type":2,"staff":"作画监督","eps":"1-3","name":"ちょびっツ","name_cn":"人形电脑天使心","image":"https://lain.bgm.tv/pic/cover/l/c2/0a/12_aDoa8.jpg"}]`},
		{name: "SubjectsOfMerged", path: "/v0/persons/10/subjects", status: 404, body: errJSON(404, notFoundMsg, "/v0/persons/10/subjects", "GET")},

		{name: "Characters", path: "/v0/persons/1/characters", status: 200, cache: hour, body: `[
			{"id":90001,"name":"パリティ","type":1,"images":` + noImages + `,"subject_id":12,"subject_type":2,
			 "subject_name":"ちょびっツ","subject_name_cn":"人形电脑天使心","staff":"主角"}]`},
		{name: "CharactersMissingCarriesCache", path: "/v0/persons/999999/characters", status: 404, cache: hour,
			body: errJSON(404, notFoundMsg, "/v0/persons/999999/characters", "GET")},
		{name: "CharactersMergedCarriesCache", path: "/v0/persons/10/characters", status: 404, cache: hour,
			body: errJSON(404, notFoundMsg, "/v0/persons/10/characters", "GET")},
		{name: "CharactersBadIDNoCache", path: "/v0/persons/abc/characters", status: 400,
			body: errJSON(400, `"\"abc\" is not valid ID"`, "/v0/persons/abc/characters", "GET")},
	})
}

func TestPersonCharacters_ServerErrorIsNotCached(t *testing.T) {
	api := newTestAPI(t, func(d *Deps, st *inmem.Store) {
		d.Persons.Persons = failingPersons{st.Persons()}
	})
	w := api.get(t, "/v0/persons/1/characters")
	if w.Code != http.StatusInternalServerError || w.Header().Get("Cache-Control") != "" {
		t.Errorf("got %d with Cache-Control %q, want 500 without it", w.Code, w.Header().Get("Cache-Control"))
	}
}

type failingPersons struct{ ports.PersonRepository }

func (failingPersons) Get(context.Context, uint32) (person.Person, error) {
	return person.Person{}, errors.New("connection reset")
}

func TestUserCollectionEndpoints(t *testing.T) {
	api := newTestAPI(t)
	young8 := `{"subject_id":8,"subject_type":2,"rate":10,"type":2,"comment":"young comment","tags":[],"ep_status":0,"vol_status":0,
		"updated_at":"2023-11-14T22:18:20Z","private":false,"subject":{"id":8,"type":2,"name":"コードギアス 反逆のルルーシュR2",
		"name_cn":"Code Geass 反叛的鲁路修R2","short_summary":"","date":"2008-04-06",
		"images":{"large":"https://lain.bgm.tv/pic/cover/l/c9/f0/8_wK0z3.jpg","common":"https://lain.bgm.tv/r/400/pic/cover/l/c9/f0/8_wK0z3.jpg",
		          "medium":"https://lain.bgm.tv/r/800/pic/cover/l/c9/f0/8_wK0z3.jpg","small":"https://lain.bgm.tv/r/200/pic/cover/l/c9/f0/8_wK0z3.jpg",
		          "grid":"https://lain.bgm.tv/r/100/pic/cover/l/c9/f0/8_wK0z3.jpg"},
		"volumes":0,"eps":25,"collection_total":14324,"score":8.2,"rank":121,"tags":[]}}`
	young363612 := `{"subject_id":363612,"subject_type":2,"rate":0,"type":1,"comment":null,"tags":[],"ep_status":0,"vol_status":0,
		"updated_at":"2023-11-14T22:16:40Z","private":false,"subject":{"id":363612,"type":2,"name":"沙盒","name_cn":"沙盒","short_summary":"",
		"date":"0000-10-06","images":{"large":"https://lain.bgm.tv/pic/cover/l/82/15/363612_6uauA.jpg",
		"common":"https://lain.bgm.tv/r/400/pic/cover/l/82/15/363612_6uauA.jpg","medium":"https://lain.bgm.tv/r/800/pic/cover/l/82/15/363612_6uauA.jpg",
		"small":"https://lain.bgm.tv/r/200/pic/cover/l/82/15/363612_6uauA.jpg","grid":"https://lain.bgm.tv/r/100/pic/cover/l/82/15/363612_6uauA.jpg"},
		"volumes":0,"eps":7,"collection_total":0,"score":5.4,"rank":0,"tags":[]}}`
	private12 := `{"subject_id":12,"subject_type":2,"rate":8,"type":3,"comment":"parity private comment","tags":["parity","私密"],
		"ep_status":3,"vol_status":0,"updated_at":"2023-11-14T22:13:20Z","private":true,"subject":{"id":12,"type":2,"name":"ちょびっツ",
		"name_cn":"人形电脑天使心","short_summary":"","date":null,"images":{"large":"https://lain.bgm.tv/pic/cover/l/c2/0a/12_aDoa8.jpg",
		"common":"https://lain.bgm.tv/r/400/pic/cover/l/c2/0a/12_aDoa8.jpg","medium":"https://lain.bgm.tv/r/800/pic/cover/l/c2/0a/12_aDoa8.jpg",
		"small":"https://lain.bgm.tv/r/200/pic/cover/l/c2/0a/12_aDoa8.jpg","grid":"https://lain.bgm.tv/r/100/pic/cover/l/c2/0a/12_aDoa8.jpg"},
		"volumes":0,"eps":0,"collection_total":0,"score":0,"rank":0,"tags":[]}}`
	runEndpointCases(t, api, []endpointCase{
		{name: "List", path: "/v0/users/parity_young/collections", status: 200,
			body: `{"data":[` + young8 + `,` + young363612 + `],"total":2,"limit":30,"offset":0}`},
		{name: "ListCaseInsensitiveUsername", path: "/v0/users/PARITY_YOUNG/collections?limit=1&offset=1", status: 200,
			body: `{"data":[` + young363612 + `],"total":2,"limit":1,"offset":1}`},
		{name: "ListFilters", path: "/v0/users/parity_young/collections?subject_type=2&type=1", status: 200,
			body: `{"data":[` + young363612 + `],"total":1,"limit":30,"offset":0}`},
		{name: "ListTypeZeroIsAll", path: "/v0/users/parity_young/collections?type=0&subject_type=", status: 200,
			body: `{"data":[` + young8 + `,` + young363612 + `],"total":2,"limit":30,"offset":0}`},
		{name: "ListOffsetEqualsTotal", path: "/v0/users/parity_young/collections?offset=2", status: 200,
			body: `{"data":[],"total":2,"limit":30,"offset":2}`},
		{name: "ListOffsetPastTotal", path: "/v0/users/parity_young/collections?offset=3", status: 400,
			body: `{"title":"Bad Request","description":"offset should be less than or equal to 2","details":{"path":"/v0/users/parity_young/collections","method":"GET","query_string":"offset=3"}}`},
		{name: "ListEmptyIgnoresOffset", path: "/v0/users/treehole2/collections?offset=9", status: 200,
			body: `{"data":[],"total":0,"limit":30,"offset":9}`},
		{name: "ListPrivateForOwnerOnly", path: "/v0/users/382951/collections?subject_type=2&type=3", token: tokenOld, status: 200,
			body: `{"data":[` + private12 + `],"total":1,"limit":30,"offset":0}`},
		{name: "ListPrivateHiddenFromOthers", path: "/v0/users/382951/collections?subject_type=2&type=3", token: tokenTreehole, status: 200,
			body: `{"data":[],"total":0,"limit":30,"offset":0}`},
		{name: "ListLimitBeforeUser", path: "/v0/users/nobody/collections?limit=101&subject_type=x", status: 400,
			body: `{"title":"Bad Request","description":"limit should less equal than 100","details":{"path":"/v0/users/nobody/collections","method":"GET","query_string":"limit=101&subject_type=x"}}`},
		{name: "ListEmptyUsername", path: "/v0/users//collections?subject_type=x", status: 400,
			body: `{"title":"Bad Request","description":"missing require parameters ` + "`username`" + `","details":{"path":"/v0/users//collections","method":"GET","query_string":"subject_type=x"}}`},
		{name: "ListBadSubjectTypeBeforeType", path: "/v0/users/nobody/collections?subject_type=x&type=9", status: 400,
			body: `{"title":"Bad Request","description":"400: bad subject type: \"x\"","details":{"path":"/v0/users/nobody/collections","method":"GET","query_string":"subject_type=x&type=9"}}`},
		{name: "ListInvalidSubjectType", path: "/v0/users/nobody/collections?subject_type=5", status: 400,
			body: `{"title":"Bad Request","description":"400: \"5\" is not a valid subject type","details":{"path":"/v0/users/nobody/collections","method":"GET","query_string":"subject_type=5"}}`},
		{name: "ListInvalidTypeBeforeUser", path: "/v0/users/nobody/collections?type=9", status: 400,
			body: `{"title":"Bad Request","description":"\"9\"is not a valid collection type","details":{"path":"/v0/users/nobody/collections","method":"GET","query_string":"type=9"}}`},
		{name: "ListNoUser", path: "/v0/users/nobody/collections", status: 404,
			body: errJSON(404, `"user doesn't exist or has been removed"`, "/v0/users/nobody/collections", "GET")},

		{name: "Get", path: "/v0/users/parity_young/collections/8", status: 200, body: young8},
		{name: "GetPrivateOwner", path: "/v0/users/382951/collections/12", token: tokenOld, status: 200, body: private12},
		{name: "GetPrivateOther", path: "/v0/users/382951/collections/12", token: tokenTreehole, status: 404,
			body: errJSON(404, `"subject is not collected by user"`, "/v0/users/382951/collections/12", "GET")},
		{name: "GetNSFWHiddenEvenForOwner", path: "/v0/users/parity_young/collections/363612", token: tokenYoung, status: 404,
			body: errJSON(404, notFoundMsg, "/v0/users/parity_young/collections/363612", "GET")},
		{name: "GetSubjectBeforeUser", path: "/v0/users/nobody/collections/999999", status: 404,
			body: errJSON(404, notFoundMsg, "/v0/users/nobody/collections/999999", "GET")},
		{name: "GetNoUser", path: "/v0/users/nobody/collections/8", status: 404,
			body: errJSON(404, `"user doesn't exist or has been removed"`, "/v0/users/nobody/collections/8", "GET")},
		{name: "GetEmptyUsernameBeforeID", path: "/v0/users//collections/abc", status: 400,
			body: errJSON(400, `"missing require parameters `+"`username`"+`"`, "/v0/users//collections/abc", "GET")},
		{name: "GetDash", path: "/v0/users/1/collections/-", status: 400,
			body: errJSON(400, `"\"-\" is not valid ID"`, "/v0/users/1/collections/-", "GET")},

		{name: "Characters", path: "/v0/users/6162/collections/-/characters?limit=2", status: 200, body: `{"data":[
			{"id":3,"type":1,"name":"C.C.","created_at":"2011-01-31T17:00:15Z","images":{"large":"https://lain.bgm.tv/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268",
			 "medium":"https://lain.bgm.tv/r/400/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268","small":"https://lain.bgm.tv/r/100/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268",
			 "grid":"https://lain.bgm.tv/pic/crt/g/83/62/3_crt_7Jhis.jpg?r=1573280268"}},
			{"id":1,"type":1,"name":"ルルーシュ・ランペルージ","created_at":"2011-01-31T17:00:14Z","images":{"large":"https://lain.bgm.tv/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589",
			 "medium":"https://lain.bgm.tv/r/400/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589","small":"https://lain.bgm.tv/r/100/pic/crt/l/7b/3a/1_crt_8V556.jpg?r=1603459589",
			 "grid":"https://lain.bgm.tv/pic/crt/g/7b/3a/1_crt_8V556.jpg?r=1603459589"}}],
			"total":16,"limit":2,"offset":0}`},
		{name: "CharactersMissingTargetsCounted", path: "/v0/users/6162/collections/-/characters?offset=16", status: 200,
			body: `{"data":[],"total":16,"limit":30,"offset":16}`},
		{name: "CharactersBadLimit", path: "/v0/users/6162/collections/-/characters?limit=0", status: 400,
			body: `{"title":"Bad Request","description":"limit should be greater than zero","details":{"path":"/v0/users/6162/collections/-/characters","method":"GET","query_string":"limit=0"}}`},
		{name: "CharactersNoUser", path: "/v0/users/nobody/collections/-/characters", status: 404,
			body: errJSON(404, `"user doesn't exist or has been removed"`, "/v0/users/nobody/collections/-/characters", "GET")},
		{name: "Character", path: "/v0/users/1/collections/-/characters/3", status: 200, body: `
			{"id":3,"type":1,"name":"C.C.","created_at":"2011-01-31T17:38:55Z","images":{"large":"https://lain.bgm.tv/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268",
			 "medium":"https://lain.bgm.tv/r/400/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268","small":"https://lain.bgm.tv/r/100/pic/crt/l/83/62/3_crt_7Jhis.jpg?r=1573280268",
			 "grid":"https://lain.bgm.tv/pic/crt/g/83/62/3_crt_7Jhis.jpg?r=1573280268"}}`},
		{name: "CharacterNotCollected", path: "/v0/users/1/collections/-/characters/2", status: 404,
			body: errJSON(404, `"character is not collected by user"`, "/v0/users/1/collections/-/characters/2", "GET")},
		{name: "CharacterMissingTarget", path: "/v0/users/6162/collections/-/characters/800000", status: 404,
			body: errJSON(404, notFoundMsg, "/v0/users/6162/collections/-/characters/800000", "GET")},
		{name: "Persons", path: "/v0/users/4/collections/-/persons", status: 200, body: `{"data":[],"total":1,"limit":30,"offset":0}`},
		{name: "PersonNotCollected", path: "/v0/users/4/collections/-/persons/1", status: 404,
			body: errJSON(404, `"person is not collected by user"`, "/v0/users/4/collections/-/persons/1", "GET")},
		{name: "PersonBadID", path: "/v0/users/4/collections/-/persons/0", status: 400,
			body: errJSON(400, `"\"0\" is not valid ID"`, "/v0/users/4/collections/-/persons/0", "GET")},
	})
}

func TestCollect(t *testing.T) {
	api := newTestAPI(t)
	collects := func(t *testing.T, path string) int {
		t.Helper()
		var got struct {
			Stat Stat `json:"stat"`
		}
		if err := jsonUnmarshal(api.get(t, path, bearer(tokenOld)...).Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		return int(got.Stat.Collects)
	}
	before := collects(t, "/v0/characters/2")
	runEndpointCases(t, api, []endpointCase{
		{name: "Anonymous", method: "POST", path: "/v0/characters/2/collect", status: 401,
			body: errJSON(401, `"this API need authorization"`, "/v0/characters/2/collect", "POST")},
		{name: "AnonymousBadID", method: "DELETE", path: "/v0/characters/abc/collect", status: 401,
			body: errJSON(401, `"this API need authorization"`, "/v0/characters/abc/collect", "DELETE")},
		{name: "NoScope", method: "POST", path: "/v0/characters/2/collect", token: tokenReadonly, status: 403,
			body: errJSON(403, `"insufficient token scope"`, "/v0/characters/2/collect", "POST")},
		{name: "BadID", method: "POST", path: "/v0/characters/0/collect", token: tokenOld, status: 400,
			body: errJSON(400, `"\"0\" is not valid ID"`, "/v0/characters/0/collect", "POST")},
		{name: "Missing", method: "POST", path: "/v0/characters/999999/collect", token: tokenOld, status: 404,
			body: errJSON(404, notFoundMsg, "/v0/characters/999999/collect", "POST")},
		{name: "UncollectNotCollected", method: "DELETE", path: "/v0/characters/2/collect", token: tokenOld, status: 404,
			body: errJSON(404, `"character not collected"`, "/v0/characters/2/collect", "DELETE")},
		{name: "Collect", method: "POST", path: "/v0/characters/2/collect", token: tokenOld, status: 204},
		{name: "CollectAgain", method: "POST", path: "/v0/characters/2/collect", token: tokenOld, status: 204},
		{name: "Listed", path: "/v0/users/382951/collections/-/characters", status: 200, body: `{"data":[
			{"id":2,"type":1,"name":"枢木スザク","created_at":"2026-11-26T23:38:50Z","images":{"large":"https://lain.bgm.tv/pic/crt/l/6f/40/2_crt_08diJ.jpg?r=1581939778",
			 "medium":"https://lain.bgm.tv/r/400/pic/crt/l/6f/40/2_crt_08diJ.jpg?r=1581939778","small":"https://lain.bgm.tv/r/100/pic/crt/l/6f/40/2_crt_08diJ.jpg?r=1581939778",
			 "grid":"https://lain.bgm.tv/pic/crt/g/6f/40/2_crt_08diJ.jpg?r=1581939778"}}],"total":1,"limit":30,"offset":0}`},
	})
	if got := collects(t, "/v0/characters/2"); got != before+1 {
		t.Errorf("collects after collecting twice = %d, want %d", got, before+1)
	}
	runEndpointCases(t, api, []endpointCase{
		{name: "Uncollect", method: "DELETE", path: "/v0/characters/2/collect", token: tokenOld, status: 204},
		{name: "UncollectAgain", method: "DELETE", path: "/v0/characters/2/collect", token: tokenOld, status: 404,
			body: errJSON(404, `"character not collected"`, "/v0/characters/2/collect", "DELETE")},
		{name: "PersonCollect", method: "POST", path: "/v0/persons/1/collect", token: tokenYoung, status: 204},
		{name: "PersonListed", path: "/v0/users/parity_young/collections/-/persons/1", status: 200, body: `
			{"id":1,"type":1,"name":"水樹奈々","created_at":"2026-11-26T23:38:50Z","images":{"large":"https://lain.bgm.tv/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			 "medium":"https://lain.bgm.tv/r/400/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889","small":"https://lain.bgm.tv/r/100/pic/crt/l/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889",
			 "grid":"https://lain.bgm.tv/pic/crt/g/a6/e8/1_prsn_ZdFfp.jpg?r=1597241889"}}`},
		{name: "PersonUncollect", method: "DELETE", path: "/v0/persons/1/collect", token: tokenYoung, status: 204},
		{name: "PersonUncollectAgain", method: "DELETE", path: "/v0/persons/1/collect", token: tokenYoung, status: 404,
			body: errJSON(404, `"person not collected"`, "/v0/persons/1/collect", "DELETE")},
		{name: "PersonMissing", method: "DELETE", path: "/v0/persons/999999/collect", token: tokenYoung, status: 404,
			body: errJSON(404, notFoundMsg, "/v0/persons/999999/collect", "DELETE")},
		{name: "PersonNoScope", method: "DELETE", path: "/v0/persons/1/collect", token: tokenReadonly, status: 403,
			body: errJSON(403, `"insufficient token scope"`, "/v0/persons/1/collect", "DELETE")},
	})
	if got := collects(t, "/v0/characters/2"); got != before {
		t.Errorf("collects after uncollecting = %d, want %d", got, before)
	}
	if got := len(api.timeline.Messages()); got != 2 {
		t.Errorf("timeline messages = %d, want 2 (one per new collect)", got)
	}
}
