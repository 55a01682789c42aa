package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain/auth"
)

// collectionWriteRoutes lists the subject and episode collection writes (http-v0-more.md §5,
// §6): JSON bodies behind bangumi's Content-Type gate, the write:collection scope, and the
// user_ban permission (N13). Each is one transaction; the timeline message follows the commit
// and never fails the request (D7, N2).
func (s *server) collectionWriteRoutes() []route {
	banned := errorResponse{http.StatusForbidden, "token 缺少 write:collection 权限，或用户被禁言（user_ban）", "you are not allowed to do this"}
	badBody := errorResponse{http.StatusBadRequest, "ID 或请求体不合法（JSON Error、rate overflow、标签或吐槽不合规等）", "rate overflow"}
	unsupported := errorResponse{http.StatusUnsupportedMediaType, "Content-Type 不是 application/json", msgUnsupportedMediaType}
	subjectRoute := func(method, id, summary, description string, create bool) route {
		return route{
			method: method, path: "/v0/users/-/collections/{subject_id}", handler: s.editSubjectCollection(create),
			scope: auth.ScopeWriteCollection, body: true,
			doc: operation{
				id: id, tag: tagCollection, summary: summary, description: description +
					"所有字段可选；同一事务内更新收藏、标签与条目的收藏与评分计数；非私有收藏在提交后发布时间线消息。",
				request: editSubjectCollectionRequest{},
				success: response{status: http.StatusNoContent, description: "成功，无内容"},
				errors: []errorResponse{badBody, errNeedLogin, banned, unsupported,
					{http.StatusNotFound, "条目不存在、不可见或已锁定，或（PATCH）未收藏", "subject not found"}},
			},
		}
	}
	return []route{
		subjectRoute(http.MethodPost, "postUserCollection", "新增或修改用户单个条目收藏",
			"未收藏时新建（默认在看），已收藏时修改。", true),
		subjectRoute(http.MethodPatch, "patchUserCollection", "修改用户单个条目收藏", "条目必须已收藏。", false),
		{
			method: http.MethodPatch, path: "/v0/users/-/collections/{subject_id}/episodes", handler: s.markEpisodes,
			scope: auth.ScopeWriteCollection, body: true,
			doc: operation{
				id: "patchUserSubjectEpisodeCollection", tag: tagCollection, summary: "章节收藏信息",
				description: "批量设置条目章节的收藏状态（须已收藏条目）；已有其他状态的章节改为新状态（N1）。" +
					"收藏的 ep_status 更新为有状态的章节数。非私有收藏在提交后为其中最后一个本篇发布时间线消息。",
				request: editEpisodesRequest{},
				success: response{status: http.StatusNoContent, description: "成功，无内容"},
				errors: []errorResponse{{http.StatusBadRequest, "请求体不合法、章节不属于条目，或未收藏条目", "episode_id is required"},
					errNeedLogin, banned, unsupported, notFoundError("条目不存在")},
			},
		},
		{
			method: http.MethodPut, path: "/v0/users/-/collections/-/episodes/{episode_id}", handler: s.markEpisode,
			scope: auth.ScopeWriteCollection, body: true,
			doc: operation{
				id: "putUserEpisodeCollection", tag: tagCollection, summary: "更新章节收藏信息",
				description: "设置单个章节的收藏状态（须已收藏其条目）。",
				request:     editEpisodeRequest{},
				success:     response{status: http.StatusNoContent, description: "成功，无内容"},
				errors: []errorResponse{{http.StatusBadRequest, "ID 或请求体不合法，或未收藏条目", "you need to add subject to your collection first"},
					errNeedLogin, banned, unsupported, notFoundError("章节不存在")},
			},
		},
	}
}
