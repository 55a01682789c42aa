package httpapi

import "net/http"

const tagIndex = "目录"

const indicesDescription = "私有目录只对创建者可见；已删除的目录不存在；收录了 NSFW 条目的目录只对注册满 60 天的登录用户可见（决定 D1）。" +
	"不发送 Cache-Control。这些回答不进入服务器的回答缓存：目录由 chii 尚未提供的写入改变，也没有变更事件通知它们；" +
	"可见性（含 NSFW）每次请求都从数据库判断（N8）。创建者的用户记录缺失时 creator 的两个字段为空字符串（N15）。"

// indexRoutes lists the index (目录) endpoints (/v0/indices/..., http-v0-more.md §7.4, §7.5).
// They are not cached: an index changes through writes chii does not serve yet (bangumi's own,
// issue 13) and through its subjects' NSFW flags, and no change event names an index; each
// request costs one statement (the index) or three (the index, the count, the page).
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
	}
}
