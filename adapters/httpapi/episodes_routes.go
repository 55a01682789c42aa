package httpapi

import "net/http"

const tagEpisode = "章节"

// episodeRoutes lists the episode endpoints (http-v0-more.md §2) and the viewer's own marks on
// episodes (§4). The public episode answers are cached, tagged with their subject (an episode
// change is reported as a change of its subject); the marks are the viewer's own and are
// rendered for every request. None sends Cache-Control.
func (s *server) episodeRoutes() []route {
	episodesNotFound := notFoundError("条目不存在，或对当前用户不可见（NSFW 条目需要登录且注册满 60 天，决定 D1）")
	badType := errorResponse{http.StatusBadRequest, "ID、章节类型（wrong value for query `type` 或 \"7\" is not valid episode type）或分页参数不合法",
		`"7" is not valid episode type`}
	return []route{
		{
			method: http.MethodGet, path: "/v0/episodes", handler: s.listEpisodes, cached: true,
			doc: operation{
				id: "getEpisodes", tag: tagEpisode, summary: "获取章节",
				description: "按碟片、类型、排序升序，相同时按章节 ID 升序（决定 D10）；不含已删除的章节。" +
					"limit 默认 100，最大 1000；offset 不能超过总数。type 可为 0–6 的任一类型（N24）。",
				request: listEpisodesRequest{},
				success: response{status: http.StatusOK, body: Paged[Episode]{}, description: "一页章节"},
				errors:  []errorResponse{badType, episodesNotFound},
			},
		},
		{
			method: http.MethodGet, path: "/v0/episodes/{episode_id}", handler: s.getEpisode, cached: true,
			doc: operation{
				id: "getEpisodeById", tag: tagEpisode, summary: "获取章节",
				request: episodePath{},
				success: response{status: http.StatusOK, body: Episode{}, description: "章节"},
				errors: []errorResponse{badID("章节"),
					notFoundError("章节不存在或已删除，或其条目对当前用户不可见")},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/-/collections/{subject_id}/episodes", handler: s.listUserEpisodes, login: true,
			doc: operation{
				id: "getUserSubjectEpisodeCollection", tag: tagCollection, summary: "章节收藏信息",
				description: "当前用户对条目各章节的收藏状态，章节顺序同获取章节；不要求收藏了条目。" +
					"offset 超过总数时 data 为空数组、total 仍为章节总数。updated_at 为 Unix 秒，未知时为 0。",
				request: listUserEpisodesRequest{},
				success: response{status: http.StatusOK, body: Paged[UserEpisodeCollection]{}, description: "一页章节及收藏状态"},
				errors:  []errorResponse{badType, errNeedLogin, episodesNotFound},
			},
		},
		{
			method: http.MethodGet, path: "/v0/users/-/collections/-/episodes/{episode_id}", handler: s.getUserEpisode, login: true,
			doc: operation{
				id: "getUserEpisodeCollection", tag: tagCollection, summary: "章节收藏信息",
				description: "当前用户对单个章节的收藏状态；没有记录时 type 与 updated_at 为 0。NSFW 条目的章节只对可见 NSFW 的用户可见（决定 D1）。",
				request:     episodePath{},
				success:     response{status: http.StatusOK, body: UserEpisodeCollection{}, description: "章节及收藏状态"},
				errors: []errorResponse{badID("章节"), errNeedLogin,
					notFoundError("章节不存在或已删除，或其条目对当前用户不可见")},
			},
		},
	}
}
