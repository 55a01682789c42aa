package searchrt_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/bleveindex"
	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/runtime/server"
)

// BenchmarkSearchAPI measures three representative searches through the whole request path
// (router, middleware, query, embedded index, one MySQL read of the hits, JSON) over a real
// HTTP connection, on the dev dataset: a CJK keyword, a Latin keyword with a filter, and a
// placeholder query with a tag filter sorted by rank. It reports p50 and p99 latency (µs)
// and requests per second of one client.
func BenchmarkSearchAPI(b *testing.B) {
	_, db := testenv.MySQL(b, testenv.WithData())
	ix, err := bleveindex.Open("")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	a := server.MySQLAdapters(db)
	a.Search = ix
	build(b, indexerOn(db, ix))
	srv := httptest.NewServer(server.NewAPI(a, server.APIOptions{Logger: discard()}))
	b.Cleanup(srv.Close)

	for _, q := range []struct{ name, path, body string }{
		{"CJKKeyword", "/v0/search/subjects", `{"keyword":"鲁路修"}`},
		{"LatinKeywordWithFilter", "/v0/search/subjects", `{"keyword":"code geass","filter":{"type":[2],"rating":[">=6"]}}`},
		{"PlaceholderTagSortRank", "/v0/search/subjects?limit=20", `{"sort":"rank","filter":{"tag":["TV"],"nsfw":false}}`},
	} {
		b.Run(q.name, func(b *testing.B) {
			client := &http.Client{}
			var lat []time.Duration
			start := time.Now()
			for b.Loop() {
				req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, srv.URL+q.path, strings.NewReader(q.body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("User-Agent", golden.UserAgent)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: status %d", q.name, resp.StatusCode)
				}
			}
			elapsed := time.Since(start)
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()), "p99-µs")
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		})
	}
}
