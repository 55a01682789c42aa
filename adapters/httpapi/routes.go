package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/mono"
)

// route is one endpoint: how it is served and how it is documented.
type route struct {
	method  string
	path    string // full path; paths below /v0/ get the /v0 middleware
	handler handlerFunc
	scope   string // required token scope, "" for none
	login   bool   // anonymous callers get 401 (implied by a scope)
	// body: the route reads a JSON body; bangumi's Content-Type gate (jsonContentType) runs
	// before the login and scope guards.
	body bool
	// cached: the answer depends only on the path, the query and the viewer's class, and the
	// ResponseCache keeps it (the handler names what it shows with dependsOn).
	cached bool
	doc    operation
}

// operation documents a route in the OpenAPI document.
type operation struct {
	id, tag, summary, description string
	request                       any // struct with path/query tags, nil when there is none
	success                       response
	redirect                      response // a 302 to a merged entity; zero when there is none
	errors                        []errorResponse
}

type response struct {
	status      int
	body        any // nil when the response has no body
	description string
	cache       int    // max-age of the Cache-Control header, 0 when there is none
	cacheSFW    bool   // the Cache-Control header is only sent for content that is not NSFW
	location    string // description of the Location header, "" when there is none
	etag        bool   // the response carries an ETag (set for conditional GETs)
}

type errorResponse struct {
	status      int
	description string
	example     string // the description of the example body
}

// OpenAPI tags, as in bangumi's document.
const (
	tagSubject    = "条目"
	tagCharacter  = "角色"
	tagPerson     = "人物"
	tagCollection = "收藏"
	tagMeta       = "文档"
)

const imageLocation = "图片地址；没有图片时为默认图片 https://lain.bgm.tv/img/no_icon_subject.png"

func badID(what string) errorResponse {
	return errorResponse{http.StatusBadRequest, what + " ID 不合法", `"abc" is not valid ID`}
}

func notFoundError(description string) errorResponse {
	return errorResponse{http.StatusNotFound, description, domain.NotFoundMessage}
}

var (
	errUserNotFound = errorResponse{http.StatusNotFound, "用户不存在", "user doesn't exist or has been removed"}
	errBadImageType = errorResponse{http.StatusBadRequest, "ID 不合法，或图片尺寸不存在", "bad image type: huge"}
	errNeedLogin    = errorResponse{http.StatusUnauthorized, "未登录，或 access token 无效", msgNeedLogin}
	errNoScope      = errorResponse{http.StatusForbidden, "access token 缺少 write:collection 权限，或 User-Agent 被禁止", msgInsufficientScope}
)

// searchErrors are the error responses of the search endpoints.
var searchErrors = []errorResponse{
	{http.StatusBadRequest, "分页参数、筛选条件或排序不合法；请求体不是 JSON 或类型不符时 title 为 JSON Error（" +
		"如 Unmarshal type error: expected=uint8, got=number 300, field=filter.type, offset=22）",
		`invalid rank filter: ">x", should be in the format of "^(>|<|>=|<=|=) *\d+$"`},
	{http.StatusRequestEntityTooLarge, "请求体过大", "request body is larger than 1048576 bytes"},
}

const searchDescription = "\n\n请求体按 JSON 解析，忽略未知字段，不检查 Content-Type；空对象 {} 返回全部结果。" +
	"total 为搜索引擎给出的匹配总数；已被删除的结果会被跳过，所以 data 可能少于 limit。" +
	"服务器未启用搜索时返回 200 text/plain「search is not enable」。"

// baseRoutes lists the endpoints of the first routes (subjects, characters, persons, user
// collections, collect, search); routes adds the others.
func (s *server) baseRoutes() []route {
	return []route{
		{
			method: http.MethodPost, path: "/v0/search/subjects", handler: s.searchSubjects,
			doc: operation{
				id: "searchSubjects", tag: tagSubject, summary: "条目搜索",
				description: "按关键词与筛选条件搜索条目。不同筛选条件之间为「且」。" +
					"NSFW 条目仅对注册满 60 天的登录用户可见（filter.nsfw，决定 D3）。" +
					"sort=rank 时没有排名的条目排在所有有排名的条目之后（决定 D5）。" +
					"结果的形状与获取条目相同，另有 image（= images.large）；其中 total_episodes 为 eps，meta_tags 来自条目的公共标签字段。" +
					searchDescription,
				request: searchSubjectsRequest{},
				success: response{status: http.StatusOK, body: Paged[SearchSubject]{}, description: "一页搜索结果"},
				errors:  searchErrors,
			},
		},
		{
			method: http.MethodPost, path: "/v0/search/characters", handler: s.searchCharacters,
			doc: operation{
				id: "searchCharacters", tag: tagCharacter, summary: "角色搜索",
				description: "按关键词搜索角色。NSFW 角色仅对注册满 60 天的登录用户可见（filter.nsfw，决定 D3）。" +
					"结果的形状与获取角色相同。" + searchDescription,
				request: searchCharactersRequest{},
				success: response{status: http.StatusOK, body: Paged[Character]{}, description: "一页搜索结果"},
				errors:  searchErrors,
			},
		},
		{
			method: http.MethodPost, path: "/v0/search/persons", handler: s.searchPersons,
			doc: operation{
				id: "searchPersons", tag: tagPerson, summary: "人物搜索",
				description: "按关键词与职业搜索人物。结果的形状与获取人物相同。" + searchDescription,
				request:     searchPersonsRequest{},
				success:     response{status: http.StatusOK, body: Paged[PersonDetail]{}, description: "一页搜索结果"},
				errors:      searchErrors,
			},
		},
		{
			method: http.MethodGet, path: "/v0/subjects/{subject_id}", handler: s.getSubject, cached: true,
			doc: operation{
				id: "getSubjectById", tag: tagSubject, summary: "获取条目",
				description: "NSFW 条目仅对注册满 60 天的登录用户可见。已合并的条目以 302 重定向到合并后的条目。",
				request:     subjectPath{},
				success:     response{status: http.StatusOK, body: Subject{}, description: "条目详情", cache: cacheHour, cacheSFW: true},
				redirect:    response{status: http.StatusFound, description: "条目已合并", location: "合并后的条目，如 /v0/subjects/19"},
				errors: []errorResponse{
					badID("条目"), notFoundError("条目不存在，或对当前用户不可见"),
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/subjects/{subject_id}/image", handler: s.getSubjectImage, cached: true,
			doc: operation{
				id: "getSubjectImageById", tag: tagSubject, summary: "获取条目封面",
				description: "重定向到指定尺寸的封面图片。",
				request:     subjectImageRequest{},
				success:     response{status: http.StatusFound, description: "重定向到图片", cache: cacheHour, cacheSFW: true, location: imageLocation},
				errors:      []errorResponse{errBadImageType, notFoundError("条目不存在，或对当前用户不可见")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/subjects/{subject_id}/persons", handler: s.getSubjectPersons, cached: true,
			doc: operation{
				id: "getRelatedPersonsBySubjectId", tag: tagSubject, summary: "获取条目的制作人员",
				description: "一人有多个职位时出现多次。",
				request:     subjectPath{},
				success:     response{status: http.StatusOK, body: []RelatedPerson{}, description: "制作人员", cache: cacheHour, cacheSFW: true},
				errors:      []errorResponse{badID("条目"), notFoundError("条目不存在，或对当前用户不可见")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/subjects/{subject_id}/characters", handler: s.getSubjectCharacters, cached: true,
			doc: operation{
				id: "getRelatedCharactersBySubjectId", tag: tagSubject, summary: "获取条目的角色",
				description: "角色及其在该条目中的配音或扮演者。",
				request:     subjectPath{},
				success:     response{status: http.StatusOK, body: []RelatedCharacter{}, description: "角色", cache: cacheHour, cacheSFW: true},
				errors:      []errorResponse{badID("条目"), notFoundError("条目不存在，或对当前用户不可见")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/subjects/{subject_id}/subjects", handler: s.getSubjectRelations, cached: true,
			doc: operation{
				id: "getRelatedSubjectsBySubjectId", tag: tagSubject, summary: "获取关联条目",
				description: "对当前用户不可见的关联条目不会出现。",
				request:     subjectPath{},
				success:     response{status: http.StatusOK, body: []SubjectRelation{}, description: "关联条目", cache: cacheHour, cacheSFW: true},
				errors:      []errorResponse{badID("条目"), notFoundError("条目不存在，或对当前用户不可见")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/characters/{character_id}", handler: s.getCharacter, cached: true,
			doc: operation{
				id: "getCharacterById", tag: tagCharacter, summary: "获取角色",
				description: "NSFW 角色仅对注册满 60 天的登录用户可见。已合并的角色以 302 重定向到合并后的角色。",
				request:     characterPath{},
				success:     response{status: http.StatusOK, body: Character{}, description: "角色详情", cache: cacheHour, cacheSFW: true},
				redirect:    response{status: http.StatusFound, description: "角色已合并", location: "合并后的角色，如 /v0/characters/276"},
				errors: []errorResponse{
					badID("角色"), notFoundError("角色不存在，或对当前用户不可见"),
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/characters/{character_id}/image", handler: s.getCharacterImage, cached: true,
			doc: operation{
				id: "getCharacterImageById", tag: tagCharacter, summary: "获取角色图片",
				description: "重定向到指定尺寸的角色图片。",
				request:     characterImageRequest{},
				success:     response{status: http.StatusFound, description: "重定向到图片", cache: cacheDay, location: imageLocation},
				errors:      []errorResponse{errBadImageType, notFoundError("角色不存在")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/characters/{character_id}/subjects", handler: s.getCharacterSubjects, cached: true,
			doc: operation{
				id: "getRelatedSubjectsByCharacterId", tag: tagCharacter, summary: "获取角色出场的条目",
				request: characterPath{},
				success: response{status: http.StatusOK, body: []RelatedSubject{}, description: "出场条目", cache: cacheHour},
				errors:  []errorResponse{badID("角色"), notFoundError("角色不存在或已合并")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/characters/{character_id}/persons", handler: s.getCharacterPersons, cached: true,
			doc: operation{
				id: "getRelatedPersonsByCharacterId", tag: tagCharacter, summary: "获取角色的配音或扮演者",
				description: "按条目列出为角色配音或扮演角色的人物。",
				request:     characterPath{},
				success:     response{status: http.StatusOK, body: []CharacterPerson{}, description: "人物", cache: cacheHour},
				errors:      []errorResponse{badID("角色"), notFoundError("角色不存在")},
			},
		},
		collectRoute(http.MethodPost, "/v0/characters/{character_id}/collect", s.collectCharacter, mono.Character),
		collectRoute(http.MethodDelete, "/v0/characters/{character_id}/collect", s.uncollectCharacter, mono.Character),
		{
			method: http.MethodGet, path: "/v0/persons/{person_id}", handler: s.getPerson, cached: true,
			doc: operation{
				id: "getPersonById", tag: tagPerson, summary: "获取人物",
				description: "已合并的人物以 302 重定向到合并后的人物。",
				request:     personPath{},
				success:     response{status: http.StatusOK, body: PersonDetail{}, description: "人物详情", cache: cacheHour},
				redirect:    response{status: http.StatusFound, description: "人物已合并", cache: cacheHour, location: "合并后的人物，如 /v0/persons/2"},
				errors: []errorResponse{
					badID("人物"), notFoundError("人物不存在"),
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/persons/{person_id}/image", handler: s.getPersonImage, cached: true,
			doc: operation{
				id: "getPersonImageById", tag: tagPerson, summary: "获取人物图片",
				description: "重定向到指定尺寸的人物图片。",
				request:     personImageRequest{},
				success:     response{status: http.StatusFound, description: "重定向到图片", cache: cacheDay, location: imageLocation},
				errors:      []errorResponse{errBadImageType, notFoundError("人物不存在")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/persons/{person_id}/subjects", handler: s.getPersonSubjects, cached: true,
			doc: operation{
				id: "getRelatedSubjectsByPersonId", tag: tagPerson, summary: "获取人物参与的条目",
				request: personPath{},
				success: response{status: http.StatusOK, body: []PersonRelatedSubject{}, description: "参与的条目及职位", cache: cacheHour},
				errors:  []errorResponse{badID("人物"), notFoundError("人物不存在或已合并")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/persons/{person_id}/characters", handler: s.getPersonCharacters, cached: true,
			doc: operation{
				id: "getRelatedCharactersByPersonId", tag: tagPerson, summary: "获取人物配音或扮演的角色",
				request: personPath{},
				success: response{status: http.StatusOK, body: []PersonCharacter{}, description: "角色", cache: cacheHour},
				errors:  []errorResponse{badID("人物"), notFoundError("人物不存在或已合并（同样可缓存 1 小时）")},
			},
		},
		collectRoute(http.MethodPost, "/v0/persons/{person_id}/collect", s.collectPerson, mono.Person),
		collectRoute(http.MethodDelete, "/v0/persons/{person_id}/collect", s.uncollectPerson, mono.Person),
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections", handler: s.listSubjectCollections,
			doc: operation{
				id: "getUserCollectionsByUsername", tag: tagCollection, summary: "获取用户的条目收藏",
				description: "私有收藏只对用户本人可见。按最后修改时间倒序。",
				request:     listSubjectCollectionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[UserSubjectCollection]{}, description: "一页条目收藏"},
				errors: []errorResponse{
					{http.StatusBadRequest, "分页参数、条目类型或收藏类型不合法", "limit should less equal than 100"},
					errUserNotFound,
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections/{subject_id}", handler: s.getSubjectCollection,
			doc: operation{
				id: "getUserCollection", tag: tagCollection, summary: "获取用户的单个条目收藏",
				description: "私有收藏只对用户本人可见。",
				request:     getSubjectCollectionRequest{},
				success:     response{status: http.StatusOK, body: UserSubjectCollection{}, description: "条目收藏"},
				errors: []errorResponse{
					badID("条目"),
					{http.StatusNotFound, "条目或用户不存在，或条目未被收藏（私有收藏对他人视为未收藏）", "subject is not collected by user"},
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections/-/characters",
			handler: listMonoCollections(s, mono.Character, func(m MonoCollection) UserCharacterCollection { return UserCharacterCollection(m) }),
			doc: operation{
				id: "getUserCharacterCollections", tag: tagCollection, summary: "获取用户的角色收藏",
				description: "按收藏时间倒序。",
				request:     listMonoCollectionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[UserCharacterCollection]{}, description: "一页角色收藏"},
				errors: []errorResponse{
					{http.StatusBadRequest, "分页参数不合法", "offset should be less than or equal to 16"},
					errUserNotFound,
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections/-/characters/{character_id}", handler: s.getCharacterCollection,
			doc: operation{
				id: "getUserCharacterCollection", tag: tagCollection, summary: "获取用户的单个角色收藏",
				request: getCharacterCollectionRequest{},
				success: response{status: http.StatusOK, body: UserCharacterCollection{}, description: "角色收藏"},
				errors: []errorResponse{
					badID("角色"),
					{http.StatusNotFound, "用户或角色不存在，或角色未被收藏", "character is not collected by user"},
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections/-/persons",
			handler: listMonoCollections(s, mono.Person, func(m MonoCollection) UserPersonCollection { return UserPersonCollection(m) }),
			doc: operation{
				id: "getUserPersonCollections", tag: tagCollection, summary: "获取用户的人物收藏",
				description: "按收藏时间倒序。",
				request:     listMonoCollectionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[UserPersonCollection]{}, description: "一页人物收藏"},
				errors: []errorResponse{
					{http.StatusBadRequest, "分页参数不合法", `can't parse query args offset as int: "abc"`},
					errUserNotFound,
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/{username}/collections/-/persons/{person_id}", handler: s.getPersonCollection,
			doc: operation{
				id: "getUserPersonCollection", tag: tagCollection, summary: "获取用户的单个人物收藏",
				request: getPersonCollectionRequest{},
				success: response{status: http.StatusOK, body: UserPersonCollection{}, description: "人物收藏"},
				errors: []errorResponse{
					badID("人物"),
					{http.StatusNotFound, "用户或人物不存在，或人物未被收藏", "person is not collected by user"},
				},
			},
		},
		{
			method: http.MethodGet, path: "/openapi.json",
			doc: operation{
				id: "getOpenAPI", tag: tagMeta, summary: "本文档",
				description: "由服务器的处理函数及其请求、响应类型生成的 OpenAPI 3 文档。",
				success:     response{status: http.StatusOK, body: openAPIDocumentBody{}, description: "OpenAPI 文档"},
			},
		},
	}
}

// openAPIDocumentBody documents the OpenAPI document as a free-form object.
type openAPIDocumentBody map[string]any

func collectRoute(method, path string, h handlerFunc, cat mono.Category) route {
	noun, what, tag := "角色", "character", tagCharacter
	if cat == mono.Person {
		noun, what, tag = "人物", "person", tagPerson
	}
	op := operation{tag: tag, success: response{status: http.StatusNoContent, description: "成功，无内容"}}
	var req any = characterPath{}
	if cat == mono.Person {
		req = personPath{}
	}
	op.request = req
	op.errors = []errorResponse{badID(noun), errNeedLogin, errNoScope}
	if method == http.MethodPost {
		op.id = "collect" + title(what) + "By" + title(what) + "IdAndUserId"
		op.summary = "收藏" + noun
		op.description = "为当前用户收藏" + noun + "；已收藏时什么也不做。需要 write:collection 权限。"
		op.errors = append(op.errors, notFoundError(noun+"不存在"))
	} else {
		op.id = "uncollect" + title(what) + "By" + title(what) + "IdAndUserId"
		op.summary = "取消收藏" + noun
		op.description = "为当前用户取消收藏" + noun + "。需要 write:collection 权限。"
		op.errors = append(op.errors, errorResponse{http.StatusNotFound, noun + "不存在，或未被收藏", what + " not collected"})
	}
	return route{method: method, path: path, handler: h, scope: auth.ScopeWriteCollection, doc: op}
}

func title(s string) string { return string(s[0]-'a'+'A') + s[1:] }
