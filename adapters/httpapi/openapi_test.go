package httpapi

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Summary     string                `json:"summary"`
		Tags        []string              `json:"tags"`
		Security    []map[string][]string `json:"security"`
		Parameters  []struct {
			Name     string `json:"name"`
			In       string `json:"in"`
			Required bool   `json:"required"`
		} `json:"parameters"`
		Responses map[string]struct {
			Description string `json:"description"`
			Content     map[string]struct {
				Schema  map[string]any `json:"schema"`
				Example any            `json:"example"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
}

func loadDoc(t *testing.T, api *testAPI) openAPIDoc {
	t.Helper()
	w := api.get(t, "/openapi.json")
	var doc openAPIDoc
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

var pathParamPattern = regexp.MustCompile(`\{([^}]+)\}`)

func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	api := newTestAPI(t)
	doc := loadDoc(t, api)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi = %q, want 3.0.x", doc.OpenAPI)
	}
	var want, got []string
	for _, rt := range (&server{}).routes() {
		want = append(want, rt.method+" "+rt.path)
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			got = append(got, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documented operations mismatch (-routes +document):\n%s", diff)
	}

	for _, rt := range (&server{}).routes() {
		op := doc.Paths[rt.path][strings.ToLower(rt.method)]
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) != 1 {
				t.Errorf("operation id %q, summary %q, tags %v: all are required", op.OperationID, op.Summary, op.Tags)
			}
			// Every path parameter is documented, required.
			var params []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					if !p.Required {
						t.Errorf("path parameter %s is not required", p.Name)
					}
					params = append(params, p.Name)
				}
			}
			var wantParams []string
			for _, m := range pathParamPattern.FindAllStringSubmatch(rt.path, -1) {
				wantParams = append(wantParams, m[1])
			}
			sort.Strings(params)
			sort.Strings(wantParams)
			if diff := cmp.Diff(wantParams, params, cmpEmpty); diff != "" {
				t.Errorf("path parameters mismatch (-want +got):\n%s", diff)
			}
			statuses := []string{}
			for status, r := range op.Responses {
				statuses = append(statuses, status)
				if r.Description == "" {
					t.Errorf("response %s has no description", status)
				}
				if status >= "400" {
					mt, ok := r.Content["application/json"]
					if !ok || mt.Schema["$ref"] != "#/components/schemas/ErrorDetail" || mt.Example == nil {
						t.Errorf("error response %s: want the ErrorDetail schema with an example, got %+v", status, r.Content)
					}
				}
			}
			must := []string{"403", "500"}
			if strings.HasPrefix(rt.path, "/v0/") {
				must = append(must, "401", "429")
				wantSecurity := "OptionalHTTPBearer"
				if rt.scope != "" || rt.login {
					wantSecurity = "HTTPBearer"
				}
				if len(op.Security) != 1 || op.Security[0][wantSecurity] == nil {
					t.Errorf("security = %v, want %s", op.Security, wantSecurity)
				}
			}
			for _, s := range must {
				if !slices.Contains(statuses, s) {
					t.Errorf("response %s is not documented (have %v)", s, statuses)
				}
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("nilIsEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

// TestOpenAPI_OperationIDsMatchBangumi keeps the operation ids of bangumi's published document,
// so generated clients keep their method names.
func TestOpenAPI_OperationIDsMatchBangumi(t *testing.T) {
	official := officialOperationIDs(t)
	doc := loadDoc(t, newTestAPI(t))
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			want, ok := official[strings.ToUpper(method)+" "+path]
			if !ok {
				continue
			}
			n++
			if op.OperationID != want {
				t.Errorf("%s %s: operationId %q, bangumi's is %q", method, path, op.OperationID, want)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d operations are in bangumi's document; want every /v0 route", n)
	}
}

// officialOperationIDs reads "METHOD path" → operationId from bangumi's v0.yaml.
func officialOperationIDs(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "reference", "openapi", "v0.yaml"))
	if err != nil {
		t.Fatalf("reference document: %v", err)
	}
	defer f.Close()
	var (
		pathLine   = regexp.MustCompile(`^  "(/[^"]+)":\s*$`)
		methodLine = regexp.MustCompile(`^    (get|post|put|patch|delete):\s*$`)
		idLine     = regexp.MustCompile(`^      operationId:\s*(\S+)\s*$`)
		path, verb string
		out        = map[string]string{}
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := pathLine.FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := methodLine.FindStringSubmatch(line); m != nil {
			verb = strings.ToUpper(m[1])
		} else if m := idLine.FindStringSubmatch(line); m != nil {
			out[verb+" "+path] = m[1]
		}
	}
	if len(out) == 0 {
		t.Fatal("no operation found in v0.yaml")
	}
	return out
}

// TestDocValidator_RejectsWrongShapes proves the response check can fail: a missing field, an
// extra field, a null where none is allowed and a wrong type are all refused.
func TestDocValidator_RejectsWrongShapes(t *testing.T) {
	api := newTestAPI(t)
	good := api.get(t, "/v0/characters/1").Body.Bytes()
	op, ok := api.validator.find(http.MethodGet, "/v0/characters/1")
	if !ok {
		t.Fatal("GET /v0/characters/{character_id} is not documented")
	}
	if err := api.validator.validateBody(op, http.StatusOK, good); err != nil {
		t.Fatalf("a real response fails: %v", err)
	}
	mutations := map[string]func(m map[string]any){
		"MissingField":     func(m map[string]any) { delete(m, "stat") },
		"ExtraField":       func(m map[string]any) { m["extra"] = 1 },
		"NullList":         func(m map[string]any) { m["infobox"] = nil },
		"WrongType":        func(m map[string]any) { m["id"] = "1" },
		"NullNotNullable":  func(m map[string]any) { m["name"] = nil },
		"BadGender":        func(m map[string]any) { m["gender"] = "other" },
		"NestedExtraField": func(m map[string]any) { m["images"].(map[string]any)["huge"] = "" },
		"InfoboxObject":    func(m map[string]any) { m["infobox"] = []any{map[string]any{"key": "a", "value": map[string]any{}}} },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			b, _ := json.Marshal(m)
			if err := api.validator.validateBody(op, http.StatusOK, b); err == nil {
				t.Errorf("accepted %s", b)
			}
		})
	}
	t.Run("UndocumentedStatus", func(t *testing.T) {
		if err := api.validator.validate(http.MethodGet, "/v0/characters/1", http.StatusTeapot, http.Header{}, nil); err == nil {
			t.Error("accepted an undocumented status")
		}
	})
	t.Run("MissingRequiredHeader", func(t *testing.T) {
		if err := api.validator.validate(http.MethodGet, "/v0/persons/1/image", http.StatusFound, http.Header{}, nil); err == nil {
			t.Error("accepted a redirect without Location")
		}
	})
}
