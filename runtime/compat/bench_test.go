package compat_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bangumi/chii/contracttests/golden"
)

// BenchmarkAPI measures whole requests (router, middleware, use case, MySQL on the dev dataset,
// JSON) through a real HTTP connection: with the server's in-process subject/token cache and
// without it. The figures are per request.
func BenchmarkAPI(b *testing.B) {
	for _, cached := range []bool{true, false} {
		api := startAPI(b, apiOptions{noCache: !cached, noRateLimit: true})
		name := "NoCache"
		if cached {
			name = "Cache"
		}
		for _, path := range []string{
			"/v0/subjects/8",
			"/v0/subjects/12/persons",
			"/v0/subjects/8/characters",
			"/v0/characters/1",
			"/v0/persons/1/characters",
			"/v0/users/382951/collections?limit=30",
			"/v0/revisions/characters?character_id=1",
			"/v0/indices/90001/subjects",
			"/v0/subjects?type=2&sort=rank",
			"/v0/users/382951",
			"/v0/episodes?subject_id=8",
			"/v0/users/-/collections/2703/episodes", // the viewer's own marks: sent with a token
		} {
			b.Run(name+path, func(b *testing.B) {
				var headers map[string]string
				if strings.HasPrefix(path, "/v0/users/-/") {
					headers = map[string]string{"Authorization": "Bearer a_development_access_token"}
				}
				req, err := golden.Request{Method: http.MethodGet, Path: path, Headers: headers}.NewRequest(b.Context(), api.URL)
				if err != nil {
					b.Fatal(err)
				}
				client := &http.Client{}
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("%s: status %d", path, resp.StatusCode)
					}
				}
			})
		}
	}
}

// BenchmarkWrites measures the collection writes through HTTP on MySQL (one request per op, one
// client): a subject collection update (the rate alternates, so each one changes the row, a
// rating bucket pair and the counters) and a batch mark of twelve episodes (the status
// alternates, so each one rewrites the marks).
func BenchmarkWrites(b *testing.B) {
	api := startAPI(b, apiOptions{noRateLimit: true})
	const token = "a_development_access_token" // user 382951, every scope
	send := func(b *testing.B, method, path, body string) {
		req, err := golden.Request{Method: method, Path: path, Body: []byte(body),
			Headers: map[string]string{"Authorization": "Bearer " + token}}.NewRequest(b.Context(), api.URL)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := golden.Do(golden.NewClient(), req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status != http.StatusNoContent {
			b.Fatalf("%s %s: %d %s", method, path, resp.Status, resp.Body)
		}
	}
	send(b, http.MethodPost, "/v0/users/-/collections/8", `{"type":3}`)
	b.Run("SubjectCollectionUpdate", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			send(b, http.MethodPatch, "/v0/users/-/collections/8", fmt.Sprintf(`{"rate":%d,"comment":"bench %d"}`, 1+i%10, i))
		}
	})
	b.Run("EpisodeBatchUpdate12", func(b *testing.B) {
		var ids []string
		rows, err := api.DB.QueryContext(b.Context(), "SELECT ep_id FROM chii_episodes WHERE ep_subject_id = 8 AND ep_ban = 0 ORDER BY ep_sort LIMIT 12")
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, id)
		}
		_ = rows.Close()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			send(b, http.MethodPatch, "/v0/users/-/collections/8/episodes",
				fmt.Sprintf(`{"episode_id":[%s],"type":%d}`, strings.Join(ids, ","), 1+i%2))
		}
	})
}
