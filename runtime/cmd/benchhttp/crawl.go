package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const requestTimeout = 10 * time.Second

// A sweep kind is an endpoint and the ids it takes: the subject ids are split
// between the two subject endpoints (even and odd offsets), so that no id is
// asked twice and /persons does not find the subject cached by the detail.
type sweepKind struct {
	name   string // route, for the report
	prefix string
	suffix string
	ids    []int
}

func sweepKinds(p crawlPlan) []sweepKind {
	s := p.ranges["subject"]
	var even, odd []int
	for id := s.first; id <= s.last; id++ {
		if (id-s.first)%2 == 0 {
			even = append(even, id)
		} else {
			odd = append(odd, id)
		}
	}
	all := func(r idRange) []int {
		ids := make([]int, 0, r.count())
		for id := r.first; id <= r.last; id++ {
			ids = append(ids, id)
		}
		return ids
	}
	return []sweepKind{
		{"/v0/subjects/{id}", "/v0/subjects/", "", even},
		{"/v0/persons/{id}", "/v0/persons/", "", all(p.ranges["person"])},
		{"/v0/characters/{id}", "/v0/characters/", "", all(p.ranges["character"])},
		{"/v0/subjects/{id}/persons", "/v0/subjects/", "/persons", odd},
	}
}

type job struct {
	kind int
	path string
}

// sweepJobs interleaves the kinds round-robin (a kind whose ids are used up
// drops out) and returns at most limit jobs; every path is distinct.
func sweepJobs(kinds []sweepKind, limit int) []job {
	var jobs []job
	for i := 0; len(jobs) < limit; i++ {
		added := false
		for k, kd := range kinds {
			if i < len(kd.ids) && len(jobs) < limit {
				jobs = append(jobs, job{k, kd.prefix + strconv.Itoa(kd.ids[i]) + kd.suffix})
				added = true
			}
		}
		if !added {
			break
		}
	}
	return jobs
}

type sample struct {
	kind   uint8
	status int // 0: no response (transport error)
	lat    time.Duration
}

type crawlResult struct {
	kinds    []string
	samples  []sample
	planned  int
	elapsed  time.Duration
	timedOut bool // stopped by -duration before the jobs ran out
	firstErr error
}

// crawl sends the sweep's requests to baseURL with workers concurrent
// clients until the jobs (at most requests) are done or duration has passed;
// requests in flight at the deadline finish.
func crawl(ctx context.Context, baseURL string, plan crawlPlan, workers, requests int, duration time.Duration) (crawlResult, error) {
	kinds := sweepKinds(plan)
	jobs := sweepJobs(kinds, requests)
	if len(jobs) == 0 {
		return crawlResult{}, errors.New("the crawl database has no ids to sweep")
	}
	res := crawlResult{planned: len(jobs)}
	for _, k := range kinds {
		res.kinds = append(res.kinds, k.name)
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		MaxConnsPerHost:     workers,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport:     transport,
		Timeout:       requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	per := make([][]sample, workers)
	var timedOut atomic.Bool
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(jobs)) {
					return
				}
				if time.Now().After(deadline) {
					timedOut.Store(true)
					return
				}
				j := jobs[i]
				s, err := get(ctx, client, baseURL+j.path, buf)
				s.kind = uint8(j.kind)
				per[w] = append(per[w], s)
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					if res.firstErr == nil {
						res.firstErr = fmt.Errorf("GET %s: %w", j.path, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.timedOut = timedOut.Load()
	for _, s := range per {
		res.samples = append(res.samples, s...)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

func get(ctx context.Context, client *http.Client, url string, buf []byte) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sample{}, err
	}
	req.Header.Set("User-Agent", userAgent)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return sample{lat: time.Since(start)}, err
	}
	_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
	_ = resp.Body.Close()
	lat := time.Since(start)
	if err != nil {
		return sample{lat: lat}, err
	}
	return sample{status: resp.StatusCode, lat: lat}, nil
}

// tally counts responses by class and holds their latencies.
type tally struct {
	n, ok, notFound, redirect, client4xx, server5xx, errs int
	lats                                                  []time.Duration
}

func (t *tally) add(s sample) {
	t.n++
	t.lats = append(t.lats, s.lat)
	switch {
	case s.status == 0:
		t.errs++
	case s.status >= 200 && s.status < 300:
		t.ok++
	case s.status == http.StatusNotFound:
		t.notFound++
	case s.status >= 300 && s.status < 400:
		t.redirect++
	case s.status >= 400 && s.status < 500:
		t.client4xx++
	default:
		t.server5xx++
	}
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func (r crawlResult) print(out io.Writer, workers int) {
	all := tally{}
	by := make([]tally, len(r.kinds))
	for _, s := range r.samples {
		all.add(s)
		by[s.kind].add(s)
	}
	stop := "all planned requests sent"
	if r.timedOut {
		stop = "stopped by -duration"
	}
	secs := r.elapsed.Seconds()
	fmt.Fprintf(out, "\ncold crawl: %d requests (%d planned, %s) in %.1fs by %d workers: %.0f req/s\n",
		all.n, r.planned, stop, secs, workers, float64(all.n)/secs)
	fmt.Fprintf(out, "%-28s %8s %9s %8s %8s %8s %6s %6s %6s %6s\n",
		"endpoint", "requests", "req/s", "p50 ms", "p99 ms", "2xx", "404", "3xx", "other", "errors")
	row := func(name string, t tally) {
		slices.Sort(t.lats)
		fmt.Fprintf(out, "%-28s %8d %9.0f %8s %8s %8d %6d %6d %6d %6d\n", name, t.n, float64(t.n)/secs,
			ms(percentile(t.lats, 50)), ms(percentile(t.lats, 99)), t.ok, t.notFound, t.redirect, t.client4xx+t.server5xx, t.errs)
	}
	for i, name := range r.kinds {
		row(name, by[i])
	}
	row("all", all)
	fmt.Fprintf(out, "non-2xx: %d — 404 (hidden: NSFW or banned, or no such row) %d, 3xx (merged) %d, other 4xx %d, 5xx %d; transport errors %d\n",
		all.n-all.ok-all.errs, all.notFound, all.redirect, all.client4xx, all.server5xx, all.errs)
	if r.firstErr != nil {
		fmt.Fprintf(out, "first transport error: %v\n", r.firstErr)
	}
}
