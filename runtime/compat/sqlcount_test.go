package compat_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/runtime/compat"
)

// listLen returns the length of the body's list: the body itself when it is an array, else
// its "data" array (paged envelope).
func listLen(tb testing.TB, body []byte) int {
	tb.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		tb.Fatalf("body is not JSON: %v", err)
	}
	switch t := v.(type) {
	case []any:
		return len(t)
	case map[string]any:
		if data, ok := t["data"].([]any); ok {
			return len(data)
		}
	}
	tb.Fatalf("body has no list: %.200s", body)
	return 0
}

// TestSQLStatements_NoNPlusOne shows that every read endpoint runs the same number of SQL
// statements for a short list (one item) and a long one: related lists are hydrated with a
// constant number of queries, not one per item. The handler runs without a cache, so every
// request reaches MySQL; requests are anonymous (no token lookup).
//
// Each endpoint must also run exactly the number of statements of its row in ARCHITECTURE.md
// ("SQL statements per endpoint"): what a cache miss costs. A change that adds a statement
// fails here; one that saves a statement updates the table and that section.
func TestSQLStatements_NoNPlusOne(t *testing.T) {
	t.Parallel()
	api := startAPI(t, apiOptions{noCache: true})

	// The dev dataset has no person with a single cast and no user with many person (or
	// existing character) collections: add them to this test's own database.
	for _, stmt := range []string{
		"INSERT INTO chii_crt_cast_index (rlt_type, crt_id, prsn_id, subject_id, subject_type_id, summary) VALUES (0, 1, 2, 8, 2, '')",
		"INSERT INTO chii_person_collects (prsn_clt_cat, prsn_clt_mid, prsn_clt_uid, prsn_clt_dateline) " +
			"SELECT 'prsn', prsn_id, 1, 1600000000 + prsn_id FROM chii_persons WHERE prsn_id > 1 ORDER BY prsn_id LIMIT 20",
		"INSERT INTO chii_person_collects (prsn_clt_cat, prsn_clt_mid, prsn_clt_uid, prsn_clt_dateline) " +
			"SELECT 'crt', crt_id, 2, 1600000000 + crt_id FROM chii_characters ORDER BY crt_id LIMIT 20",
	} {
		if _, err := api.DB.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name        string
		short, long string // paths answering a list of one item and of several
		want        int    // statements of each request
		token       string // the viewer's access token; "" for anonymous
	}{
		// the subject, then its credits ⟕ persons
		{"SubjectPersons", "/v0/subjects/6/persons", "/v0/subjects/12/persons", 2, ""},
		// the subject, then its appearances ⟕ characters ⟕ casts ⟕ persons
		{"SubjectCharacters", "/v0/subjects/14/characters", "/v0/subjects/12/characters", 2, ""},
		// the subject, then its relations ⋈ subjects
		{"SubjectRelations", "/v0/subjects/10/subjects", "/v0/subjects/8/subjects", 2, ""},
		// the character, then its appearances ⋈ subjects
		{"CharacterSubjects", "/v0/characters/36/subjects", "/v0/characters/3/subjects", 2, ""},
		// the character, then its casts ⟕ persons ⟕ subjects ⟕ appearances
		{"CharacterPersons", "/v0/characters/90001/persons", "/v0/characters/1/persons", 2, ""},
		// the person, then its credits ⋈ subjects
		{"PersonSubjects", "/v0/persons/19/subjects", "/v0/persons/1/subjects", 2, ""},
		// the person, then its casts ⟕ characters ⟕ subjects ⟕ appearances
		{"PersonCharacters", "/v0/persons/2/characters", "/v0/persons/1/characters", 2, ""},
		// the user, the count, the page, the page's subjects
		{"UserSubjectCollections", "/v0/users/382951/collections?limit=1", "/v0/users/382951/collections?limit=30", 4, ""},
		{"UserSubjectCollectionsByType", "/v0/users/382951/collections?subject_type=2&limit=1", "/v0/users/382951/collections?subject_type=2&limit=30", 4, ""},
		// the user, the count, the page, the page's characters or persons
		{"UserCharacterCollections", "/v0/users/2/collections/-/characters?limit=1", "/v0/users/2/collections/-/characters?limit=30", 4, ""},
		{"UserPersonCollections", "/v0/users/1/collections/-/persons?limit=1", "/v0/users/1/collections/-/persons?limit=30", 4, ""},
		// the count, then the page ⟕ creators
		{"SubjectRevisions", "/v0/revisions/subjects?subject_id=8&limit=1", "/v0/revisions/subjects?subject_id=8", 2, ""},
		{"CharacterRevisions", "/v0/revisions/characters?character_id=1&limit=1", "/v0/revisions/characters?character_id=1", 2, ""},
		{"PersonRevisions", "/v0/revisions/persons?person_id=1&limit=1", "/v0/revisions/persons?person_id=1", 2, ""},
		{"EpisodeRevisions", "/v0/revisions/episodes?episode_id=522&limit=1", "/v0/revisions/episodes?episode_id=522", 2, ""},
		// the index ⟕ creator (its NSFW flag a subquery), the count, the page ⟕ subjects ⟕ fields
		{"IndexSubjects", "/v0/indices/90001/subjects?limit=1", "/v0/indices/90001/subjects", 3, ""},
		{"IndexSubjectsByType", "/v0/indices/90001/subjects?type=2&limit=1", "/v0/indices/90001/subjects?type=2", 3, ""},
		// the count, the page, the page's meta tags
		{"BrowseSubjects", "/v0/subjects?type=2&limit=1", "/v0/subjects?type=2", 3, ""},
		{"BrowseSubjectsByDate", "/v0/subjects?type=6&sort=date&limit=1", "/v0/subjects?type=6&sort=date&limit=50", 3, ""},
		// the subject, the count, the page (its first main episode a subquery)
		{"Episodes", "/v0/episodes?subject_id=8&limit=1", "/v0/episodes?subject_id=8", 3, ""},
		{"EpisodesByType", "/v0/episodes?subject_id=253&type=3&limit=1", "/v0/episodes?subject_id=253&type=3", 3, ""},
		// the token and its member (the viewer, not cached in this test), then the subject, the
		// viewer's marks, the count, the page
		{"OwnEpisodeMarks", "/v0/users/-/collections/2703/episodes?limit=1", "/v0/users/-/collections/2703/episodes", 6, "a_development_access_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			measure := func(path string) (items int, c compat.Counts) {
				t.Helper()
				do(t, api.URL, http.MethodGet, path, tc.token) // warm up: open the pool's connection outside the count
				api.Counter.Reset()
				resp := do(t, api.URL, http.MethodGet, path, tc.token)
				c = api.Counter.Counts()
				if resp.Status != http.StatusOK {
					t.Fatalf("GET %s = %d %.300s", path, resp.Status, resp.Body)
				}
				return listLen(t, resp.Body), c
			}
			nShort, short := measure(tc.short)
			nLong, long := measure(tc.long)
			t.Logf("%s: %d item(s) → %d statements; %s: %d items → %d statements",
				tc.short, nShort, short.Statements(), tc.long, nLong, long.Statements())
			if nShort != 1 || nLong < 2 {
				t.Fatalf("lists of %d and %d items, want 1 and several: the case no longer measures anything", nShort, nLong)
			}
			if short.Statements() == 0 {
				t.Fatalf("GET %s ran no statement: is the counter wired to the handler's pool?", tc.short)
			}
			if short.Statements() != long.Statements() || short.Prepares != long.Prepares {
				t.Errorf("statements grow with the list (N+1): %d (%d prepared) for 1 item, %d (%d prepared) for %d items\nshort:\n  %s\nlong:\n  %s",
					short.Statements(), short.Prepares, long.Statements(), long.Prepares, nLong,
					strings.Join(short.SQL, "\n  "), strings.Join(long.SQL, "\n  "))
			}
			wantStatements(t, tc.long, long, tc.want)
		})
	}

	// Endpoints that answer one entity: the same count whatever the entity.
	for _, tc := range []struct {
		name  string
		a, b  string
		want  int
		token string // the viewer's access token; "" for anonymous
	}{
		// the subject, then its episode count and meta tags together
		{"Subject", "/v0/subjects/6", "/v0/subjects/12", 2, ""},
		{"Character", "/v0/characters/36", "/v0/characters/1", 1, ""},
		{"Person", "/v0/persons/19", "/v0/persons/1", 1, ""},
		// the user, the collection, its subject
		{"UserSubjectCollection", "/v0/users/382951/collections/8", "/v0/users/382951/collections/9", 3, ""},
		// the member
		{"User", "/v0/users/382951", "/v0/users/treehole2", 1, ""},
		// the revision ⟕ creator (⋈ its text)
		{"SubjectRevision", "/v0/revisions/subjects/3574", "/v0/revisions/subjects/48260", 1, ""},
		{"CharacterRevision", "/v0/revisions/characters/1198747", "/v0/revisions/characters/114512", 1, ""},
		{"PersonRevision", "/v0/revisions/persons/1142797", "/v0/revisions/persons/8", 1, ""},
		{"EpisodeRevision", "/v0/revisions/episodes/122788", "/v0/revisions/episodes/1196265", 1, ""},
		// the index ⟕ creator, its NSFW flag a subquery
		{"Index", "/v0/indices/90001", "/v0/indices/90005", 1, ""},
		// the episode (its subject's first main episode a subquery), its subject
		{"Episode", "/v0/episodes/522", "/v0/episodes/744206", 2, ""},
		// the token and its member, the episode, its subject, the viewer's marks
		{"OwnEpisodeMark", "/v0/users/-/collections/-/episodes/1087180", "/v0/users/-/collections/-/episodes/522", 5, "a_development_access_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var counts [2]compat.Counts
			for i, path := range []string{tc.a, tc.b} {
				do(t, api.URL, http.MethodGet, path, tc.token)
				api.Counter.Reset()
				resp := do(t, api.URL, http.MethodGet, path, tc.token)
				if resp.Status != http.StatusOK {
					t.Fatalf("GET %s = %d %.300s", path, resp.Status, resp.Body)
				}
				counts[i] = api.Counter.Counts()
			}
			t.Logf("%s → %d statements; %s → %d statements", tc.a, counts[0].Statements(), tc.b, counts[1].Statements())
			if counts[0].Statements() == 0 || counts[0].Statements() != counts[1].Statements() {
				t.Errorf("statement counts %d and %d, want equal and non-zero", counts[0].Statements(), counts[1].Statements())
			}
			for i, path := range []string{tc.a, tc.b} {
				wantStatements(t, path, counts[i], tc.want)
			}
		})
	}

	// A merged subject answers its redirect after reading the subject only.
	t.Run("MergedSubject", func(t *testing.T) {
		const path = "/v0/subjects/18"
		get(t, api.URL, path)
		api.Counter.Reset()
		resp := get(t, api.URL, path)
		if resp.Status != http.StatusFound {
			t.Fatalf("GET %s = %d, want 302 (the dataset's merged subject)", path, resp.Status)
		}
		wantStatements(t, path, api.Counter.Counts(), 1)
	})

	// An avatar redirect reads the member only.
	t.Run("UserAvatar", func(t *testing.T) {
		const path = "/v0/users/382951/avatar?type=large"
		get(t, api.URL, path)
		api.Counter.Reset()
		resp := get(t, api.URL, path)
		if resp.Status != http.StatusFound {
			t.Fatalf("GET %s = %d, want 302", path, resp.Status)
		}
		wantStatements(t, path, api.Counter.Counts(), 1)
	})

	// /v0/me reads the member; without a cache (this test's server) the token's lookup adds
	// its two statements (the token, its member: auth.md §3), which the server caches 10 min.
	t.Run("Me", func(t *testing.T) {
		const path = "/v0/me"
		req := golden.Request{Method: http.MethodGet, Path: path, Headers: map[string]string{"Authorization": "Bearer parity_treehole2_token"}}
		do := func() golden.Response {
			r, err := req.NewRequest(t.Context(), api.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := golden.Do(golden.NewClient(), r)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		do()
		api.Counter.Reset()
		if resp := do(); resp.Status != http.StatusOK {
			t.Fatalf("GET %s = %d %.300s", path, resp.Status, resp.Body)
		}
		wantStatements(t, path, api.Counter.Counts(), 1+2)
	})
}

// wantStatements fails t unless the request to path ran want statements.
func wantStatements(t *testing.T, path string, c compat.Counts, want int) {
	t.Helper()
	if c.Statements() != want {
		t.Errorf("GET %s ran %d statements, want %d:\n  %s", path, c.Statements(), want, strings.Join(c.SQL, "\n  "))
	}
}
