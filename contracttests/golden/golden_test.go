package golden_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/contracttests/golden"
)

func TestLoadCases(t *testing.T) {
	t.Run("Golden", func(t *testing.T) {
		cases, err := golden.LoadCases(golden.Dir(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) < 100 {
			t.Fatalf("LoadCases() = %d cases, want the whole corpus (>100)", len(cases))
		}
		if cases[0].ID != "subj-get-8" {
			t.Errorf("first case = %q, want subj-get-8 (file order)", cases[0].ID)
		}
		for _, c := range cases {
			if c.Family == "" || c.Want.Status == 0 || c.Want.ID != c.ID {
				t.Errorf("case %q: family %q, status %d, answer %q", c.ID, c.Family, c.Want.Status, c.Want.ID)
			}
		}
	})

	write := func(t *testing.T, corpus, expected string) string {
		t.Helper()
		dir := t.TempDir()
		for name, text := range map[string]string{"corpus.jsonl": corpus, "expected.jsonl": expected} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("PendingFamiliesAndTheirGroups", func(t *testing.T) {
		// A write sequence whose write is not served yet: the read before it is binding,
		// the read after it waits for the write's issue; another group is not touched.
		const patch, issue = "PATCH /v0/users/-/collections/{subject_id}", 13
		lines := []struct{ id, method, family, group string }{
			{"before", "GET", "GET /v0/users/{username}/collections/{subject_id}", "g"},
			{"write", "PATCH", patch, "g"},
			{"after", "GET", "GET /v0/users/{username}/collections/{subject_id}", "g"},
			{"other", "GET", "GET /v0/users/{username}/collections/{subject_id}", "h"},
			{"loose", "GET", "GET /v0/users/{username}/collections/{subject_id}", ""},
		}
		var corpus, expected strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&corpus, `{"id":%q,"method":%q,"path":"/v0/x","family":%q,"group":%q}`+"\n", l.id, l.method, l.family, l.group)
			fmt.Fprintf(&expected, `{"id":%q,"method":%q,"path":"/v0/x","status":200,"text":""}`+"\n", l.id, l.method)
		}
		cases, err := golden.LoadCases(write(t, corpus.String(), expected.String()))
		if err != nil {
			t.Fatal(err)
		}
		for i := range cases {
			cases[i].PendingIssue = 0
		}
		golden.MarkPending(cases, map[string]int{patch: issue})
		got := map[string]int{}
		for _, c := range cases {
			got[c.ID] = c.PendingIssue
		}
		want := map[string]int{"before": 0, "write": issue, "after": issue, "other": 0, "loose": 0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("PendingIssue mismatch (-want +got):\n%s", diff)
		}
	})

	const req = `{"id":"a","method":"GET","path":"/v0/x","family":"f"}` + "\n"
	for _, tc := range []struct {
		name, corpus, expected, wantErr string
	}{
		{"MissingAnswer", req, "", `no answer for "a"`},
		{"PathDiffers", req, `{"id":"a","method":"GET","path":"/v0/y","status":200,"text":""}`, "expected.jsonl answers GET /v0/y"},
		{"JSONAndText", req, `{"id":"a","method":"GET","path":"/v0/x","status":200,"text":"","json":{}}`, "exactly one of json and text"},
		{"NeitherJSONNorText", req, `{"id":"a","method":"GET","path":"/v0/x","status":200}`, "exactly one of json and text"},
		{"UnknownField", `{"id":"a","method":"GET","path":"/v0/x","family":"f","retries":2}`, `{"id":"a","method":"GET","path":"/v0/x","status":200,"text":""}`, "unknown field"},
		{"ExtraAnswer", req, `{"id":"a","method":"GET","path":"/v0/x","status":200,"text":""}` + "\n" + `{"id":"b","method":"GET","path":"/v0/x","status":200,"text":""}`, "2 answers for 1 requests"},
		{"DuplicateRequest", req + req, `{"id":"a","method":"GET","path":"/v0/x","status":200,"text":""}`, `duplicate id "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := golden.LoadCases(write(t, tc.corpus, tc.expected))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("LoadCases() error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestRequest_NewRequest(t *testing.T) {
	type seen struct {
		Method, URI, ContentType, Body string
		UserAgent                      []string
		Authorization                  string
	}
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{
			Method: r.Method, URI: r.RequestURI, ContentType: r.Header.Get("Content-Type"), Body: string(b),
			UserAgent: r.Header.Values("User-Agent"), Authorization: r.Header.Get("Authorization"),
		}
	}))
	defer srv.Close()

	raw := `{"broken"`
	for _, tc := range []struct {
		name string
		req  golden.Request
		want seen
	}{
		{"DefaultUserAgent", golden.Request{Method: "GET", Path: "/v0/users/%E6%A0%91%E6%B4%9E/collections?limit=1"},
			seen{Method: "GET", URI: "/v0/users/%E6%A0%91%E6%B4%9E/collections?limit=1", UserAgent: []string{golden.UserAgent}}},
		{"EmptyUserAgentSendsNone", golden.Request{Method: "GET", Path: "/v0/subjects/1", Headers: map[string]string{"User-Agent": ""}},
			seen{Method: "GET", URI: "/v0/subjects/1"}},
		{"HeadersSent", golden.Request{Method: "GET", Path: "/v0/subjects/1", Headers: map[string]string{"User-Agent": "python-requests/2.31.0", "Authorization": "Bearer t"}},
			seen{Method: "GET", URI: "/v0/subjects/1", UserAgent: []string{"python-requests/2.31.0"}, Authorization: "Bearer t"}},
		{"JSONBody", golden.Request{Method: "PUT", Path: "/v0/subjects/1", Body: json.RawMessage(`{"name":"x"}`)},
			seen{Method: "PUT", URI: "/v0/subjects/1", ContentType: "application/json", Body: `{"name":"x"}`, UserAgent: []string{golden.UserAgent}}},
		{"RawBodyVerbatim", golden.Request{Method: "POST", Path: "/v0/x", BodyRaw: &raw},
			seen{Method: "POST", URI: "/v0/x", Body: raw, UserAgent: []string{golden.UserAgent}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = seen{}
			req, err := tc.req.NewRequest(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := golden.Do(golden.NewClient(), req); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request on the wire mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDo_DoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			w.Header().Set("Location", "/b")
			w.WriteHeader(http.StatusFound)
		}
	}))
	defer srv.Close()
	req, err := golden.Request{Method: "GET", Path: "/a"}.NewRequest(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := golden.Do(golden.NewClient(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusFound || resp.Header.Get("Location") != "/b" {
		t.Errorf("Do() = %d Location %q, want 302 /b", resp.Status, resp.Header.Get("Location"))
	}
}

func TestDiffJSON(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got string
		ignore    []string
		ties      map[string]string
		equal     bool
	}{
		{"KeyOrderFree", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, nil, nil, true},
		{"ArrayOrderMatters", `{"b":[1,2]}`, `{"b":[2,1]}`, nil, nil, false},
		{"NumbersByValue", `{"a":1,"b":100}`, `{"a":1.0,"b":1e2}`, nil, nil, true},
		{"NumbersDiffer", `{"a":1}`, `{"a":2}`, nil, nil, false},
		{"NullIsNotMissing", `{"a":null}`, `{}`, nil, nil, false},
		{"StringIsNotNumber", `{"a":"1"}`, `{"a":1}`, nil, nil, false},
		{"IgnoreTopLevel", `{"created_at":"x","a":1}`, `{"created_at":"y","a":1}`, []string{"created_at"}, nil, true},
		{"IgnoreDoesNotHideOthers", `{"created_at":"x","a":1}`, `{"created_at":"y","a":2}`, []string{"created_at"}, nil, false},
		{"IgnoredKeyMustExist", `{"created_at":"x","a":1}`, `{"a":1}`, []string{"created_at"}, nil, false},
		{"IgnoreStarIndex", `{"data":[{"t":"x","id":1},{"t":"y","id":2}]}`, `{"data":[{"t":"z","id":1},{"t":"w","id":2}]}`, []string{"data.*.t"}, nil, true},
		{"IgnoreStarKeepsOrder", `{"data":[{"t":"x","id":1},{"t":"y","id":2}]}`, `{"data":[{"t":"x","id":2},{"t":"y","id":1}]}`, []string{"data.*.t"}, nil, false},
		{"IgnoreNumericIndex", `{"data":[{"t":"x"},{"t":"y"}]}`, `{"data":[{"t":"q"},{"t":"y"}]}`, []string{"data.0.t"}, nil, true},
		{"IgnoreNumericIndexOnly", `{"data":[{"t":"x"},{"t":"y"}]}`, `{"data":[{"t":"x"},{"t":"q"}]}`, []string{"data.0.t"}, nil, false},
		{"IgnoreAnyDepth", `{"t":1,"a":{"b":[{"t":2}]}}`, `{"t":3,"a":{"b":[{"t":4}]}}`, []string{"**.t"}, nil, true},
		{"IgnoreAnyDepthOnlyThatKey", `{"a":{"b":[{"t":2,"u":1}]}}`, `{"a":{"b":[{"t":4,"u":2}]}}`, []string{"**.t"}, nil, false},
		{"IgnoreWholeSubtree", `{"a":{"x":1},"b":1}`, `{"a":[2,3],"b":1}`, []string{"a"}, nil, true},
		{"TiesRunAnyOrder", `{"data":[{"d":1,"id":1},{"d":1,"id":2},{"d":2,"id":3}]}`, `{"data":[{"d":1,"id":2},{"d":1,"id":1},{"d":2,"id":3}]}`, nil, map[string]string{"data": "d"}, true},
		{"TiesRunsKeepOrder", `{"data":[{"d":1,"id":1},{"d":2,"id":2}]}`, `{"data":[{"d":2,"id":2},{"d":1,"id":1}]}`, nil, map[string]string{"data": "d"}, false},
		{"TiesRunIsMultiset", `{"data":[{"d":1,"id":1},{"d":1,"id":1}]}`, `{"data":[{"d":1,"id":1},{"d":1,"id":2}]}`, nil, map[string]string{"data": "d"}, false},
		{"TiesOnlyWithinEqualKeys", `{"data":[{"d":1,"id":1},{"d":2,"id":2},{"d":1,"id":3}]}`, `{"data":[{"d":1,"id":3},{"d":2,"id":2},{"d":1,"id":1}]}`, nil, map[string]string{"data": "d"}, false},
		{"TiesNestedKey", `[{"s":{"d":1},"id":1},{"s":{"d":1},"id":2}]`, `[{"s":{"d":1},"id":2},{"s":{"d":1},"id":1}]`, nil, map[string]string{"": "s.d"}, true},
		{"TiesEmptyKeyWholeArray", `[3,1,2]`, `[1,2,3]`, nil, map[string]string{"": ""}, true},
		{"TiesEmptyKeySameItems", `[3,1,2]`, `[1,2,2]`, nil, map[string]string{"": ""}, false},
		{"TiesOtherArraysKeepOrder", `{"data":[1,2],"x":[1,2]}`, `{"data":[2,1],"x":[2,1]}`, nil, map[string]string{"data": ""}, false},
		{"TiesWithIgnoredField", `{"data":[{"d":1,"id":1,"t":"a"},{"d":1,"id":2,"t":"b"}]}`, `{"data":[{"d":1,"id":2,"t":"x"},{"d":1,"id":1,"t":"y"}]}`, []string{"data.*.t"}, map[string]string{"data": "d"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff, err := golden.DiffJSON([]byte(tc.want), []byte(tc.got), tc.ignore, tc.ties)
			if err != nil {
				t.Fatal(err)
			}
			if (diff == "") != tc.equal {
				t.Errorf("DiffJSON(%s, %s, %q) = %q, want equal=%v", tc.want, tc.got, tc.ignore, diff, tc.equal)
			}
		})
	}

	for _, tc := range []struct{ name, got string }{
		{"NotJSON", `<html>`},
		{"Empty", ``},
		{"TrailingData", `{"a":1} {"a":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := golden.DiffJSON([]byte(`{"a":1}`), []byte(tc.got), nil, nil); err == nil {
				t.Errorf("DiffJSON(%q) error = nil, want one", tc.got)
			}
		})
	}
}

func TestCase_Check(t *testing.T) {
	text := func(s string) *string { return &s }
	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	jsonCase := golden.Case{Want: golden.Expected{
		Status: 200, ContentType: "application/json", CacheControl: "public, max-age=300", JSON: json.RawMessage(`{"id":1,"created_at":"x"}`),
	}, Request: golden.Request{Ignore: []string{"created_at"}}}
	redirect := golden.Case{Want: golden.Expected{Status: 302, Location: "/v0/subjects/19", Text: text("")}}

	for _, tc := range []struct {
		name string
		c    golden.Case
		got  golden.Response
		want []string // substrings, one per expected problem
	}{
		{"JSONMatches", jsonCase, golden.Response{200, header("Content-Type", "application/json; charset=utf-8", "Cache-Control", "public, max-age=300"), []byte(`{"created_at":"y","id":1}`)}, nil},
		{"MediaTypeCaseAndParamsFree", jsonCase, golden.Response{200, header("Content-Type", "Application/JSON;charset=UTF-8", "Cache-Control", "public, max-age=300"), []byte(`{"created_at":"y","id":1}`)}, nil},
		{"StatusDiffers", jsonCase, golden.Response{404, header("Content-Type", "application/json", "Cache-Control", "public, max-age=300"), []byte(`{"created_at":"y","id":1}`)}, []string{"status = 404, want 200"}},
		{"CacheControlMissing", jsonCase, golden.Response{200, header("Content-Type", "application/json"), []byte(`{"created_at":"y","id":1}`)}, []string{`Cache-Control = "", want "public, max-age=300"`}},
		{"ContentTypeDiffers", jsonCase, golden.Response{200, header("Content-Type", "text/plain", "Cache-Control", "public, max-age=300"), []byte(`{"created_at":"y","id":1}`)}, []string{`content type = "text/plain", want "application/json"`}},
		{"BodyDiffers", jsonCase, golden.Response{200, header("Content-Type", "application/json", "Cache-Control", "public, max-age=300"), []byte(`{"created_at":"y","id":2}`)}, []string{"json mismatch"}},
		{"BodyNotJSON", jsonCase, golden.Response{200, header("Content-Type", "application/json", "Cache-Control", "public, max-age=300"), []byte(`nope`)}, []string{"body is not JSON"}},
		{"RedirectMatches", redirect, golden.Response{302, header("Location", "/v0/subjects/19"), nil}, nil},
		{"RedirectWithBody", redirect, golden.Response{302, header("Location", "/v0/subjects/19", "Content-Type", "text/html; charset=utf-8"), []byte("<a href=\"/v0/subjects/19\">Found</a>.\n\n")},
			[]string{`content type = "text/html", want ""`, "body = "}},
		{"UnexpectedCacheControl", redirect, golden.Response{302, header("Location", "/v0/subjects/19", "Cache-Control", "no-store"), nil}, []string{`Cache-Control = "no-store", want ""`}},
		{"WrongLocation", redirect, golden.Response{302, header("Location", "/v0/subjects/18"), nil}, []string{`Location = "/v0/subjects/18", want "/v0/subjects/19"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := tc.c.Check(tc.got)
			if len(problems) != len(tc.want) {
				t.Fatalf("Check() = %q, want %d problems like %q", problems, len(tc.want), tc.want)
			}
			for i, p := range problems {
				if !strings.Contains(p, tc.want[i]) {
					t.Errorf("Check() problem %d = %q, want it to contain %q", i, p, tc.want[i])
				}
			}
		})
	}
}

func TestTally_Lines(t *testing.T) {
	const pending = "PATCH /v0/x"
	tally := golden.Tally{Issues: map[string]int{pending: 13}}
	tally.Add("GET /b", true)
	tally.Add("GET /a", false)
	tally.Add("GET /b", true)
	tally.Add("GET /b", false)
	tally.AddPending(pending)
	tally.AddPending(pending)
	tally.AddPending("GET /a")
	want := []string{"GET /b: 2 passed, 1 failed", "GET /a: 0 passed, 1 failed, 1 pending",
		pending + ": 2 pending (issue 13)", "total: 2 passed, 2 failed, 3 pending"}
	if diff := cmp.Diff(want, tally.Lines()); diff != "" {
		t.Errorf("Lines() mismatch (-want +got):\n%s", diff)
	}
}
