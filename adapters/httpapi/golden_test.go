package httpapi

import (
	"bufio"
	"encoding/json"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goldenDir holds bangumi's recorded answers (shared with the other engineers, never copied).
var goldenDir = filepath.Join("..", "..", "..", "shared", "golden")

type goldenRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Family  string            `json:"family"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Ignore  []string          `json:"ignore"`
}

type goldenAnswer struct {
	ID           string          `json:"id"`
	Status       int             `json:"status"`
	ContentType  string          `json:"content_type"`
	Location     string          `json:"location"`
	CacheControl string          `json:"cache_control"`
	JSON         json.RawMessage `json:"json"`
	Text         *string         `json:"text"`
}

type goldenCase struct {
	goldenRequest
	want goldenAnswer
}

func loadGolden(tb testing.TB) []goldenCase {
	tb.Helper()
	answers := map[string]goldenAnswer{}
	readLines(tb, filepath.Join(goldenDir, "expected.jsonl"), func(line []byte) {
		var a goldenAnswer
		if err := json.Unmarshal(line, &a); err != nil {
			tb.Fatal(err)
		}
		answers[a.ID] = a
	})
	var cases []goldenCase
	readLines(tb, filepath.Join(goldenDir, "corpus.jsonl"), func(line []byte) {
		var r goldenRequest
		if err := json.Unmarshal(line, &r); err != nil {
			tb.Fatal(err)
		}
		a, ok := answers[r.ID]
		if !ok {
			tb.Fatalf("no golden answer for %s", r.ID)
		}
		cases = append(cases, goldenCase{r, a})
	})
	if len(cases) == 0 {
		tb.Fatal("empty golden corpus")
	}
	return cases
}

func readLines(tb testing.TB, path string, fn func([]byte)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("golden data: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) > 0 {
			fn(sc.Bytes())
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}

// goldenExact are the successful answers the test fixture reproduces in full; every other
// successful answer is compared on status and headers only (its body needs the whole dev
// dataset, and TestGolden_BodiesMatchOpenAPI checks its shape). Error answers are always
// compared in full.
var goldenExact = map[string]bool{
	"subj-get-redirect-18": true, "subj-get-redirect-3": true, "subj-get-redirect-3625": true,
	"subj-img-1-small": true, "subj-img-1-medium": true,
	"subj-persons-1": true, "subj-chars-1": true, "subj-subjects-1": true, "subj-subjects-3": true,
	"crt-get-redirect-202": true, "crt-get-nsfw-old": true, "crt-get-nsfw-other": true,
	"crt-img-nsfw-anon": true, "crt-subjects-nsfw-anon": true,
	"crt-persons-46": true, "crt-persons-6": true, "crt-persons-55-redirect": true,
	"prsn-get-redirect-10": true, "prsn-subjects-4": true, "prsn-subjects-2": true, "prsn-subjects-3269": true,
	"prsn-chars-3": true, "prsn-chars-2": true,
	"ucol-list-treehole2-empty": true, "ucol-list-treehole2-empty-offset1": true,
	"ucrt-get-user1-3": true, "uprsn-list-user4": true,
	"misc-options-subject":  true,
	"w-crt-old-before-list": true, "w-crt-old-post": true, "w-crt-old-after-get": true, "w-crt-old-after-list": true,
	"w-crt-old-post-again": true, "w-crt-old-after-delete-get": true,
	"w-prsn-young-post": true, "w-prsn-young-after-get": true, "w-prsn-young-after-list": true,
	"w-prsn-young-post-again": true, "w-prsn-young-after-delete-get": true,
	"w-edge-crt-redirect-55": true, "w-edge-crt-nsfw-young": true,
	"z-nsfw-subj-16-subjects-old": true, "z-nsfw-subj-363612-chars-old": true, "z-nsfw-subj-363612-persons-old": true,
}

// TestGolden replays bangumi's recorded requests in order (writes included) against the
// in-memory fixture and compares the answers.
func TestGolden(t *testing.T) {
	api := newTestAPI(t)
	for _, c := range loadGolden(t) {
		t.Run(c.ID, func(t *testing.T) {
			req := request{method: c.Method, path: c.Path, headers: map[string]string{}}
			for k, v := range c.Headers {
				if k == "User-Agent" && v == "" {
					req.noUA = true
					continue
				}
				req.headers[k] = v
			}
			w := api.do(t, req)
			got := goldenAnswer{
				Status:       w.Code,
				Location:     w.Header().Get("Location"),
				CacheControl: w.Header().Get("Cache-Control"),
			}
			if ct := w.Header().Get("Content-Type"); ct != "" {
				got.ContentType, _, _ = mime.ParseMediaType(ct)
			}
			want := c.want
			if diff := cmp.Diff(
				[]any{want.Status, want.ContentType, want.Location, want.CacheControl},
				[]any{got.Status, got.ContentType, got.Location, got.CacheControl},
			); diff != "" {
				t.Fatalf("status, content type, location, cache-control mismatch (-want +got):\n%s\nbody: %s", diff, w.Body.String())
			}
			if want.Status == http.StatusOK && !goldenExact[c.ID] {
				return
			}
			if want.Text != nil {
				if diff := cmp.Diff(*want.Text, w.Body.String()); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
				return
			}
			wantJSON, gotJSON := decodeJSON(t, want.JSON), decodeJSON(t, w.Body.Bytes())
			for _, p := range c.Ignore {
				wantJSON, gotJSON = dropPath(wantJSON, strings.Split(p, ".")), dropPath(gotJSON, strings.Split(p, "."))
			}
			if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
				t.Errorf("JSON mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func decodeJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode %q: %v", b, err)
	}
	return v
}

// dropPath removes the value at a dot path ("*" is every key or index).
func dropPath(v any, path []string) any {
	if len(path) == 0 {
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if path[0] != "*" && path[0] != k {
				continue
			}
			if len(path) == 1 {
				delete(t, k)
			} else {
				t[k] = dropPath(e, path[1:])
			}
		}
	case []any:
		for i, e := range t {
			if path[0] == "*" && len(path) > 1 {
				t[i] = dropPath(e, path[1:])
			}
		}
	}
	return v
}

// TestGolden_BodiesMatchOpenAPI checks every recorded answer against /openapi.json, whose
// schemas are closed (no undocumented field) and list every field as required: together with
// the handler responses validated in every test, it pins the response shapes to bangumi's.
func TestGolden_BodiesMatchOpenAPI(t *testing.T) {
	api := newTestAPI(t)
	for _, c := range loadGolden(t) {
		if c.want.JSON == nil {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			path, _, _ := strings.Cut(c.Path, "?")
			op, ok := api.validator.find(c.Method, unescapePath(t, path))
			if !ok {
				if c.want.Status != http.StatusNotFound {
					t.Fatalf("no documented operation for %s %s", c.Method, path)
				}
				return // the catch-all 404
			}
			if _, ok := op.responses[itoa(c.want.Status)]; !ok {
				t.Fatalf("%s %s: status %d is not documented", c.Method, op.template, c.want.Status)
			}
			if err := api.validator.validateBody(op, c.want.Status, c.want.JSON); err != nil {
				t.Error(err)
			}
		})
	}
}
