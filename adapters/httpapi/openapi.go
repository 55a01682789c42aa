package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi3"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
)

// Security schemes, named as in bangumi's document.
const (
	securityOptional = "OptionalHTTPBearer"
	securityRequired = "HTTPBearer"
)

// openAPIDocument reflects the OpenAPI 3 document of routes from their request and
// response types.
func openAPIDocument(routes []route) ([]byte, error) {
	r := openapi3.NewReflector()
	r.JSONSchemaReflector().DefaultOptions = append(r.JSONSchemaReflector().DefaultOptions,
		jsonschema.InterceptDefName(defName),
		// The API never emits null for a list: every slice is made before it is encoded.
		jsonschema.InterceptNullability(func(p jsonschema.InterceptNullabilityParams) {
			if p.NullAdded && p.Type.Kind() == reflect.Slice {
				p.Schema.RemoveType(jsonschema.Null)
			}
		}),
	)

	spec := r.SpecEns()
	spec.Info.
		WithTitle("Bangumi API").
		WithVersion("v0").
		WithDescription("bangumi 番组计划的 /v0 公开 API（chii 实现）。\n\n" +
			"所有请求都必须带有非 HTTP 库默认值的 User-Agent。" +
			"错误响应的内容统一为 ErrorDetail；请求过多时返回 429。")
	for _, t := range []string{tagSubject, tagCharacter, tagPerson, tagCollection, tagMeta} {
		spec.Tags = append(spec.Tags, openapi3.Tag{Name: t})
	}
	spec.ComponentsEns().SecuritySchemesEns().
		WithMapOfSecuritySchemeOrRefValuesItem(securityOptional, openapi3.SecuritySchemeOrRef{
			SecurityScheme: &openapi3.SecurityScheme{HTTPSecurityScheme: (&openapi3.HTTPSecurityScheme{}).
				WithScheme("Bearer").
				WithDescription("可选的 access token：未登录也能访问，但看不到 NSFW 内容和他人的私有收藏；" +
					"无效或过期的 token 返回 401，不会被当作未登录。")},
		}).
		WithMapOfSecuritySchemeOrRefValuesItem(securityRequired, openapi3.SecuritySchemeOrRef{
			SecurityScheme: &openapi3.SecurityScheme{OAuth2SecurityScheme: (&openapi3.OAuth2SecurityScheme{}).
				WithDescription("必需的 access token（Authorization: Bearer <token>），写操作会检查 scope。").
				WithFlows(openapi3.OAuthFlows{AuthorizationCode: &openapi3.AuthorizationCodeOAuthFlow{
					AuthorizationURL: "/oauth/authorize",
					TokenURL:         "/oauth/access_token",
					Scopes:           map[string]string{auth.ScopeWriteCollection: "修改收藏（含收藏目录）", index.ScopeWrite: "创建与修改目录"},
				}})},
		})

	for _, rt := range routes {
		if err := addOperation(r, rt); err != nil {
			return nil, fmt.Errorf("%s %s: %w", rt.method, rt.path, err)
		}
	}
	doc, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return doc, nil
}

// defName names a schema after its Go type without the package; an instance of a generic
// type is named like bangumi's document does (Paged[UserSubjectCollection] → Paged_UserSubjectCollection).
func defName(t reflect.Type, name string) string {
	if t.Name() == "" {
		return name
	}
	base, arg, generic := strings.Cut(t.Name(), "[")
	base = strings.ToUpper(base[:1]) + base[1:]
	if !generic {
		return base
	}
	arg = strings.TrimSuffix(arg, "]")
	return base + "_" + arg[strings.LastIndexByte(arg, '.')+1:]
}

func addOperation(r *openapi3.Reflector, rt route) error {
	oc, err := r.NewOperationContext(rt.method, rt.path)
	if err != nil {
		return err
	}
	d := rt.doc
	oc.SetID(d.id)
	oc.SetTags(d.tag)
	oc.SetSummary(d.summary)
	if d.description != "" {
		oc.SetDescription(d.description)
	}
	v0 := strings.HasPrefix(rt.path, "/v0/")
	if v0 {
		switch {
		case rt.scope != "":
			oc.AddSecurity(securityRequired, rt.scope)
		case rt.login:
			oc.AddSecurity(securityRequired)
		default:
			oc.AddSecurity(securityOptional)
		}
	}
	if d.request != nil {
		oc.AddReqStructure(d.request)
	}
	conditional := v0 && rt.method == http.MethodGet && d.success.status == http.StatusOK
	if conditional {
		oc.AddReqStructure(conditionalRequest{})
		d.success.etag = true
		oc.AddRespStructure(nil, openapi.WithHTTPStatus(http.StatusNotModified), func(cu *openapi.ContentUnit) {
			cu.Description = "未修改：If-None-Match 含有当前的 ETag，没有响应体"
			cu.Customize = func(cor openapi.ContentOrReference) {
				resp := cor.(*openapi3.ResponseOrRef).Response
				resp.Headers = setHeader(resp.Headers, "ETag", etagDescription, true, `"3q2-7wEjVHm3o0vK6w5TjA"`)
			}
		})
	}
	addResponse(oc, d.success)
	if d.redirect.status != 0 {
		addResponse(oc, d.redirect)
	}
	for _, e := range errorResponses(rt) {
		body := exampleError(rt, e)
		oc.AddRespStructure(ErrorDetail{}, openapi.WithHTTPStatus(e.status), func(cu *openapi.ContentUnit) {
			cu.Description = e.description
			cu.Customize = func(cor openapi.ContentOrReference) {
				resp := cor.(*openapi3.ResponseOrRef).Response
				mt := resp.Content["application/json"]
				var ex any = body
				mt.Example = &ex
				resp.Content["application/json"] = mt
			}
		})
	}
	return r.AddOperation(oc)
}

// conditionalRequest documents the validator a GET may send.
type conditionalRequest struct {
	IfNoneMatch string `header:"If-None-Match" description:"之前响应的 ETag（可用逗号分隔多个，或 *）；与当前 ETag 相同时响应 304"`
}

const etagDescription = "响应体的强校验值（内容的哈希），内容改变时随之改变"

func addResponse(oc openapi.OperationContext, res response) {
	oc.AddRespStructure(res.body, openapi.WithHTTPStatus(res.status), func(cu *openapi.ContentUnit) {
		cu.Description = res.description
		cu.Customize = func(cor openapi.ContentOrReference) {
			resp := cor.(*openapi3.ResponseOrRef).Response
			if res.cache != 0 {
				description := "可被公共缓存的时长"
				if res.cacheSFW {
					description = "可被公共缓存的时长；仅在内容不是 NSFW 时发送"
				}
				resp.Headers = setHeader(resp.Headers, "Cache-Control", description, !res.cacheSFW,
					"public, max-age="+strconv.Itoa(res.cache))
			}
			if res.location != "" {
				resp.Headers = setHeader(resp.Headers, "Location", res.location, true, nil)
			}
			if res.etag {
				resp.Headers = setHeader(resp.Headers, "ETag", etagDescription, true, `"3q2-7wEjVHm3o0vK6w5TjA"`)
			}
		}
	})
}

func setHeader(h map[string]openapi3.HeaderOrRef, name, description string, required bool, example any) map[string]openapi3.HeaderOrRef {
	if h == nil {
		h = map[string]openapi3.HeaderOrRef{}
	}
	header := openapi3.Header{
		Description: &description,
		Required:    &required,
		Schema:      &openapi3.SchemaOrRef{Schema: (&openapi3.Schema{}).WithType(openapi3.SchemaTypeString)},
	}
	if example != nil {
		header.Example = &example
	}
	h[name] = openapi3.HeaderOrRef{Header: &header}
	return h
}

// errorResponses are the route's own error responses plus those every route can give.
func errorResponses(rt route) []errorResponse {
	out := append([]errorResponse(nil), rt.doc.errors...)
	has := func(status int) bool {
		for _, e := range out {
			if e.status == status {
				return true
			}
		}
		return false
	}
	common := []errorResponse{
		{http.StatusForbidden, "User-Agent 为空或为 HTTP 库的默认值", msgLibraryUserAgent},
		{http.StatusInternalServerError, "服务器内部错误", msgInternal},
	}
	if strings.HasPrefix(rt.path, "/v0/") {
		common = append(common,
			errorResponse{http.StatusUnauthorized, "Authorization 头格式错误，或 access token 无效、已过期",
				"access token has been expired or doesn't exist"},
			errorResponse{http.StatusTooManyRequests, "请求过于频繁（此时没有 details）", msgRateLimited},
			errorResponse{http.StatusServiceUnavailable, "数据库等依赖不可用或过慢，请按 Retry-After 稍后重试", msgUnavailable},
		)
	}
	for _, e := range common {
		if !has(e.status) {
			out = append(out, e)
		}
	}
	return out
}

// exampleError is an example body of e on route rt.
func exampleError(rt route, e errorResponse) ErrorDetail {
	if e.status == http.StatusTooManyRequests {
		return ErrorDetail{Title: msgRateLimitedTitle, Description: msgRateLimited}
	}
	body := ErrorDetail{
		Title:       http.StatusText(e.status),
		Description: e.example,
		Details:     &ErrorRequest{Path: examplePath(rt.path), Method: rt.method},
	}
	if e.status == http.StatusInternalServerError {
		body.Details.Error = "dial tcp 127.0.0.1:3306: connect: connection refused"
	}
	return body
}

var examplePathParams = strings.NewReplacer(
	"{subject_id}", "8", "{character_id}", "1", "{person_id}", "1", "{username}", "sai",
)

func examplePath(pattern string) string { return examplePathParams.Replace(pattern) }

func itoa(n int) string { return strconv.Itoa(n) }
