package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/bangumi/chii/domain/label"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
)

// browseRequest is the query of GET /v0/subjects, for the OpenAPI document.
type browseRequest struct {
	Type     uint8  `query:"type" enum:"1,2,3,4,6" description:"条目类型；缺省时结果为空" example:"2"`
	Cat      uint16 `query:"cat" description:"条目分类（平台），须属于所给的条目类型，参照 subject platform 定义" example:"1"`
	Series   bool   `query:"series" description:"是否系列，仅对书籍类型的条目有效"`
	Platform string `query:"platform" description:"平台，仅对游戏类型的条目有效：条目信息框中出现 [platform] 的条目" example:"PC"`
	Sort     string `query:"sort" enum:"date,rank" description:"排序：date 按放送/发售日期倒序，rank 按排名（只列有排名的条目）；缺省按条目 ID。相同时按条目 ID 升序"`
	Year     int32  `query:"year" minimum:"1900" maximum:"3000" description:"年份" example:"2022"`
	Month    int8   `query:"month" minimum:"1" maximum:"12" description:"月份" example:"4"`
	pageQuery
}

// parseBrowse validates the browse query in bangumi's order (http-v0-more.md §1.1), after the
// page; its messages are bangumi's.
func parseBrowse(q url.Values) (f subject.BrowseFilter, page usecase.Page, err error) {
	if page, err = parsePage(q.Get("limit"), q.Get("offset")); err != nil {
		return f, page, err
	}
	if f.Type, err = parseSubjectType(q.Get("type")); err != nil {
		return f, page, err
	}
	if raw := q.Get("cat"); raw != "" {
		if f.Type == 0 {
			return f, page, badRequest("400: bad subject type: " + strconv.Quote(raw))
		}
		cat, err := strconv.ParseUint(raw, 10, 16)
		if err != nil {
			return f, page, badRequest("400: bad subject category: " + strconv.Quote(raw))
		}
		if _, ok := label.Platform(f.Type, uint16(cat)); !ok {
			return f, page, badRequest("400: bad subject category: " + strconv.Quote(raw))
		}
		f.Cat, f.HasCat = uint16(cat), true
	}
	if raw := q.Get("series"); f.Type == subject.TypeBook && raw != "" {
		series, err := strconv.ParseBool(raw)
		if err != nil {
			return f, page, badRequest("strconv: " + err.Error())
		}
		f.Series = &series
	}
	if f.Type == subject.TypeGame {
		f.Platform = q.Get("platform")
	}
	switch raw := q.Get("sort"); raw {
	case "":
	case "date":
		f.Sort = subject.SortDate
	case "rank":
		f.Sort = subject.SortRank
	default:
		return f, page, badRequest("unknown sort: " + raw)
	}
	if raw := q.Get("year"); raw != "" {
		y, err := strconv.ParseInt(raw, 10, 32)
		if err != nil {
			return f, page, badRequest("strconv: " + err.Error())
		}
		if y < 1900 || y > 3000 {
			return f, page, badRequest("invalid year: " + raw)
		}
		f.Year = int32(y)
	}
	if raw := q.Get("month"); raw != "" {
		m, err := strconv.ParseInt(raw, 10, 8)
		if err != nil {
			return f, page, badRequest("strconv: " + err.Error())
		}
		if m < 1 || m > 12 {
			return f, page, badRequest("invalid month: " + raw)
		}
		f.Month = int8(m)
	}
	return f, page, nil
}

// browseSubjects: GET /v0/subjects (http-v0-more.md §1).
func (s *server) browseSubjects(w http.ResponseWriter, r *http.Request) error {
	f, page, err := parseBrowse(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := s.browse.List(r.Context(), viewer(r), f, page)
	if err != nil {
		return err
	}
	out := make([]Subject, len(res.Items))
	for i, it := range res.Items {
		out[i] = subjectDetail(it.Subject, 0, it.MetaTags)
	}
	writeJSON(w, http.StatusOK, Paged[Subject]{Data: out, Total: res.Total, Limit: page.Limit, Offset: page.Offset})
	return nil
}
