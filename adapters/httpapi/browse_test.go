package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/subject"
)

// seedBrowse adds the subjects the recorded browse answers need to the fixture: 25 more anime
// (30 listed to everyone, so offset 30 is a page) and 4 more games (8 listed to everyone).
func seedBrowse(st *inmem.Store) {
	for i := range uint32(25) {
		st.PutSubject(subject.Subject{
			ID: 950001 + i, Type: subject.TypeAnime, Name: fmt.Sprintf("browse anime %d", i), Platform: 1,
			Date: time.Date(2001, 1, 1+int(i%3), 0, 0, 0, 0, time.UTC), Rank: 100 + i%2,
		})
	}
	for i := range uint32(4) {
		st.PutSubject(subject.Subject{
			ID: 950101 + i, Type: subject.TypeGame, Name: fmt.Sprintf("browse game %d", i),
			Infobox: "{{Infobox Game\n|平台={\n[PC]\n}\n}}", Date: time.Date(2001, 2, 1, 0, 0, 0, 0, time.UTC),
		})
	}
	st.PutMetaTags(950001, subject.TypeAnime, "browse-b", "browse-a")
}

func TestBrowseSubjects(t *testing.T) {
	api := newTestAPI(t)
	t.Run("ItemsAreSubjectsWithMetaTagsAndNoEpisodes", func(t *testing.T) {
		w := api.do(t, request{method: http.MethodGet, path: "/v0/subjects?type=2&sort=rank&limit=100"})
		if w.Code != http.StatusOK {
			t.Fatalf("status = %d, body %s", w.Code, w.Body)
		}
		var got Paged[Subject]
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		var ids []uint32
		for _, s := range got.Data {
			if s.TotalEpisodes != 0 {
				t.Errorf("subject %d: total_episodes = %d, want 0", s.ID, s.TotalEpisodes)
			}
			if s.ID == 950001 {
				if diff := cmp.Diff([]string{"browse-b", "browse-a"}, s.MetaTags); diff != "" {
					t.Errorf("meta_tags mismatch (-want +got):\n%s", diff)
				}
			}
			if s.ID >= 950001 {
				ids = append(ids, s.ID)
			}
		}
		// rank 100 before rank 101, ties by id
		want := []uint32{}
		for i := range uint32(25) {
			if i%2 == 0 {
				want = append(want, 950001+i)
			}
		}
		for i := range uint32(25) {
			if i%2 == 1 {
				want = append(want, 950001+i)
			}
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("order mismatch (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct{ query, want string }{
		{"type=0", `400: "0" is not a valid subject type`},
		{"type=x", `400: bad subject type: "x"`},
		{"type=5", `400: "5" is not a valid subject type`},
		{"cat=1", `400: bad subject type: "1"`},
		{"type=2&cat=1001", `400: bad subject category: "1001"`},
		{"type=2&cat=70000", `400: bad subject category: "70000"`},
		{"type=1&series=yes", `strconv: strconv.ParseBool: parsing "yes": invalid syntax`},
		{"type=2&series=yes&platform=x&sort=x", `unknown sort: x`},
		{"type=2&year=20x", `strconv: strconv.ParseInt: parsing "20x": invalid syntax`},
		{"type=2&year=99999999999", `strconv: strconv.ParseInt: parsing "99999999999": value out of range`},
		{"type=2&year=3001", `invalid year: 3001`},
		{"type=2&month=0", `invalid month: 0`},
		{"type=2&month=300", `strconv: strconv.ParseInt: parsing "300": value out of range`},
		{"limit=0&type=x", `limit should be greater than zero`},
	} {
		t.Run("Invalid "+tc.query, func(t *testing.T) {
			w := api.do(t, request{method: http.MethodGet, path: "/v0/subjects?" + tc.query})
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400 (body %s)", w.Code, w.Body)
			}
			if got := decodeError(t, w.Body.Bytes()).Description; got != tc.want {
				t.Errorf("description = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzParseBrowse: any query either parses into a filter inside the documented ranges or is
// a 400 with a message, never a panic.
func FuzzParseBrowse(f *testing.F) {
	for _, q := range []string{
		"type=2", "type=1&series=true&cat=1002", "type=4&platform=PC&sort=date", "type=6&year=2022&month=4&sort=rank",
		"type=2&cat=abc", "limit=101", "offset=-1", "type=&cat=1", "year=1899", "month=13", "type=255",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, page, err := parseBrowse(q)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest || strings.TrimSpace(he.msg) == "" {
				t.Fatalf("parseBrowse(%q) error = %v, want a 400 with a message", raw, err)
			}
			return
		}
		if page.Limit < 1 || page.Limit > 100 || page.Offset < 0 {
			t.Errorf("parseBrowse(%q) page = %+v", raw, page)
		}
		if fl.Type != 0 && !subject.ValidType(fl.Type) {
			t.Errorf("parseBrowse(%q) type = %d", raw, fl.Type)
		}
		if fl.Year != 0 && (fl.Year < 1900 || fl.Year > 3000) || fl.Month != 0 && (fl.Month < 1 || fl.Month > 12) {
			t.Errorf("parseBrowse(%q) year/month = %d/%d", raw, fl.Year, fl.Month)
		}
		if fl.Sort > subject.SortRank || fl.Series != nil && fl.Type != subject.TypeBook || fl.Platform != "" && fl.Type != subject.TypeGame {
			t.Errorf("parseBrowse(%q) filter = %+v", raw, fl)
		}
	})
}
