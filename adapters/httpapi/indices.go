package httpapi

import (
	"net/http"
	"strconv"

	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
)

// Indices (目录, http-v0-more.md §7.2–§7.5): anonymous, no Cache-Control. Title, description
// and comments are returned raw; subject names and infoboxes HTML-unescaped.

// IndexCreator is the member who made an index; both "" when the member row is missing (N15).
type IndexCreator struct {
	Username string `json:"username" required:"true" example:"382951"`
	Nickname string `json:"nickname" required:"true" example:"树洞酱"`
}

// IndexStat counts an index's comments and collects.
type IndexStat struct {
	Comments uint32 `json:"comments" required:"true" example:"3"`
	Collects uint32 `json:"collects" required:"true" example:"2"`
}

// Index is an index (目录).
type Index struct {
	CreatedAt string       `json:"created_at" required:"true" format:"date-time" example:"2023-11-14T22:13:20Z"`
	UpdatedAt string       `json:"updated_at" required:"true" format:"date-time" example:"2023-11-14T22:28:20Z"`
	Creator   IndexCreator `json:"creator" required:"true"`
	Title     string       `json:"title" required:"true" example:"公开目录"`
	Desc      string       `json:"desc" required:"true" description:"原样返回（BBCode，保留 CRLF）"`
	Total     uint32       `json:"total" required:"true" description:"收录的条目数（存储的计数）" example:"9"`
	ID        uint32       `json:"id" required:"true" example:"90001"`
	Stat      IndexStat    `json:"stat" required:"true"`
	NSFW      bool         `json:"nsfw" required:"true" description:"是否收录了 NSFW 条目"`
	Ban       bool         `json:"ban" required:"true" description:"总是 false"`
}

// IndexSubject is a subject listed by an index. A listed subject whose row is gone has zero
// values (id 0, empty strings, date null).
type IndexSubject struct {
	AddedAt string        `json:"added_at" required:"true" format:"date-time" example:"2023-11-14T22:15:00Z"`
	Date    *string       `json:"date" required:"true" format:"date" description:"YYYY-MM-DD; null when unknown" example:"1998-10-23"`
	Images  SubjectImages `json:"images" required:"true"`
	Name    string        `json:"name" required:"true" example:"カウボーイビバップ"`
	NameCN  string        `json:"name_cn" required:"true" example:"星际牛仔"`
	Comment string        `json:"comment" required:"true" description:"目录中对条目的评价，原样返回" example:"第一 first"`
	Infobox []InfoboxItem `json:"infobox" required:"true"`
	ID      uint32        `json:"id" required:"true" example:"253"`
	Type    uint8         `json:"type" required:"true" description:"条目类型：1 书籍，2 动画，3 音乐，4 游戏，6 三次元" example:"2"`
}

// Requests, for the OpenAPI document.
type (
	indexPath struct {
		IndexID uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
	}
	indexSubjectsRequest struct {
		IndexID uint32 `path:"index_id" required:"true" minimum:"1" maximum:"4294967295" description:"目录 ID" example:"90001"`
		Type    uint8  `query:"type" enum:"[1,2,3,4,6]" description:"只列出以这一条目类型加入目录的条目" example:"2"`
		pageQuery
	}
)

func indexOf(i index.Index) Index {
	return Index{
		CreatedAt: timestamp(i.CreatedAt), UpdatedAt: timestamp(i.UpdatedAt),
		Creator: IndexCreator{Username: i.Creator.Username, Nickname: i.Creator.Nickname},
		Title:   i.Title, Desc: i.Desc, Total: i.Total, ID: i.ID,
		Stat: IndexStat{Comments: i.Replies, Collects: i.Collects}, NSFW: i.NSFW,
	}
}

func indexSubject(is index.Subject) IndexSubject {
	s := is.Subject
	return IndexSubject{
		AddedAt: timestamp(is.Entry.AddedAt), Date: date(s.Date), Images: subjectImages(s.Image),
		Name: s.Name, NameCN: s.NameCN, Comment: is.Entry.Comment, Infobox: infobox(s.Infobox),
		ID: s.ID, Type: s.Type,
	}
}

// parseIndexSubjectType parses the type filter of an index's subjects; "" is every type. Unlike
// the user collections' filter, its messages have no "400: " prefix (N20: kept verbatim).
func parseIndexSubjectType(s string) (uint8, error) {
	if s == "" {
		return 0, nil
	}
	t, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, badRequest("bad subject type: " + strconv.Quote(s))
	}
	if !subject.ValidType(uint8(t)) {
		return 0, badRequest(strconv.Quote(s) + " is not a valid subject type")
	}
	return uint8(t), nil
}

// getIndex serves GET /v0/indices/{index_id} (§7.4).
func (s *server) getIndex(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	i, err := s.indices.Get(r.Context(), viewer(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, indexOf(i))
	return nil
}

// getIndexSubjects serves GET /v0/indices/{index_id}/subjects?type=&limit=&offset= (§7.5):
// the id, then the type, then the page are checked, then the index's visibility.
func (s *server) getIndexSubjects(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(pathParam(r, "index_id"))
	if err != nil {
		return err
	}
	typ, err := parseIndexSubjectType(r.URL.Query().Get("type"))
	if err != nil {
		return err
	}
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	res, err := s.indices.ListSubjects(r.Context(), viewer(r), id, typ, page)
	if err != nil {
		return err
	}
	out := make([]IndexSubject, len(res.Items))
	for i, is := range res.Items {
		out[i] = indexSubject(is)
	}
	writeJSON(w, http.StatusOK, Paged[IndexSubject]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
	return nil
}
