package httpapi

import (
	"net/http"

	"github.com/bangumi/chii/domain/revision"
)

const tagRevision = "编辑历史"

const revisionsDescription = "不需要登录，不过滤 NSFW，不发送 Cache-Control。" +
	"这些回答不进入服务器的回答缓存：bangumi 写入新修订时会改写共享的存档，而没有变更事件能及时通知它们。"

// revisionRoutes lists the revision endpoints (/v0/revisions/..., http-v0-more.md §8).
// They are not cached: a new revision (written by bangumi, and rewriting the text shared
// with older revisions) changes both the lists and the details, and no change event names it
// (a relation edit does not change the entity's row; an episode has no entity of its own).
// Each request costs one or two indexed statements.
func (s *server) revisionRoutes() []route {
	listErrors := func(example string) []errorResponse {
		return []errorResponse{
			{http.StatusBadRequest, "分页参数不合法，或缺少 ID（无论哪种修订，bangumi 都说 character ID is required），或 ID 不合法", example},
		}
	}
	detailErrors := func(example string) []errorResponse {
		return []errorResponse{
			{http.StatusBadRequest, "修订 ID 不合法", example},
			notFoundError("修订不存在，或不属于这一类"),
		}
	}
	listDescription := "按修订 ID 倒序。列表不含修订的数据；没有修订（或实体不存在）时 total 为 0。" + revisionsDescription
	detailDescription := "data 包含与该修订共用同一存档的全部修订，以修订 ID（字符串）为键，按 ID 升序；存档无法按该类数据解读时没有数据。" +
		"存档损坏时返回 500。" + revisionsDescription
	return []route{
		{
			method: http.MethodGet, path: "/v0/revisions/subjects",
			handler: listRevisions(s, revision.KindSubject, "subject_id", subjectRevisionItem),
			doc: operation{
				id: "getSubjectRevisions", tag: tagRevision, summary: "获取条目的修订列表",
				description: listDescription + "列表项的 data 总是 null。",
				request:     subjectRevisionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[SubjectRevisionListItem]{}, description: "一页修订"},
				errors:      listErrors("character ID is required"),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/subjects/{revision_id}",
			handler: getRevision(s, revision.KindSubject, subjectRevision),
			doc: operation{
				id: "getSubjectRevisionByRevisionId", tag: tagRevision, summary: "获取条目的一个修订",
				description: "条目修订的 data 是该修订记录的条目字段（原样，不反转义）。" + revisionsDescription,
				request:     revisionPath{},
				success:     response{status: http.StatusOK, body: SubjectRevision{}, description: "修订"},
				errors:      detailErrors(`bad param id: "abc"`),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/characters",
			handler: listRevisions(s, revision.KindCharacter, "character_id", revisionItem),
			doc: operation{
				id: "getCharacterRevisions", tag: tagRevision, summary: "获取角色的修订列表",
				description: listDescription + "列表项没有 data。",
				request:     characterRevisionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[RevisionListItem]{}, description: "一页修订"},
				errors:      listErrors(`"abc" is not valid ID`),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/characters/{revision_id}",
			handler: getRevision(s, revision.KindCharacter, characterRevision),
			doc: operation{
				id: "getCharacterRevisionByRevisionId", tag: tagRevision, summary: "获取角色的一个修订",
				description: detailDescription + "没有数据时没有 data 键。",
				request:     revisionPath{},
				success:     response{status: http.StatusOK, body: CharacterRevision{}, description: "修订"},
				errors:      detailErrors(`bad param id: "abc"`),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/persons",
			handler: listRevisions(s, revision.KindPerson, "person_id", personRevisionItem),
			doc: operation{
				id: "getPersonRevisions", tag: tagRevision, summary: "获取人物的修订列表",
				description: listDescription + "列表项的 data 总是 {}。",
				request:     personRevisionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[PersonRevisionListItem]{}, description: "一页修订"},
				errors:      listErrors(`"abc" is not valid ID`),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/persons/{revision_id}",
			handler: getRevision(s, revision.KindPerson, personRevision),
			doc: operation{
				id: "getPersonRevisionByRevisionId", tag: tagRevision, summary: "获取人物的一个修订",
				description: detailDescription + "没有数据时 data 为 {}。",
				request:     revisionPath{},
				success:     response{status: http.StatusOK, body: PersonRevision{}, description: "修订"},
				errors:      detailErrors("bad param id: abc"),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/episodes",
			handler: listRevisions(s, revision.KindEpisode, "episode_id", revisionItem),
			doc: operation{
				id: "getEpisodeRevisions", tag: tagRevision, summary: "获取章节的修订列表",
				description: listDescription + "列表项没有 data。",
				request:     episodeRevisionsRequest{},
				success:     response{status: http.StatusOK, body: Paged[RevisionListItem]{}, description: "一页修订"},
				errors:      listErrors(`"0" is not valid ID`),
			},
		},
		{
			method: http.MethodGet, path: "/v0/revisions/episodes/{revision_id}",
			handler: getRevision(s, revision.KindEpisode, episodeRevision),
			doc: operation{
				id: "getEpisodeRevisionByRevisionId", tag: tagRevision, summary: "获取章节的一个修订",
				description: detailDescription + "数字以字符串给出；没有数据时没有 data 键。",
				request:     revisionPath{},
				success:     response{status: http.StatusOK, body: EpisodeRevision{}, description: "修订"},
				errors:      detailErrors(`bad param id: "abc"`),
			},
		},
	}
}
