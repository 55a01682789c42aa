package compat_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/domain/timeline"
)

// replayed is one case of the corpus with the answer chii gave.
type replayed struct {
	golden.Case
	Got golden.Response
}

// replay sends every case to api in corpus order (the write sequences depend on it) and calls
// check with each answer inside a subtest named by the case id. Cases of a family on
// golden.Pending are not sent; the tally counts them as pending. It returns the per-family
// tally of the cases that ran (a -run filter may skip some) and how many ran.
func replay(t *testing.T, api *testAPI, cases []golden.Case, check func(t *testing.T, r replayed)) (tally *golden.Tally, ran int) {
	t.Helper()
	client := golden.NewClient()
	tally = &golden.Tally{}
	for _, c := range cases {
		if c.IsPending() {
			tally.AddPending(c.Family)
			continue
		}
		run := false
		passed := t.Run(c.ID, func(t *testing.T) {
			run = true
			req, err := c.NewRequest(t.Context(), api.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := golden.Do(client, req)
			if err != nil {
				t.Fatal(err)
			}
			check(t, replayed{Case: c, Got: got})
		})
		if run {
			ran++
			tally.Add(c.Family, passed)
		}
	}
	return tally, ran
}

// TestCompat replays shared/golden/corpus.jsonl against chii on a fresh copy of the dev dataset
// (plus fixture-adjust.sql) and compares every answer with expected.jsonl as the golden README
// says. Each case is a subtest named by its id; the per-family tally is logged at the end.
func TestCompat(t *testing.T) {
	t.Parallel()
	cases, err := golden.LoadCases(golden.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	api := startAPI(t, apiOptions{})
	tally, ran := replay(t, api, cases, func(t *testing.T, r replayed) {
		for _, problem := range r.Check(r.Got) {
			t.Errorf("%s %s: %s", r.Method, r.Path, problem)
		}
	})
	if ran == len(cases)-tally.Pending() {
		t.Run("TimelineOfCollects", func(t *testing.T) { checkCollectTimeline(t, api.Timeline.Messages()) })
	}
	for _, line := range tally.Lines() {
		t.Log(line)
	}
}

// checkCollectTimeline checks decision D7 on the corpus' write sequences: each collect that
// added a row published one "mono" message (cat 1 character / 2 person, type 1 collected,
// source 5 API, keyed by the user id); collecting again and failed collects published none.
// The subject collection writes publish theirs (N3: none for a private collection).
func checkCollectTimeline(t *testing.T, msgs []timeline.Message) {
	type mono struct {
		Key                    string
		Op                     string
		UID                    uint32
		Cat, Type              uint8
		ID                     uint32
		Source                 uint8
		HasName, HasCreateTime bool
	}
	want := []mono{
		{"382951", "mono", 382951, 1, 1, 2, 5, true, true},     // w-crt-old-post
		{"900001", "mono", 900001, 2, 1, 1, 5, true, true},     // w-prsn-young-post
		{"318250", "mono", 318250, 1, 1, 55, 5, true, true},    // w-edge-crt-redirect-55
		{"900001", "mono", 900001, 1, 1, 90001, 5, true, true}, // w-edge-crt-nsfw-young
		// the subject collection writes (§5.7): a public collection whose type was set, and
		// a public book's progress; private ones, writes without type or progress and
		// episode marks of no main episode publish nothing
		{Key: "318250", Op: "subject", UID: 318250, Source: 5, HasCreateTime: true},         // scol-w-create-default-post-type-wish
		{Key: "318250", Op: "progressSubject", UID: 318250, Source: 5, HasCreateTime: true}, // scol-w-book-patch-public-ep
	}
	got := make([]mono, 0, len(msgs))
	for _, m := range msgs {
		var env struct {
			Op      string `json:"op"`
			Message struct {
				UID       uint32 `json:"uid"`
				Cat       uint8  `json:"cat"`
				Type      uint8  `json:"type"`
				ID        uint32 `json:"id"`
				Name      string `json:"name"`
				CreatedAt int64  `json:"createdAt"`
				Source    uint8  `json:"source"`
			} `json:"message"`
		}
		if err := json.Unmarshal(m.Value, &env); err != nil {
			t.Fatalf("timeline message %q: %v", m.Value, err)
		}
		e := env.Message
		got = append(got, mono{string(m.Key), env.Op, e.UID, e.Cat, e.Type, e.ID, e.Source, e.Name != "", e.CreatedAt > 0})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline messages of the collects mismatch (-want +got):\n%s", diff)
	}
}
