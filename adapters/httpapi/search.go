package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/swaggest/jsonschema-go"

	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/search"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
)

// The /v0/search endpoints (http-v0.md §6, search spec §1–§4). Bodies are decoded leniently,
// as bangumi does: unknown keys are ignored, the Content-Type is not checked and only the first
// JSON value is read. Answers are rendered for every request (POST: no Cache-Control, no
// response cache).

// msgSearchDisabled is bangumi's answer when no search engine is configured.
const msgSearchDisabled = "search is not enable"

// searchPage documents the query parameters of the search endpoints (the soft helper).
type searchPage struct {
	Limit  int `query:"limit" minimum:"1" default:"10" description:"每页数量，默认 10；大于 20 时按 20 处理（响应中的 limit 为 20），小于 1 时返回 400" example:"10"`
	Offset int `query:"offset" minimum:"0" default:"0" description:"跳过的结果数，默认 0；不检查是否超过 total" example:"0"`
}

// SearchSubjectsBody is the body of POST /v0/search/subjects.
type SearchSubjectsBody struct {
	Keyword string              `json:"keyword" maxLength:"256" description:"关键词，按名称与别名匹配；为空时返回符合筛选条件的全部结果。去掉首尾空白后最多 256 个字符" example:"鲁路修"`
	Sort    string              `json:"sort" enum:"match,heat,rank,score," default:"match" description:"排序：match（默认，按匹配程度）、heat（收藏人数从多到少）、score（评分从高到低）、rank（排名从高到低，没有排名的条目排在所有有排名的条目之后，决定 D5）；其他值返回 400 sort not supported" example:"rank"`
	Filter  SearchSubjectFilter `json:"filter" description:"筛选条件，不同条件之间为「且」；每个条件最多 64 个值"`
}

// SearchSubjectFilter is the filter of a subject search.
type SearchSubjectFilter struct {
	Type        subjectTypeFilter `json:"type"`
	Tag         []string          `json:"tag" maxItems:"64" description:"用户标签，多个值之间为「且」" example:"[\"童年\",\"原创\"]"`
	AirDate     []string          `json:"air_date" maxItems:"64" description:"播出或发售日期，格式为 YYYY-MM-DD，可加前缀 >=、>、<=、<（紧接日期，不能有空格；不加前缀为等于）。多个值之间为「且」" example:"[\">=2020-07-01\",\"<2020-10-01\"]"`
	Rating      []string          `json:"rating" maxItems:"64" description:"评分，格式为运算符（>、<、>=、<=、=）加数字，如 >=6 或 <8.5。多个值之间为「且」" example:"[\">=6\",\"<8\"]"`
	RatingCount []string          `json:"rating_count" maxItems:"64" description:"评分人数，格式为运算符加整数。多个值之间为「且」" example:"[\">=200\",\"<5000\"]"`
	Rank        []string          `json:"rank" maxItems:"64" description:"排名，格式为运算符加整数；没有排名的条目排名为 0，可用 >0 排除。多个值之间为「且」" example:"[\">10\",\"<=18\"]"`
	MetaTags    []string          `json:"meta_tags" maxItems:"64" description:"公共标签（维基标签），多个值之间为「且」；开头的 - 没有特殊含义" example:"[\"原创\",\"TV\"]"`
	NSFW        *bool             `json:"nsfw" description:"NSFW 筛选（决定 D3，条目与角色相同）：不填或 null 时，注册满 60 天的登录用户得到全部结果，其他人只得到非 NSFW 的结果；true 只返回 NSFW 的结果（无权限的用户得到空结果）；false 只返回非 NSFW 的结果"`
}

// subjectTypeFilter holds the type values of a subject filter. Its elements are pointers so
// that a JSON string is refused like any other value that is not an array of integers 0–255
// (a []uint8 would take a string as base64); null elements read as 0, as bangumi's did.
type subjectTypeFilter []*uint8

// PrepareJSONSchema documents the values as plain integers (the schema is a component of its
// own, so the field's description lives here).
func (subjectTypeFilter) PrepareJSONSchema(s *jsonschema.Schema) error {
	item := jsonschema.Schema{}
	item.WithType(jsonschema.Integer.Type()).WithMinimum(0).WithMaximum(255)
	s.Type = nil
	s.WithType(jsonschema.Array.Type()).
		WithItems(*(&jsonschema.Items{}).WithSchemaOrBool(item.ToSchemaOrBool())).
		WithMaxItems(search.MaxFilterValues).
		WithDescription("条目类型（1 书籍、2 动画、3 音乐、4 游戏、6 三次元），多个值之间为「或」；每个值必须是 0–255 的整数，否则返回 400 JSON Error").
		WithExamples([]int{2, 6})
	return nil
}

func (f subjectTypeFilter) values() []uint8 {
	if f == nil {
		return nil
	}
	out := make([]uint8, len(f))
	for i, v := range f {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func (b SearchSubjectsBody) request() search.SubjectRequest {
	f := b.Filter
	return search.SubjectRequest{Keyword: b.Keyword, Sort: b.Sort, Filter: search.SubjectFilter{
		Type: f.Type.values(), Tag: f.Tag, AirDate: f.AirDate, Rating: f.Rating, RatingCount: f.RatingCount,
		Rank: f.Rank, MetaTags: f.MetaTags, NSFW: f.NSFW,
	}}
}

// SearchCharactersBody is the body of POST /v0/search/characters.
type SearchCharactersBody struct {
	Keyword string                `json:"keyword" maxLength:"256" description:"关键词，按名称与别名匹配；为空时返回符合筛选条件的全部结果。去掉首尾空白后最多 256 个字符" example:"ルルーシュ"`
	Filter  SearchCharacterFilter `json:"filter" description:"筛选条件"`
}

// SearchCharacterFilter is the filter of a character search.
type SearchCharacterFilter struct {
	NSFW *bool `json:"nsfw" description:"NSFW 筛选（决定 D3，条目与角色相同）：不填或 null 时，注册满 60 天的登录用户得到全部结果，其他人只得到非 NSFW 的结果；true 只返回 NSFW 的结果（无权限的用户得到空结果）；false 只返回非 NSFW 的结果"`
}

// SearchPersonsBody is the body of POST /v0/search/persons.
type SearchPersonsBody struct {
	Keyword string             `json:"keyword" maxLength:"256" description:"关键词，按名称与别名匹配；为空时返回符合筛选条件的全部结果。去掉首尾空白后最多 256 个字符" example:"水樹奈々"`
	Filter  SearchPersonFilter `json:"filter" description:"筛选条件"`
}

// SearchPersonFilter is the filter of a person search.
type SearchPersonFilter struct {
	Career []string `json:"career" maxItems:"64" description:"职业（writer、producer、mangaka、artist、seiyu、illustrator、actor），多个值之间为「且」" example:"[\"seiyu\"]"`
}

// The documented requests: the page in the query, the body.
type (
	searchSubjectsRequest struct {
		searchPage
		SearchSubjectsBody
	}
	searchCharactersRequest struct {
		searchPage
		SearchCharactersBody
	}
	searchPersonsRequest struct {
		searchPage
		SearchPersonsBody
	}
)

// decodeSearchBody reads the JSON body of a search into v, leniently, and maps the failures to
// bangumi's answers: a syntax or type error is a 400 "JSON Error" whose description says where,
// anything else (an empty body) a 400 "JSON Error" with the decoder's message in details.error;
// a body over the server's limit is a 413.
func decodeSearchBody(r *http.Request, v any) error {
	err := json.NewDecoder(r.Body).Decode(v)
	if err == nil {
		return nil
	}
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)}
	case errors.As(err, &syntax):
		return &jsonError{description: fmt.Sprintf("Syntax error: offset=%d, error=%s", syntax.Offset, syntax.Error())}
	case errors.As(err, &typ):
		return &jsonError{description: fmt.Sprintf("Unmarshal type error: expected=%v, got=%v, field=%v, offset=%v",
			typ.Type, typ.Value, typ.Field, typ.Offset)}
	}
	return &jsonError{description: msgJSONDecode, cause: err.Error()}
}

// searchDisabled is bangumi's answer when search is not configured.
func searchDisabled(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(msgSearchDisabled))
}

// serveSearch answers a search route: bangumi's text without search, the soft page, the
// lenient body, then find's page with each item mapped by item.
func serveSearch[B, E, O any](s *server, w http.ResponseWriter, r *http.Request,
	find func(ctx context.Context, body B, limit, offset int) (usecase.SearchPage[E], error), item func(E) O,
) error {
	if s.search == nil {
		searchDisabled(w)
		return nil
	}
	page, err := softPageOf(r)
	if err != nil {
		return err
	}
	var body B
	if err := decodeSearchBody(r, &body); err != nil {
		return err
	}
	res, err := find(r.Context(), body, page.Limit, page.Offset)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pagedOf(res.Items, res.Total, res.Limit, res.Offset, item))
	return nil
}

// searchSubjects: POST /v0/search/subjects.
func (s *server) searchSubjects(w http.ResponseWriter, r *http.Request) error {
	return serveSearch(s, w, r, func(ctx context.Context, b SearchSubjectsBody, limit, offset int) (usecase.SearchPage[subject.Subject], error) {
		return s.search.FindSubjects(ctx, viewer(r), b.request(), limit, offset)
	}, searchSubject)
}

// searchCharacters: POST /v0/search/characters.
func (s *server) searchCharacters(w http.ResponseWriter, r *http.Request) error {
	return serveSearch(s, w, r, func(ctx context.Context, b SearchCharactersBody, limit, offset int) (usecase.SearchPage[character.Character], error) {
		return s.search.FindCharacters(ctx, viewer(r), search.CharacterRequest{Keyword: b.Keyword, NSFW: b.Filter.NSFW}, limit, offset)
	}, characterDetail)
}

// searchPersons: POST /v0/search/persons.
func (s *server) searchPersons(w http.ResponseWriter, r *http.Request) error {
	return serveSearch(s, w, r, func(ctx context.Context, b SearchPersonsBody, limit, offset int) (usecase.SearchPage[person.Person], error) {
		return s.search.FindPersons(ctx, search.PersonRequest{Keyword: b.Keyword, Career: b.Filter.Career}, limit, offset)
	}, personDetail)
}

// searchSubject is the item of a subject search: the detail's SubjectV0 without its two extra
// reads (total_episodes is the eps field, meta_tags the subject's meta tags field) and the
// large cover as image.
func searchSubject(s subject.Subject) SearchSubject {
	d := subjectDetail(s, int64(s.Eps), metaTagsOf(s.MetaTagsField))
	return SearchSubject{Subject: d, Image: d.Images.Large}
}

// metaTagsOf splits the meta tags field on single spaces, leaving out empty strings.
func metaTagsOf(field string) []string {
	out := []string{}
	for _, t := range strings.Split(field, " ") {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func pagedOf[T, U any](items []T, total int64, limit, offset int, conv func(T) U) Paged[U] {
	out := make([]U, len(items))
	for i, v := range items {
		out[i] = conv(v)
	}
	return Paged[U]{Data: out, Total: total, Limit: limit, Offset: offset}
}
