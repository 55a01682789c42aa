package compat_test

import (
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
