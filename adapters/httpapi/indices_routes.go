package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/index"
)

const tagIndex = "目录"

const indicesDescription = "私有目录只对创建者可见；已删除的目录不存在；收录了 NSFW 条目的目录只对注册满 60 天的登录用户可见（决定 D1）。" +
	"不发送 Cache-Control。这些回答不进入服务器的回答缓存：目录的写入改变目录本身，条目的 NSFW 标记改变目录的可见性，" +
	"没有变更事件以目录为对象；可见性（含 NSFW）每次请求都从数据库判断（N8）。创建者的用户记录缺失时 creator 的两个字段为空字符串（N15）。"

// indexRoutes lists the index (目录) endpoints (/v0/indices/..., http-v0-more.md §7.4–§7.10).
// The reads are not cached: an index changes through its writes (below, and bangumi's own
// site) and through its subjects' NSFW flags, and no change event names an index; each read
// costs one statement (the index) or three (the index, the count, the page). The writes need
// write:indices, collecting needs write:collection (§0.1).
func (s *server) indexRoutes() []route {
	return []route{
		{
			method: http.MethodGet, path: "/v0/indices/{index_id}", handler: s.getIndex,
			doc: operation{
				id: "getIndexById", tag: tagIndex, summary: "获取目录",
				description: "total 为存储的条目计数，nsfw 表示目录收录了 NSFW 条目，ban 总是 false。" + indicesDescription,
				request:     indexPath{},
				success:     response{status: http.StatusOK, body: Index{}, description: "目录"},
				errors: []errorResponse{
					badID("目录"),
					{http.StatusNotFound, "目录不存在、已删除，或对当前用户不可见", "index not found"},
				},
			},
		},
		{
			method: http.MethodGet, path: "/v0/indices/{index_id}/subjects", handler: s.getIndexSubjects,
			doc: operation{
				id: "getIndexSubjectsByIndexId", tag: tagIndex, summary: "获取目录中的条目",
				description: "按目录中的排序（idx_rlt_order）升序，相同时按加入记录的 ID 升序（决定 D10）。" +
					"type 按条目加入目录时的类型筛选。条目不逐个按 NSFW 过滤（整个目录被隐藏）；" +
					"条目已不存在时该项的值为零值（id 0，date 为 null）。" + indicesDescription,
				request: indexSubjectsRequest{},
				success: response{status: http.StatusOK, body: Paged[IndexSubject]{}, description: "一页条目"},
				errors: []errorResponse{
					{http.StatusBadRequest, "ID、条目类型（没有 400: 前缀）或分页参数不合法", `"5" is not a valid subject type`},
					notFoundError("目录不存在、已删除，或对当前用户不可见"),
				},
			},
		},
		{
			method: http.MethodPost, path: "/v0/indices", handler: s.createIndex, scope: index.ScopeWrite, body: true,
			doc: operation{
				id: "newIndex", tag: tagIndex, summary: "创建目录",
				description: "创建一个公开的空目录，创建者为当前用户。标题最多 80 个字符（N22），可为空；标题与简介不能含不可见字符。" +
					"created_at / updated_at 为请求时刻（精确到纳秒；之后读取时为整秒）。" + indexWriteDescription,
				request: createIndexRequest{},
				success: response{status: http.StatusOK, body: Index{}, description: "新建的目录"},
				errors:  append([]errorResponse{errIndexText}, indexWriteErrors(index.ScopeWrite, true, false)...),
			},
		},
		{
			method: http.MethodPut, path: "/v0/indices/{index_id}", handler: s.editIndex, scope: index.ScopeWrite, body: true,
			doc: operation{
				id: "editIndexById", tag: tagIndex, summary: "修改目录信息",
				description: "只修改非空的字段；两者都为空时 400 request data is empty。不改变 updated_at。" +
					"只有目录的创建者可以修改（否则 403，N9）。成功时返回 200，没有响应体（bangumi 的行为）。" + indexWriteDescription,
				request: editIndexRequest{},
				success: response{status: http.StatusOK, description: "已修改（没有响应体）"},
				errors:  append([]errorResponse{badID("目录"), errIndexText, errIndexNotFound}, indexWriteErrors(index.ScopeWrite, true, true)...),
			},
		},
		{
			method: http.MethodPost, path: "/v0/indices/{index_id}/subjects", handler: s.addIndexSubject, scope: index.ScopeWrite, body: true,
			doc: operation{
				id: "addSubjectToIndexByIndexId", tag: tagIndex, summary: "向目录添加条目",
				description: "条目已在目录中时修改它的排序与评价；否则加入目录，并重新统计目录的条目数（total）、把 updated_at 设为当前时间。" +
					"任何条目（含 NSFW、锁定或已合并的条目）都可以加入。响应中 added_at 为请求时刻，date 总是 null（bangumi 的行为）。" +
					"只有目录的创建者可以修改（否则 403，N9）。" + indexWriteDescription,
				request: addIndexSubjectRequest{},
				success: response{status: http.StatusOK, body: IndexSubject{}, description: "目录中的这一条目"},
				errors: append([]errorResponse{badID("目录"), errIndexText,
					{http.StatusNotFound, "目录不存在或已删除，或条目不存在", "subject not found"}}, indexWriteErrors(index.ScopeWrite, true, true)...),
			},
		},
		{
			method: http.MethodPut, path: "/v0/indices/{index_id}/subjects/{subject_id}", handler: s.editIndexSubject, scope: index.ScopeWrite, body: true,
			doc: operation{
				id: "editIndexSubjectsByIndexIdAndSubjectID", tag: tagIndex, summary: "修改目录中条目的信息",
				description: "与向目录添加条目相同：条目不在目录中时会被加入（bangumi 的行为）。" + indexWriteDescription,
				request:     editIndexSubjectRequest{},
				success:     response{status: http.StatusOK, body: IndexSubject{}, description: "目录中的这一条目"},
				errors: append([]errorResponse{badID("目录或条目"), errIndexText,
					{http.StatusNotFound, "目录不存在或已删除，或条目不存在", "subject not found"}}, indexWriteErrors(index.ScopeWrite, true, true)...),
			},
		},
		{
			method: http.MethodDelete, path: "/v0/indices/{index_id}/subjects/{subject_id}", handler: s.removeIndexSubject, scope: index.ScopeWrite,
			doc: operation{
				id: "delelteSubjectFromIndexByIndexIdAndSubjectID", tag: tagIndex, summary: "从目录中删除条目",
				description: "条目不在目录中时同样返回 200。重新统计目录的条目数（total）；删除了条目时把 updated_at 设为当前时间。" +
					"只有目录的创建者可以修改（否则 403，N9）。成功时没有响应体。" + indexWriteDescription,
				request: indexSubjectPath{},
				success: response{status: http.StatusOK, description: "已删除（没有响应体）"},
				errors:  append([]errorResponse{badID("目录或条目"), errIndexNotFound}, indexWriteErrors(index.ScopeWrite, false, true)...),
			},
		},
		{
			method: http.MethodPost, path: "/v0/indices/{index_id}/collect", handler: s.indexCollect(true), scope: auth.ScopeWriteCollection,
			doc: operation{
				id: "collectIndexByIndexIdAndUserId", tag: tagIndex, summary: "收藏目录",
				description: "需要 write:collection 权限（不是 write:indices）。目录须对当前用户可见（私有目录只对创建者可见，NSFW 目录只对注册满 60 天的用户可见）。" +
					"重复收藏不产生新记录；收藏数（stat.collects）在同一事务中按收藏的用户数重新统计（N16）。成功时返回 200，没有响应体。" + indexWriteDescription,
				request: indexPath{},
				success: response{status: http.StatusOK, description: "已收藏（没有响应体）"},
				errors:  append([]errorResponse{badID("目录"), errIndexNotFound}, indexWriteErrors(auth.ScopeWriteCollection, false, false)...),
			},
		},
		{
			method: http.MethodDelete, path: "/v0/indices/{index_id}/collect", handler: s.indexCollect(false), scope: auth.ScopeWriteCollection,
			doc: operation{
				id: "uncollectIndexByIndexIdAndUserId", tag: tagIndex, summary: "取消收藏目录",
				description: "需要 write:collection 权限。没有收藏时 404 index not collected；收藏数在同一事务中重新统计（N16）。成功时没有响应体。" + indexWriteDescription,
				request:     indexPath{},
				success:     response{status: http.StatusOK, description: "已取消收藏（没有响应体）"},
				errors: append([]errorResponse{badID("目录"),
					{http.StatusNotFound, "目录不存在、已删除、对当前用户不可见，或没有收藏", "index not collected"}}, indexWriteErrors(auth.ScopeWriteCollection, false, false)...),
			},
		},
	}
}

const indexWriteDescription = "每个请求在一个事务中完成；目录的计数（total、stat.collects）总是由记录重新统计。" +
	"被封禁（user_ban）的用户不能写入（403 you are not allowed to do this，N13）。"

var (
	errIndexText     = errorResponse{http.StatusBadRequest, "请求体不是 JSON、有未知字段或类型不符（title 为 JSON Error）；文字含不可见字符（invalid string）；标题超过 80 个字符", "invalid string"}
	errIndexNotFound = errorResponse{http.StatusNotFound, "目录不存在或已删除", "index not found"}
)

// indexWriteErrors are the guards' answers of an index write that needs scope: 401, 403
// (the scope, N13's ban and, when creator, another member's index), 415 when it has a body.
func indexWriteErrors(scope string, body, creator bool) []errorResponse {
	forbidden := "access token 缺少 " + scope + " 权限，或用户被封禁（you are not allowed to do this）"
	example := msgInsufficientScope
	if creator {
		forbidden = "当前用户不是目录的创建者，" + forbidden
		example = "you are not the creator of this index"
	}
	out := []errorResponse{errNeedLogin, {http.StatusForbidden, forbidden, example}}
	if body {
		out = append(out, errorResponse{http.StatusUnsupportedMediaType,
			"Content-Type 不是 application/json 或 application/json; charset=UTF-8（在登录与权限检查之前）", msgUnsupportedMediaType})
	}
	return out
}
