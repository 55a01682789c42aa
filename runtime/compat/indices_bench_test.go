package compat_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/bangumi/chii/contracttests/golden"
)

// BenchmarkIndexWrites measures index writes through HTTP on MySQL (bangumi's schema: MyISAM
// index tables), one request at a time and from parallel clients (b.RunParallel, GOMAXPROCS
// goroutines): PUT an index subject (lock, upsert, recount: the relist path, which changes
// nothing after the first request) and POST a collect (lock, idempotent insert, recount). The
// figures are per request; req/s is the throughput.
func BenchmarkIndexWrites(b *testing.B) {
	api := startAPI(b, apiOptions{noCache: true, noRateLimit: true})
	const token = "a_development_access_token" // user 382951, who made index 90009
	for _, w := range []struct{ name, method, path, body string }{
		{"PutSubject", http.MethodPut, "/v0/indices/90009/subjects/8", `{"sort":5,"comment":"bench"}`},
		{"Collect", http.MethodPost, "/v0/indices/90001/collect", ""},
	} {
		// send sends one request; it may run on any goroutine (no b.Fatal).
		send := func(b *testing.B, client *http.Client) error {
			r := golden.Request{Method: w.method, Path: w.path, Headers: map[string]string{"Authorization": "Bearer " + token}}
			if w.body != "" {
				r.Body = json.RawMessage(w.body)
			}
			req, err := r.NewRequest(b.Context(), api.URL)
			if err != nil {
				return err
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s %s: status %d", w.method, w.path, resp.StatusCode)
			}
			return nil
		}
		b.Run(w.name+"/Serial", func(b *testing.B) {
			client := &http.Client{}
			b.ReportAllocs()
			for b.Loop() {
				if err := send(b, client); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		b.Run(w.name+"/Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				client := &http.Client{}
				for pb.Next() {
					if err := send(b, client); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
