package compat_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bangumi/chii/runtime/compat"
)

const testOpenAPI30 = `{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://api.example.org/"}],
  "paths": {
    "/v0/things/{id}": {
      "get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "302": {"description": "merged", "headers": {"Location": {"required": true, "schema": {"type": "string"}}, "X-Opt": {"schema": {"type": "string"}}}},
        "4XX": {"$ref": "#/components/responses/Error"}
      }}
    },
    "/v0/users/{name}/things/{id}": {
      "get": {"responses": {"default": {"description": "any", "content": {"application/json": {"schema": {"type": "object", "required": ["user"]}}}}}}
    },
    "/v0/users/{name}/things/-": {
      "get": {"responses": {"200": {"description": "list", "content": {"application/json": {"schema": {"type": "array"}}}}}}
    },
    "/v0/things/{id}/collect": {
      "post": {"responses": {"204": {"description": "done"}}}
    }
  },
  "components": {
    "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
    "schemas": {
      "Thing": {"type": "object", "required": ["id", "name", "score", "owner"], "properties": {
        "id": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
        "name": {"type": "string", "nullable": true},
        "kind": {"type": "string", "enum": ["a", "b"], "nullable": true},
        "score": {"type": "number", "maximum": 10, "exclusiveMaximum": false},
        "owner": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Owner"}]},
        "tags": {"type": "array", "items": {"type": "string"}}
      }},
      "Owner": {"type": "object", "required": ["uid"], "properties": {"uid": {"type": "integer"}}},
      "Error": {"type": "object", "required": ["title", "description"], "properties": {"title": {"type": "string"}, "description": {"type": "string"}}}
    }
  }
}`

const testOpenAPI31 = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "paths": {"/v0/things/{id}": {"get": {"responses": {"200": {"description": "ok",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}},
  "components": {"schemas": {"Thing": {"type": "object", "required": ["name"], "properties": {
    "name": {"type": ["string", "null"]}, "id": {"type": "integer", "exclusiveMinimum": 0}}}}}
}`

func TestValidator_Validate(t *testing.T) {
	v30, err := compat.NewValidator([]byte(testOpenAPI30))
	if err != nil {
		t.Fatal(err)
	}
	v31, err := compat.NewValidator([]byte(testOpenAPI31))
	if err != nil {
		t.Fatal(err)
	}
	const thing = `{"id":1,"name":"x","kind":"a","score":10,"owner":{"uid":2},"tags":["t"]}`
	for _, tc := range []struct {
		name        string
		v           *compat.Validator
		method      string
		path        string
		status      int
		contentType string
		location    string
		body        string
		wantRoute   string
		wantErr     string // "" valid; else a substring of the error
	}{
		{"Valid", v30, "GET", "/v0/things/1?x=1", 200, "application/json; charset=utf-8", "", thing, "GET /v0/things/{id}", ""},
		{"NullableValues", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"name":null,"kind":null,"score":1.5,"owner":null}`, "GET /v0/things/{id}", ""},
		{"NullNotAllowed", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"name":"x","score":null,"owner":null}`, "GET /v0/things/{id}", "score"},
		{"EnumChecked", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"name":"x","kind":"c","score":1,"owner":null}`, "GET /v0/things/{id}", "kind"},
		{"ExclusiveMinimum", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":0,"name":"x","score":1,"owner":null}`, "GET /v0/things/{id}", "id"},
		{"InclusiveMaximum", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"name":"x","score":10.5,"owner":null}`, "GET /v0/things/{id}", "score"},
		{"RefChecked", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"name":"x","score":1,"owner":{"uid":"2"}}`, "GET /v0/things/{id}", "uid"},
		{"MissingRequired", v30, "GET", "/v0/things/1", 200, "application/json", "", `{"id":1,"score":1,"owner":null}`, "GET /v0/things/{id}", "name"},
		{"BodyNotJSON", v30, "GET", "/v0/things/1", 200, "application/json", "", `{`, "GET /v0/things/{id}", "not JSON"},
		{"WrongContentType", v30, "GET", "/v0/things/1", 200, "text/html", "", thing, "GET /v0/things/{id}", "content type"},
		{"EmptyBodyDocumentedJSON", v30, "GET", "/v0/things/1", 200, "", "", ``, "GET /v0/things/{id}", "empty body"},
		{"RedirectWithoutLocation", v30, "GET", "/v0/things/1", 302, "", "", ``, "GET /v0/things/{id}", "required header Location"},
		{"RedirectWithoutBody", v30, "GET", "/v0/things/1", 302, "", "/v0/things/2", ``, "GET /v0/things/{id}", ""},
		{"RedirectWithUndocumentedBody", v30, "GET", "/v0/things/1", 302, "text/html", "/v0/things/2", `<a>`, "GET /v0/things/{id}", "content type"},
		{"StatusClassViaResponseRef", v30, "GET", "/v0/things/1", 404, "application/json", "", `{"title":"Not Found","description":"x"}`, "GET /v0/things/{id}", ""},
		{"StatusClassInvalidBody", v30, "GET", "/v0/things/1", 400, "application/json", "", `{"title":"Bad Request"}`, "GET /v0/things/{id}", "description"},
		{"UndocumentedStatus", v30, "GET", "/v0/things/1", 500, "application/json", "", `{}`, "GET /v0/things/{id}", "status 500 is not documented"},
		{"Default", v30, "GET", "/v0/users/u/things/2", 503, "application/json", "", `{"user":1}`, "GET /v0/users/{name}/things/{id}", ""},
		{"LiteralSegmentWins", v30, "GET", "/v0/users/u/things/-", 200, "application/json", "", `[]`, "GET /v0/users/{name}/things/-", ""},
		{"NoContent", v30, "POST", "/v0/things/1/collect", 204, "", "", ``, "POST /v0/things/{id}/collect", ""},
		{"UTF8Path", v30, "GET", "/v0/users/%E6%A0%91/things/-", 200, "application/json", "", `[]`, "GET /v0/users/{name}/things/-", ""},
		{"31TypeArray", v31, "GET", "/v0/things/1", 200, "application/json", "", `{"name":null,"id":1}`, "GET /v0/things/{id}", ""},
		{"31ExclusiveMinimum", v31, "GET", "/v0/things/1", 200, "application/json", "", `{"name":"x","id":0}`, "GET /v0/things/{id}", "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := http.Header{}
			if tc.contentType != "" {
				header.Set("Content-Type", tc.contentType)
			}
			if tc.location != "" {
				header.Set("Location", tc.location)
			}
			route, err := tc.v.Validate(tc.method, tc.path, tc.status, header, []byte(tc.body))
			if route != tc.wantRoute {
				t.Errorf("Validate() route = %q, want %q", route, tc.wantRoute)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() error = %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}

	for _, tc := range []struct{ name, method, path string }{
		{"UnknownPath", "GET", "/v0/unknown"},
		{"WrongMethod", "PUT", "/v0/things/1"},
		{"TrailingSlash", "GET", "/v0/things/"},
		{"ExtraSegment", "GET", "/v0/things/1/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v30.Validate(tc.method, tc.path, 404, http.Header{"Content-Type": {"application/json"}}, []byte(`{}`)); !errors.Is(err, compat.ErrNoOperation) {
				t.Errorf("Validate(%s %s) error = %v, want ErrNoOperation", tc.method, tc.path, err)
			}
		})
	}
}

func TestNewValidator_Rejects(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"NotJSON", `openapi: 3.0.0`},
		{"Swagger2", `{"swagger":"2.0","paths":{}}`},
		{"UnresolvedResponseRef", `{"openapi":"3.0.0","paths":{"/a":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}}}}`},
		{"UnresolvedSchemaRef", `{"openapi":"3.0.0","paths":{"/a":{"get":{"responses":{"200":{"description":"x","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := compat.NewValidator([]byte(tc.doc)); err == nil {
				t.Error("NewValidator() error = nil, want one")
			}
		})
	}
}
