package compat

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bangumi/chii/contracttests/golden"
)

// ErrNoOperation is returned by Validator.Validate for a method and path the document does not
// describe (the catch-all 404, CORS preflights): there is nothing to validate against.
var ErrNoOperation = errors.New("no documented operation")

// Validator checks responses against an OpenAPI 3.0 or 3.1 document. Schemas are converted
// to JSON Schema 2020-12 (3.0's nullable, boolean exclusiveMinimum/Maximum) and compiled with
// santhosh-tekuri/jsonschema; formats are annotations only.
type Validator struct {
	ops []operation
}

type operation struct {
	method    string
	template  string
	segments  []string
	responses map[string]response // by status key: "200", "2XX", "default"
}

type response struct {
	// media types the response documents (lower case); empty for a body-less response.
	mediaTypes []string
	// schema of the JSON media type; nil when none is documented.
	schema *jsonschema.Schema
	// headers the response must have (documented with required: true).
	requiredHeaders []string
}

const componentsURL = "mem:///openapi/components.json"

// NewValidator compiles the response schemas of doc (an OpenAPI document in JSON).
func NewValidator(doc []byte) (*Validator, error) {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("openapi: decode: %w", err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("openapi: document is not an object")
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("openapi: unsupported version %q", v)
	}

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	components := object(object(root["components"])["schemas"])
	defs := make(map[string]any, len(components))
	for name, s := range components {
		defs[name] = convertSchema(s)
	}
	if err := c.AddResource(componentsURL, map[string]any{"$defs": defs}); err != nil {
		return nil, fmt.Errorf("openapi: components: %w", err)
	}

	prefix := serverPrefix(root)
	v := &Validator{}
	paths := object(root["paths"])
	templates := make([]string, 0, len(paths))
	for t := range paths {
		templates = append(templates, t)
	}
	sort.Strings(templates)
	n := 0
	for _, t := range templates {
		item := object(paths[t])
		for _, method := range []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			full := prefix + t
			o := operation{method: strings.ToUpper(method), template: full, segments: strings.Split(full, "/"), responses: map[string]response{}}
			for status, r := range object(op["responses"]) {
				r, err := resolveResponse(root, r)
				if err != nil {
					return nil, fmt.Errorf("openapi: %s %s %s: %w", o.method, t, status, err)
				}
				var res response
				for mt, media := range object(r["content"]) {
					mt = golden.MediaType(mt)
					res.mediaTypes = append(res.mediaTypes, mt)
					s, ok := object(media)["schema"]
					if !isJSONMediaType(mt) || !ok {
						continue
					}
					loc := fmt.Sprintf("mem:///openapi/response/%d.json", n)
					n++
					if err := c.AddResource(loc, convertSchema(s)); err != nil {
						return nil, fmt.Errorf("openapi: %s %s %s: %w", o.method, t, status, err)
					}
					if res.schema, err = c.Compile(loc); err != nil {
						return nil, fmt.Errorf("openapi: %s %s %s: compile: %w", o.method, t, status, err)
					}
				}
				sort.Strings(res.mediaTypes)
				for name, h := range object(r["headers"]) {
					if required, _ := object(h)["required"].(bool); required {
						res.requiredHeaders = append(res.requiredHeaders, name)
					}
				}
				sort.Strings(res.requiredHeaders)
				o.responses[strings.ToUpper(status)] = res
			}
			v.ops = append(v.ops, o)
		}
	}
	return v, nil
}

// Validate checks one response: its status must be documented for the operation that serves
// method and path (a path with its query), the headers documented as required must be present,
// a body must have a documented media type, and a JSON body must match the documented schema. It returns the operation's route ("GET
// /v0/subjects/{subject_id}"), or ErrNoOperation when no documented operation matches.
func (v *Validator) Validate(method, path string, status int, header http.Header, body []byte) (string, error) {
	op, ok := v.match(method, path)
	if !ok {
		return "", ErrNoOperation
	}
	route := op.method + " " + op.template
	code := strconv.Itoa(status)
	res, ok := op.responses[code]
	if !ok {
		res, ok = op.responses[code[:1]+"XX"]
	}
	if !ok {
		res, ok = op.responses["DEFAULT"]
	}
	if !ok {
		return route, fmt.Errorf("status %d is not documented", status)
	}
	for _, name := range res.requiredHeaders {
		if header.Get(name) == "" {
			return route, fmt.Errorf("status %d: required header %s is missing", status, name)
		}
	}
	if len(body) == 0 {
		if res.schema != nil {
			return route, fmt.Errorf("status %d: empty body, documented %s", status, strings.Join(res.mediaTypes, ", "))
		}
		return route, nil
	}
	mt := golden.MediaType(header.Get("Content-Type"))
	if !contains(res.mediaTypes, mt) {
		return route, fmt.Errorf("status %d: content type %q, documented %q", status, mt, res.mediaTypes)
	}
	if res.schema == nil || !isJSONMediaType(mt) {
		return route, nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return route, fmt.Errorf("status %d: body is not JSON: %w", status, err)
	}
	if err := res.schema.Validate(inst); err != nil {
		return route, fmt.Errorf("status %d: %w", status, err)
	}
	return route, nil
}

// match finds the operation of method whose template matches path; among several, the one
// whose first differing segment is a literal wins (/collections/-/persons over /collections/{id}).
func (v *Validator) match(method, path string) (operation, bool) {
	p := path
	if u, err := url.Parse(path); err == nil {
		p = u.Path
	}
	segs := strings.Split(p, "/")
	var best *operation
	for i := range v.ops {
		op := &v.ops[i]
		if op.method != method || len(op.segments) != len(segs) {
			continue
		}
		if !segmentsMatch(op.segments, segs) {
			continue
		}
		if best == nil || moreLiteral(op.segments, best.segments) {
			best = op
		}
	}
	if best == nil {
		return operation{}, false
	}
	return *best, true
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

func segmentsMatch(template, segs []string) bool {
	for i, t := range template {
		if isParam(t) {
			if segs[i] == "" {
				return false
			}
		} else if t != segs[i] {
			return false
		}
	}
	return true
}

func moreLiteral(a, b []string) bool {
	for i := range a {
		if pa, pb := isParam(a[i]), isParam(b[i]); pa != pb {
			return !pa
		}
	}
	return false
}

// serverPrefix is the path of the first server URL ("" for "/" or none).
func serverPrefix(root map[string]any) string {
	servers, _ := root["servers"].([]any)
	if len(servers) == 0 {
		return ""
	}
	s, _ := object(servers[0])["url"].(string)
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// resolveResponse follows a response's $ref into #/components/responses.
func resolveResponse(root map[string]any, r any) (map[string]any, error) {
	for range 10 {
		obj := object(r)
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, nil
		}
		name, ok := strings.CutPrefix(ref, "#/components/responses/")
		if !ok {
			return nil, fmt.Errorf("unsupported response $ref %q", ref)
		}
		name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
		if r, ok = object(object(root["components"])["responses"])[name]; !ok {
			return nil, fmt.Errorf("unresolved response $ref %q", ref)
		}
	}
	return nil, errors.New("response $ref cycle")
}

// convertSchema returns an OpenAPI schema as JSON Schema 2020-12: component $refs point into
// the components resource, nullable becomes a null type, boolean exclusive bounds become
// numeric ones. It copies; s is not changed.
func convertSchema(s any) any {
	obj, ok := s.(map[string]any)
	if !ok {
		return s // true/false schemas
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
			m := object(v)
			conv := make(map[string]any, len(m))
			for name, sub := range m {
				conv[name] = convertSchema(sub)
			}
			out[k] = conv
		case "items", "additionalProperties", "not", "contains", "if", "then", "else",
			"propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems":
			if arr, ok := v.([]any); ok { // draft 4 tuple items
				out["prefixItems"] = convertList(arr)
				continue
			}
			out[k] = convertSchema(v)
		case "allOf", "anyOf", "oneOf", "prefixItems":
			arr, _ := v.([]any)
			out[k] = convertList(arr)
		case "$ref":
			ref, _ := v.(string)
			if name, ok := strings.CutPrefix(ref, "#/components/schemas/"); ok {
				ref = componentsURL + "#/$defs/" + name
			}
			out[k] = ref
		case "nullable", "exclusiveMinimum", "exclusiveMaximum", "discriminator", "example", "xml", "externalDocs":
			// handled below or pure annotations of OpenAPI
		default:
			out[k] = v
		}
	}
	for _, b := range [...]struct{ flag, bound string }{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		switch x := obj[b.flag].(type) {
		case bool: // OpenAPI 3.0: a flag on minimum/maximum
			if bound, ok := obj[b.bound]; ok && x {
				out[b.flag] = bound
				delete(out, b.bound)
			}
		case nil:
		default: // 3.1: already numeric
			out[b.flag] = x
		}
	}
	if nullable, _ := obj["nullable"].(bool); nullable {
		return addNull(out)
	}
	return out
}

func convertList(arr []any) []any {
	out := make([]any, len(arr))
	for i, sub := range arr {
		out[i] = convertSchema(sub)
	}
	return out
}

// addNull makes schema s also accept null.
func addNull(s map[string]any) map[string]any {
	if enum, ok := s["enum"].([]any); ok {
		s["enum"] = append(append([]any{}, enum...), nil)
	}
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
		return s
	case []any:
		for _, x := range t {
			if x == "null" {
				return s
			}
		}
		s["type"] = append(append([]any{}, t...), "null")
		return s
	}
	// No type of its own ($ref, allOf...): either null or the schema.
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func isJSONMediaType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
