package compat_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/bangumi/chii/contracttests/golden"
	"github.com/bangumi/chii/runtime/compat"
)

// paramName matches a path parameter of a route template, whatever its name.
var paramName = regexp.MustCompile(`\{[^}]*\}`)

// TestOpenAPI_Responses replays the golden corpus (as TestCompat does, on its own fresh
// database) and validates every answer against the server's own /openapi.json: the status
// must be documented for the route, its required headers (Location of a redirect) present,
// and a JSON body must match the route's schema for it.
// Requests of a documented route family must resolve to that route; requests no operation
// describes (the catch-all 404s and the CORS preflight of the misc family) are listed, not
// validated.
func TestOpenAPI_Responses(t *testing.T) {
	t.Parallel()
	cases, err := golden.LoadCases(golden.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	api := startAPI(t, apiOptions{})

	doc := get(t, api.URL, "/openapi.json")
	if doc.Status != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d %s", doc.Status, doc.Body)
	}
	v, err := compat.NewValidator(doc.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Validate(http.MethodGet, "/openapi.json", doc.Status, doc.Header, doc.Body); err != nil {
		t.Errorf("GET /openapi.json does not validate against itself: %v", err)
	}

	// The pending list is exact: each family on it is in the corpus, and the server documents
	// (serves) none of them; every other family must resolve to its route in the replay below.
	inCorpus := map[string]bool{}
	for _, c := range cases {
		inCorpus[c.Family] = true
		if _, listed := golden.Pending[c.Family]; !listed {
			continue // a served family (its later cases in a pending write sequence wait too)
		}
		path, _, _ := strings.Cut(c.Path, "?")
		if route, err := v.Validate(c.Method, path, c.Want.Status, http.Header{}, nil); !errors.Is(err, compat.ErrNoOperation) {
			t.Errorf("family %s is on golden.Pending but the server documents %s for %s: remove it from the list", c.Family, route, c.ID)
		}
	}
	for family := range golden.Pending {
		if !inCorpus[family] {
			t.Errorf("golden.Pending names %q, which no corpus line has", family)
		}
	}

	var undocumented []string
	var mismatches int
	tally, _ := replay(t, api, cases, func(t *testing.T, r replayed) {
		route, err := v.Validate(r.Method, r.Path, r.Got.Status, r.Got.Header, r.Got.Body)
		if errors.Is(err, compat.ErrNoOperation) {
			if r.Family != "misc" {
				t.Errorf("%s %s (family %s): no operation of /openapi.json matches", r.Method, r.Path, r.Family)
				return
			}
			undocumented = append(undocumented, r.ID+" ("+r.Method+" "+r.Path+")")
			return
		}
		if r.Family != "misc" && paramName.ReplaceAllString(route, "{}") != paramName.ReplaceAllString(r.Family, "{}") {
			t.Errorf("%s %s (family %s) resolved to route %s", r.Method, r.Path, r.Family, route)
		}
		if err != nil {
			mismatches++
			t.Errorf("route %s, status %d: %v", route, r.Got.Status, err)
		}
	})
	for _, line := range tally.Lines() {
		t.Log(line)
	}
	t.Logf("%d schema mismatches; %d responses without a documented operation: %q", mismatches, len(undocumented), undocumented)
}
