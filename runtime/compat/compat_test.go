package compat_test

import (
	"testing"

	"github.com/bangumi/chii/runtime/compat"
)

// replayed is one case of the corpus with the answer chii gave.
type replayed struct {
	compat.Case
	Got compat.Response
}

// replay sends every case to api in corpus order (the write sequences depend on it) and calls
// check with each answer inside a subtest named by the case id. It returns the per-family tally
// of the cases that ran (a -run filter may skip some).
func replay(t *testing.T, api *testAPI, cases []compat.Case, check func(t *testing.T, r replayed)) *compat.Tally {
	t.Helper()
	client := compat.NewClient()
	tally := &compat.Tally{}
	for _, c := range cases {
		ran := false
		passed := t.Run(c.ID, func(t *testing.T) {
			ran = true
			req, err := c.NewRequest(t.Context(), api.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := compat.Do(client, req)
			if err != nil {
				t.Fatal(err)
			}
			check(t, replayed{Case: c, Got: got})
		})
		if ran {
			tally.Add(c.Family, passed)
		}
	}
	return tally
}

// TestCompat replays shared/golden/corpus.jsonl against chii on a fresh copy of the dev dataset
// (plus fixture-adjust.sql) and compares every answer with expected.jsonl as the golden README
// says. Each case is a subtest named by its id; the per-family tally is logged at the end.
func TestCompat(t *testing.T) {
	cases, err := compat.LoadCases(goldenDir(t))
	if err != nil {
		t.Fatal(err)
	}
	api := startAPI(t, apiOptions{})
	tally := replay(t, api, cases, func(t *testing.T, r replayed) {
		for _, problem := range r.Check(r.Got) {
			t.Errorf("%s %s: %s", r.Method, r.Path, problem)
		}
	})
	for _, line := range tally.Lines() {
		t.Log(line)
	}
}
