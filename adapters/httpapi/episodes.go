package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/ports"
)

// Episodes (http-v0-more.md §2) and the viewer's own marks on them (§4). Names, durations, air
// dates and descriptions are returned raw.

// Episode is an episode of a subject.
type Episode struct {
	Airdate  string  `json:"airdate" required:"true" description:"放送日期，原样返回（常为 YYYY-MM-DD）" example:"2008-04-06"`
	Name     string  `json:"name" required:"true" example:"魔神 が 目覚める 日"`
	NameCN   string  `json:"name_cn" required:"true" example:"魔王的苏醒之日"`
	Duration string  `json:"duration" required:"true" description:"时长，原样返回" example:"24m"`
	Desc     string  `json:"desc" required:"true" description:"简介"`
	Ep       float32 `json:"ep" required:"true" description:"本篇：从条目第一个本篇（碟片、排序最小）起数的集数；其他类型为 0" example:"1"`
	Sort     float32 `json:"sort" required:"true" description:"同类章节的排序（可为小数）" example:"1"`
	ID       uint32  `json:"id" required:"true" example:"522"`
	// SubjectID is the subject the episode belongs to.
	SubjectID       uint32 `json:"subject_id" required:"true" example:"8"`
	Comment         uint32 `json:"comment" required:"true" description:"回复数量" example:"11"`
	Type            uint8  `json:"type" required:"true" enum:"[0,1,2,3,4,5,6]" description:"0 本篇，1 特别篇，2 OP，3 ED，4 预告/宣传/广告，5 MAD，6 其他" example:"0"`
	Disc            uint8  `json:"disc" required:"true" description:"音乐曲目的碟片数" example:"0"`
	DurationSeconds int64  `json:"duration_seconds" required:"true" description:"由 duration 推得的秒数，无法识别时为 0" example:"1440"`
}

// UserEpisodeCollection is an episode with the viewer's mark on it.
type UserEpisodeCollection struct {
	Episode   Episode `json:"episode" required:"true"`
	Type      uint8   `json:"type" required:"true" enum:"[0,1,2,3]" description:"0 未收藏，1 想看，2 看过，3 抛弃" example:"2"`
	UpdatedAt int64   `json:"updated_at" required:"true" description:"这一状态的设置时间（Unix 秒），未知时为 0" example:"1700000000"`
}

// Requests, for the OpenAPI document.
type (
	episodePageQuery struct {
		Limit  int `query:"limit" minimum:"1" maximum:"1000" default:"100" description:"分页参数：每页条数"`
		Offset int `query:"offset" minimum:"0" default:"0" description:"分页参数：跳过的条数"`
	}
	listEpisodesRequest struct {
		SubjectID uint32 `query:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
		Type      uint8  `query:"type" enum:"[0,1,2,3,4,5,6]" description:"只列出这一类型的章节" example:"0"`
		episodePageQuery
	}
	episodePath struct {
		EpisodeID uint32 `path:"episode_id" required:"true" minimum:"1" maximum:"4294967295" description:"章节 ID" example:"522"`
	}
	listUserEpisodesRequest struct {
		SubjectID   uint32 `path:"subject_id" required:"true" minimum:"1" maximum:"4294967295" description:"条目 ID" example:"8"`
		EpisodeType uint8  `query:"episode_type" enum:"[0,1,2,3,4,5,6]" description:"只列出这一类型的章节" example:"0"`
		episodePageQuery
	}
)

// Episode lists take up to 1000 items a page, 100 by default (§2.2).
const (
	defaultEpisodeLimit = 100
	maxEpisodeLimit     = 1000
)

func episodeOf(e usecase.NumberedEpisode) Episode {
	ep := e.Episode
	return Episode{
		Airdate: ep.Airdate, Name: ep.Name, NameCN: ep.NameCN, Duration: ep.Duration, Desc: ep.Desc,
		Ep: e.Ep, Sort: ep.Sort, ID: ep.ID, SubjectID: ep.SubjectID, Comment: ep.Comment, Type: ep.Type,
		Disc: ep.Disc, DurationSeconds: episode.DurationSeconds(ep.Duration),
	}
}

func userEpisodeOf(m usecase.MarkedEpisode) UserEpisodeCollection {
	return UserEpisodeCollection{Episode: episodeOf(m.NumberedEpisode), Type: uint8(m.Status), UpdatedAt: m.UpdatedAt}
}

// parseEpisodeType parses the episode type filter ("" is none). The messages name the query
// `type` whatever the parameter is called (N20).
func parseEpisodeType(s string) (t uint8, byType bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, false, badRequest("wrong value for query `type`")
	}
	if !episode.ValidType(uint8(n)) {
		return 0, false, badRequest(strconv.Quote(s) + " is not valid episode type")
	}
	return uint8(n), true, nil
}

// episodePageOf reads the page of an episode list.
func episodePageOf(r *http.Request) (usecase.Page, error) {
	q := r.URL.Query()
	return parsePageBounds(q.Get("limit"), q.Get("offset"), defaultEpisodeLimit, maxEpisodeLimit)
}

// listEpisodes serves GET /v0/episodes?subject_id=&type=&limit=&offset= (§2.2): the page, the
// type, then the subject id are checked, in bangumi's order.
func (s *server) listEpisodes(w http.ResponseWriter, r *http.Request) error {
	page, err := episodePageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	typ, byType, err := parseEpisodeType(q.Get("type"))
	if err != nil {
		return err
	}
	subjectID, err := parseID(q.Get("subject_id"))
	if err != nil {
		return err
	}
	dependsOn(r, 's', subjectID)
	res, err := s.episodes.List(r.Context(), viewer(r), ports.EpisodeFilter{SubjectID: subjectID, Type: typ, ByType: byType}, page)
	if err != nil {
		return err
	}
	out := make([]Episode, len(res.Items))
	for i, e := range res.Items {
		out[i] = episodeOf(e)
	}
	writeJSON(w, http.StatusOK, Paged[Episode]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
	return nil
}

// getEpisode serves GET /v0/episodes/{episode_id} (§2.3).
func (s *server) getEpisode(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "episode_id"))
	if err != nil {
		return err
	}
	e, err := s.episodes.Get(r.Context(), viewer(r), id)
	if err != nil {
		return err
	}
	dependsOn(r, 's', e.Episode.SubjectID)
	writeJSON(w, http.StatusOK, episodeOf(e))
	return nil
}

// listUserEpisodes serves GET /v0/users/-/collections/{subject_id}/episodes (§4.2): the
// subject id, the page, then the type are checked.
func (s *server) listUserEpisodes(w http.ResponseWriter, r *http.Request) error {
	subjectID, err := parseID(pathParam(r, "subject_id"))
	if err != nil {
		return err
	}
	page, err := episodePageOf(r)
	if err != nil {
		return err
	}
	typ, byType, err := parseEpisodeType(r.URL.Query().Get("episode_type"))
	if err != nil {
		return err
	}
	res, err := s.episodes.ListMarked(r.Context(), viewer(r), ports.EpisodeFilter{SubjectID: subjectID, Type: typ, ByType: byType}, page)
	if err != nil {
		return err
	}
	out := make([]UserEpisodeCollection, len(res.Items))
	for i, m := range res.Items {
		out[i] = userEpisodeOf(m)
	}
	writeJSON(w, http.StatusOK, Paged[UserEpisodeCollection]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
	return nil
}

// getUserEpisode serves GET /v0/users/-/collections/-/episodes/{episode_id} (§4.3).
func (s *server) getUserEpisode(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "episode_id"))
	if err != nil {
		return err
	}
	m, err := s.episodes.GetMarked(r.Context(), viewer(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userEpisodeOf(m))
	return nil
}
