package httpapi

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docValidator checks responses against the server's own OpenAPI document. Schemas are made
// strict for the check: OpenAPI's nullable becomes a null type, and every object with declared
// properties refuses others, so a field the document lacks fails the check as well as a field
// the response lacks.
type docValidator struct {
	ops []docOperation
}

type docOperation struct {
	method    string
	template  string
	segments  []string
	responses map[string]docResponse
}

type docResponse struct {
	hasBody bool
	schema  *jsonschema.Schema
	headers []string // the required ones
}

const docComponentsURL = "mem:///components.json"

func newDocValidator(tb testing.TB, doc []byte) *docValidator {
	tb.Helper()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		tb.Fatalf("decode OpenAPI document: %v", err)
	}
	root := raw.(map[string]any)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	defs := map[string]any{}
	for name, s := range asMap(asMap(root["components"])["schemas"]) {
		defs[name] = strictSchema(s)
	}
	if err := c.AddResource(docComponentsURL, map[string]any{"$defs": defs}); err != nil {
		tb.Fatalf("components: %v", err)
	}
	v := &docValidator{}
	n := 0
	for template, item := range asMap(root["paths"]) {
		for method, rawOp := range asMap(item) {
			op := docOperation{
				method: strings.ToUpper(method), template: template,
				segments: strings.Split(template, "/"), responses: map[string]docResponse{},
			}
			for status, rawResp := range asMap(asMap(rawOp)["responses"]) {
				var r docResponse
				for name, h := range asMap(asMap(rawResp)["headers"]) {
					if asMap(h)["required"] == true {
						r.headers = append(r.headers, name)
					}
				}
				content := asMap(asMap(rawResp)["content"])
				if mt, ok := content["application/json"]; ok {
					r.hasBody = true
					n++
					url := "mem:///response/" + strconv.Itoa(n) + ".json"
					if err := c.AddResource(url, strictSchema(asMap(mt)["schema"])); err != nil {
						tb.Fatalf("%s %s %s: %v", method, template, status, err)
					}
					if r.schema, err = c.Compile(url); err != nil {
						tb.Fatalf("%s %s %s: compile: %v", method, template, status, err)
					}
				}
				op.responses[status] = r
			}
			v.ops = append(v.ops, op)
		}
	}
	// The most specific template first: more literal segments win over parameters.
	sort.Slice(v.ops, func(i, j int) bool { return literals(v.ops[i].segments) > literals(v.ops[j].segments) })
	return v
}

func literals(segments []string) int {
	n := 0
	for _, s := range segments {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// strictSchema converts an OpenAPI 3.0 schema to JSON Schema 2020-12 and closes its objects.
func strictSchema(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = strictSchema(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			switch k {
			case "$ref":
				out[k] = strings.Replace(e.(string), "#/components/schemas/", docComponentsURL+"#/$defs/", 1)
			case "properties", "$defs":
				props := map[string]any{}
				for name, p := range asMap(e) {
					props[name] = strictSchema(p)
				}
				out[k] = props
			case "example", "nullable":
			default:
				out[k] = strictSchema(e)
			}
		}
		if _, ok := t["properties"]; ok {
			if _, set := t["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		if t["nullable"] == true {
			if typ, ok := out["type"].(string); ok {
				out["type"] = []any{typ, "null"}
				if enum, ok := out["enum"].([]any); ok {
					out["enum"] = append(append([]any(nil), enum...), nil)
				}
			} else {
				out = map[string]any{"anyOf": []any{map[string]any{"type": "null"}, out}}
			}
		}
		return out
	default:
		return v
	}
}

// errNoOperation: the document does not describe the request (catch-all 404, preflight).
var errNoOperation = fmt.Errorf("no documented operation")

// validate checks one response of method path. HEAD is checked as GET without a body.
func (v *docValidator) validate(method, path string, status int, header http.Header, body []byte) error {
	head := method == http.MethodHead
	if head {
		method = http.MethodGet
	}
	op, ok := v.find(method, path)
	if !ok {
		return errNoOperation
	}
	r, ok := op.responses[strconv.Itoa(status)]
	if !ok {
		return fmt.Errorf("%s %s: status %d is not documented", method, op.template, status)
	}
	for _, h := range r.headers {
		if header.Get(h) == "" {
			return fmt.Errorf("%s %s %d: documented header %s is missing", method, op.template, status, h)
		}
	}
	if head {
		if len(body) != 0 {
			return fmt.Errorf("HEAD %s: response has a body", path)
		}
		return nil
	}
	if !r.hasBody {
		if len(body) != 0 {
			return fmt.Errorf("%s %s %d: documented without a body, got %q", method, op.template, status, body)
		}
		return nil
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%s %s %d: content type %q, want application/json", method, op.template, status, header.Get("Content-Type"))
	}
	return v.validateBody(op, status, body)
}

func (v *docValidator) validateBody(op docOperation, status int, body []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %w", op.method, op.template, status, err)
	}
	if err := op.responses[strconv.Itoa(status)].schema.Validate(inst); err != nil {
		return fmt.Errorf("%s %s %d: %w", op.method, op.template, status, err)
	}
	return nil
}

func (v *docValidator) find(method, path string) (docOperation, bool) {
	segs := strings.Split(path, "/")
	for _, op := range v.ops {
		if op.method != method || len(op.segments) != len(segs) {
			continue
		}
		match := true
		for i, s := range op.segments {
			if strings.HasPrefix(s, "{") {
				if segs[i] == "" {
					match = false
				}
			} else if s != segs[i] {
				match = false
			}
			if !match {
				break
			}
		}
		if match {
			return op, true
		}
	}
	return docOperation{}, false
}
