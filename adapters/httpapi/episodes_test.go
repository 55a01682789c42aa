package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

// seedEpisodes adds episodes of subject 2703 (main episodes continuing at sort 23, a special
// and a banned episode) and of NSFW subject 363612, and marks of uidOld on them: JSON with
// times for 2703, legacy PHP for 363612; uidTreehole's row for 2703 is corrupt.
func seedEpisodes(st *inmem.Store) {
	ep := func(id, subjectID uint32, typ uint8, sort float32) episode.Episode {
		return episode.Episode{ID: id, SubjectID: subjectID, Type: typ, Sort: sort}
	}
	first := ep(17244, 2703, episode.TypeMain, 23)
	first.Name, first.NameCN, first.Airdate, first.Duration, first.Desc, first.Comment =
		"Exit &amp; Wounds", "出口 <伤>", "2010-05-12", "00:42:30", "a\r\nb", 3
	banned := ep(17240, 2703, episode.TypeMain, 1)
	banned.Banned = true
	st.PutEpisode(first, ep(17245, 2703, episode.TypeMain, 24.5), ep(17250, 2703, episode.TypeSpecial, 1),
		ep(17251, 2703, episode.TypeMAD, 1), banned, ep(1075440, 363612, episode.TypeMain, 1))
	// the subjects and episodes the golden replay reads
	st.PutSubject(subject.Subject{ID: 253, Type: subject.TypeAnime, Name: "カウボーイビバップ"},
		subject.Subject{ID: 211567, Type: subject.TypeAnime, Name: "3月のライオン 第2シリーズ"},
		subject.Subject{ID: 22357, Type: subject.TypeAnime, Name: "22357"},
		subject.Subject{ID: 372487, Type: subject.TypeAnime, Name: "372487"})
	st.PutEpisode(ep(1001, 253, episode.TypeMain, 1), ep(1002, 253, episode.TypeSpecial, 1),
		ep(744206, 211567, episode.TypeMain, 23), ep(744207, 211567, episode.TypeMain, 24),
		ep(1087180, 372487, episode.TypeMain, 1))
	st.PutEpisodes(22357, 24, 2)
	bannedSP := ep(1075445, 363612, episode.TypeSpecial, 5)
	bannedSP.Banned = true
	st.PutEpisode(ep(1075546, 363612, episode.TypeSpecial, 1), ep(1075457, 363612, episode.TypeOP, 1),
		ep(1075455, 363612, episode.TypeED, 1), ep(1075442, 363612, episode.TypeMAD, 1), bannedSP)
	st.PutEpisodeProgress(uidOld, 372487, []byte(`a:1:{i:1087180;a:2:{s:3:"eid";s:7:"1087180";s:4:"type";i:2;}}`))
	st.PutEpisodeProgress(uidOld, 2703, []byte(`{"17244":{"eid":"17244","type":2,"updated_at":{"2":1700000000}},"17250":{"eid":"17250","type":1,"updated_at":null}}`))
	st.PutEpisodeProgress(uidOld, 363612, []byte(`a:1:{i:1075440;a:2:{s:3:"eid";s:7:"1075440";s:4:"type";i:3;}}`))
	st.PutEpisodeProgress(uidTreehole, 2703, []byte(`{"17244":{"eid":"17244","type":9}}`))
}

// TestEpisodes_Bodies compares whole answers.
func TestEpisodes_Bodies(t *testing.T) {
	api := newTestAPI(t)
	ep17244 := `{"airdate":"2010-05-12","name":"Exit &amp; Wounds","name_cn":"出口 <伤>","duration":"00:42:30","desc":"a\r\nb",` +
		`"ep":1,"sort":23,"id":17244,"subject_id":2703,"comment":3,"type":0,"disc":0,"duration_seconds":2550}`
	ep17245 := `{"airdate":"","name":"","name_cn":"","duration":"","desc":"","ep":2.5,"sort":24.5,"id":17245,"subject_id":2703,` +
		`"comment":0,"type":0,"disc":0,"duration_seconds":0}`
	sp17250 := `{"airdate":"","name":"","name_cn":"","duration":"","desc":"","ep":0,"sort":1,"id":17250,"subject_id":2703,` +
		`"comment":0,"type":1,"disc":0,"duration_seconds":0}`
	for _, tc := range []struct{ path, token, want string }{
		{"/v0/episodes/17244", "", ep17244},
		{"/v0/episodes?subject_id=2703&limit=3", "", `{"data":[` + ep17244 + `,` + ep17245 + `,` + sp17250 + `],"total":4,"limit":3,"offset":0}`},
		{"/v0/episodes?subject_id=2703&type=1", "", `{"data":[` + sp17250 + `],"total":1,"limit":100,"offset":0}`},
		{"/v0/episodes?subject_id=2703&type=5", "", `{"data":[{"airdate":"","name":"","name_cn":"","duration":"","desc":"","ep":0,"sort":1,"id":17251,` +
			`"subject_id":2703,"comment":0,"type":5,"disc":0,"duration_seconds":0}],"total":1,"limit":100,"offset":0}`}, // N24
		{"/v0/episodes?subject_id=2703&type=3", "", `{"data":[],"total":0,"limit":100,"offset":0}`},
		{"/v0/episodes?subject_id=2703&type=3&offset=9", "", `{"data":[],"total":0,"limit":100,"offset":9}`},
		{"/v0/episodes?subject_id=2703&offset=4", "", `{"data":[],"total":4,"limit":100,"offset":4}`},
		{"/v0/episodes/1075440", tokenOld, `{"airdate":"","name":"","name_cn":"","duration":"","desc":"","ep":1,"sort":1,"id":1075440,` +
			`"subject_id":363612,"comment":0,"type":0,"disc":0,"duration_seconds":0}`},
		{"/v0/users/-/collections/2703/episodes?limit=3", tokenOld, `{"data":[{"episode":` + ep17244 + `,"type":2,"updated_at":1700000000},` +
			`{"episode":` + ep17245 + `,"type":0,"updated_at":0},{"episode":` + sp17250 + `,"type":1,"updated_at":0}],"total":4,"limit":3,"offset":0}`},
		{"/v0/users/-/collections/2703/episodes?episode_type=1", tokenOld, `{"data":[{"episode":` + sp17250 + `,"type":1,"updated_at":0}],"total":1,"limit":100,"offset":0}`},
		{"/v0/users/-/collections/2703/episodes?offset=100", tokenOld, `{"data":[],"total":4,"limit":100,"offset":100}`}, // no offset check, N10
		{"/v0/users/-/collections/2703/episodes", tokenYoung, `{"data":[{"episode":` + ep17244 + `,"type":0,"updated_at":0},`},
		{"/v0/users/-/collections/1/episodes", tokenOld, `{"data":[],"total":0,"limit":100,"offset":0}`},
		{"/v0/users/-/collections/-/episodes/17244", tokenOld, `{"episode":` + ep17244 + `,"type":2,"updated_at":1700000000}`},
		{"/v0/users/-/collections/-/episodes/17245", tokenOld, `{"episode":` + ep17245 + `,"type":0,"updated_at":0}`},
		{"/v0/users/-/collections/-/episodes/1075440", tokenOld, `{"episode":{"airdate":"","name":"","name_cn":"","duration":"","desc":"",` +
			`"ep":1,"sort":1,"id":1075440,"subject_id":363612,"comment":0,"type":0,"disc":0,"duration_seconds":0},"type":3,"updated_at":0}`},
	} {
		var headers []string
		if tc.token != "" {
			headers = bearer(tc.token)
		}
		w := api.get(t, tc.path, headers...)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", tc.path, w.Code, w.Body)
			continue
		}
		if cc := w.Header().Get("Cache-Control"); cc != "" {
			t.Errorf("GET %s: Cache-Control %q, want none (§2, §4)", tc.path, cc)
		}
		got := strings.TrimSuffix(w.Body.String(), "\n")
		if !strings.HasSuffix(tc.want, "}") { // a prefix
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

// TestEpisodes_Errors checks bangumi's texts in its order of checks, the login guard before
// any parameter, and D1 for NSFW subjects on every route.
func TestEpisodes_Errors(t *testing.T) {
	api := newTestAPI(t)
	const notFound = "resource can't be found in the database or has been removed"
	for _, tc := range []struct {
		path   string
		token  string
		status int
		desc   string
	}{
		{"/v0/episodes?subject_id=abc&type=x&limit=1001", "", 400, "limit should less equal than 1000"}, // the page first
		{"/v0/episodes?subject_id=abc&type=x&limit=0", "", 400, "limit should be greater than zero"},
		{"/v0/episodes?subject_id=abc&type=x&offset=-1", "", 400, "offset should be greater than or equal to 0"},
		{"/v0/episodes?subject_id=abc&type=x", "", 400, "wrong value for query `type`"}, // then the type
		{"/v0/episodes?subject_id=abc&type=256", "", 400, "wrong value for query `type`"},
		{"/v0/episodes?subject_id=abc&type=7", "", 400, `"7" is not valid episode type`},
		{"/v0/episodes?subject_id=abc&type=6", "", 400, `"abc" is not valid ID`}, // then the subject
		{"/v0/episodes?type=6", "", 400, "character ID is required"},
		{"/v0/episodes?subject_id=0", "", 400, `"0" is not valid ID`},
		{"/v0/episodes?subject_id=404404", "", 404, notFound},
		{"/v0/episodes?subject_id=363612", "", 404, notFound},         // NSFW, anonymous
		{"/v0/episodes?subject_id=363612", tokenYoung, 404, notFound}, // NSFW, too young
		{"/v0/episodes?subject_id=2703&offset=5", "", 400, "offset should be less than or equal to 4"},
		{"/v0/episodes/abc", "", 400, `"abc" is not valid ID`},
		{"/v0/episodes/17240", "", 404, notFound}, // banned
		{"/v0/episodes/404404", "", 404, notFound},
		{"/v0/episodes/1075440", "", 404, notFound},
		{"/v0/episodes/1075440", tokenYoung, 404, notFound},
		{"/v0/users/-/collections/abc/episodes?limit=0", "", 401, "this API need authorization"}, // login before anything
		{"/v0/users/-/collections/-/episodes/abc", "", 401, "this API need authorization"},
		{"/v0/users/-/collections/-/episodes/17244", tokenExpired, 401, "access token has been expired or doesn't exist"},
		{"/v0/users/-/collections/abc/episodes?limit=0", tokenOld, 400, `"abc" is not valid ID`}, // then the id
		{"/v0/users/-/collections/2703/episodes?limit=0&episode_type=x", tokenOld, 400, "limit should be greater than zero"},
		{"/v0/users/-/collections/2703/episodes?episode_type=x", tokenOld, 400, "wrong value for query `type`"}, // names `type` (N20)
		{"/v0/users/-/collections/2703/episodes?episode_type=9", tokenOld, 400, `"9" is not valid episode type`},
		{"/v0/users/-/collections/404404/episodes", tokenOld, 404, notFound},
		{"/v0/users/-/collections/363612/episodes", tokenYoung, 404, notFound},
		{"/v0/users/-/collections/-/episodes/0", tokenOld, 400, `"0" is not valid ID`},
		{"/v0/users/-/collections/-/episodes/17240", tokenOld, 404, notFound},
		{"/v0/users/-/collections/-/episodes/1075440", tokenYoung, 404, notFound}, // D1, unlike bangumi
	} {
		var headers []string
		if tc.token != "" {
			headers = bearer(tc.token)
		}
		w := api.get(t, tc.path, headers...)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), `"description":`+strconv.Quote(tc.desc)) {
			t.Errorf("GET %s = %d %s, want %d %q", tc.path, w.Code, w.Body, tc.status, tc.desc)
		}
	}
}

// TestEpisodes_CorruptProgress: marks that cannot be decoded answer a logged, counted 500 for
// that request only; the episode routes and other users' marks keep working.
func TestEpisodes_CorruptProgress(t *testing.T) {
	api := newTestAPI(t)
	for _, p := range []string{"/v0/users/-/collections/2703/episodes", "/v0/users/-/collections/-/episodes/17244"} {
		w := api.get(t, p, bearer(tokenTreehole)...)
		if w.Code != http.StatusInternalServerError {
			t.Errorf("GET %s with corrupt marks = %d %s, want 500", p, w.Code, w.Body)
		}
	}
	if got := api.metrics.InternalErrors.Load(); got != 2 {
		t.Errorf("InternalErrors = %d, want 2", got)
	}
	if !strings.Contains(api.logs.String(), "corrupt episode progress") {
		t.Errorf("the logs do not name the corrupt progress:\n%s", api.logs.String())
	}
	if w := api.get(t, "/v0/users/-/collections/2703/episodes", bearer(tokenOld)...); w.Code != http.StatusOK {
		t.Errorf("another user's marks = %d %s, want 200", w.Code, w.Body)
	}
}

// TestEpisodes_CachedUntilTheSubjectChanges: the public episode answers are cached per viewer
// class and follow a change of their subject; the marks are rendered for every request.
func TestEpisodes_CachedUntilTheSubjectChanges(t *testing.T) {
	rc := NewResponseCache(ResponseCacheOptions{})
	api := newTestAPI(t, withResponses(rc))
	paths := []string{"/v0/episodes?subject_id=2703", "/v0/episodes/17245"}
	for _, p := range paths {
		api.get(t, p)
	}
	renamed := episode.Episode{ID: 17245, SubjectID: 2703, Type: episode.TypeMain, Sort: 24.5, Name: "renamed"}
	api.store.PutEpisode(renamed)
	for _, p := range paths {
		if w := api.get(t, p); strings.Contains(w.Body.String(), "renamed") {
			t.Errorf("GET %s before the change is reported: already renamed, want the cached answer", p)
		}
	}
	// the marks are not cached: a new mark shows at once
	api.store.PutEpisodeProgress(uidOld, 2703, []byte(`{"17245":{"eid":"17245","type":3}}`))
	if w := api.get(t, "/v0/users/-/collections/-/episodes/17245", bearer(tokenOld)...); !strings.HasSuffix(strings.TrimSpace(w.Body.String()), `"type":3,"updated_at":0}`) {
		t.Errorf("own mark after a change = %s, want type 3 at once", w.Body)
	}
	rc.Changed(context.Background(), ports.Change{Entity: ports.EntitySubject, ID: 2703})
	for _, p := range paths {
		if w := api.get(t, p); !strings.Contains(w.Body.String(), `"name":"renamed"`) {
			t.Errorf("GET %s after subject 2703 changed = %s, want the renamed episode", p, w.Body)
		}
	}
}

func FuzzParseEpisodeType(f *testing.F) {
	for _, s := range []string{"", "0", "1", "5", "6", "7", "00", "-1", "+2", "256", "x", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		typ, byType, err := parseEpisodeType(raw)
		if err != nil {
			checkParsed(t, raw, err, "wrong value for query `type`", strconv.Quote(raw)+" is not valid episode type")
			return
		}
		if raw == "" {
			if byType {
				t.Fatal(`parseEpisodeType("") filters by type, want no filter`)
			}
			return
		}
		n, err := strconv.ParseUint(raw, 10, 8)
		if !byType || err != nil || uint8(n) != typ || !episode.ValidType(typ) {
			t.Fatalf("parseEpisodeType(%q) = %d, %v", raw, typ, byType)
		}
	})
}

func FuzzEpisodePage(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"100", "0"}, {"1000", "5"}, {"1001", "0"}, {"0", ""}, {"-1", ""}, {"abc", ""}, {"", "-1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, limit, offset string) {
		p, err := parsePageBounds(limit, offset, defaultEpisodeLimit, maxEpisodeLimit)
		checkParsed(t, limit+"|"+offset, err, "can't parse query args ", "limit should", "offset should")
		if err == nil && (p.Limit < 1 || p.Limit > maxEpisodeLimit || p.Offset < 0 || (limit == "" && p.Limit != defaultEpisodeLimit)) {
			t.Fatalf("episode page (%q, %q) = %+v", limit, offset, p)
		}
	})
}
