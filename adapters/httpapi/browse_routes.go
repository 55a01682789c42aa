package httpapi

import "net/http"

// browseRoutes lists GET /v0/subjects (browse); the pages outside /v0 (/, the docs page) are
// mounted by mountPages (pages.go), outside the OpenAPI document.
//
// The browse answer is not kept by the ResponseCache: a page depends on every subject it lists
// and on every subject that enters or leaves its result set (a new subject, a changed date,
// rank, platform, infobox or NSFW flag), and no change event names the filters a subject
// matches. Each request costs three indexed statements (count, page, the page's meta tags),
// whatever the page size; answers are never stale (bangumi's are up to a day old, N14).
func (s *server) browseRoutes() []route {
	return []route{
		{
			method: http.MethodGet, path: "/v0/subjects",
			handler: s.browseSubjects,
			doc: operation{
				id: "getSubjects", tag: tagSubject, summary: "浏览条目",
				description: "按条目类型等条件列出条目（不含被合并的条目）。缺省排序按条目 ID 升序；date 按日期倒序、rank 按排名升序，相同时按条目 ID 升序。" +
					"NSFW 条目只对可以查看 NSFW 的用户列出。列表项的 total_episodes 总是 0。不发送 Cache-Control，回答不进入服务器的回答缓存。",
				request: browseRequest{},
				success: response{status: http.StatusOK, body: Paged[Subject]{}, description: "一页条目"},
				errors: []errorResponse{
					{http.StatusBadRequest, "分页参数、条目类型、分类、series、sort、year 或 month 不合法，或 offset 超过总数", `400: bad subject category: "9"`},
				},
			},
		},
	}
}
