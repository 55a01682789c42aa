package mysqldb

import (
	"context"
	"database/sql"
	"html"
	"strings"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

var _ ports.SubjectBrowser = (*SubjectBrowser)(nil)

// SubjectBrowser lists chii_subjects ⋈ chii_subject_fields by filter (http-v0-more.md §1.2).
type SubjectBrowser struct{ q Querier }

// NewSubjectBrowser returns a subject browser reading through q.
func NewSubjectBrowser(q Querier) *SubjectBrowser { return &SubjectBrowser{q: q} }

// likeEscaper makes a LIKE pattern match its text literally (bangumi lets % and _ act as
// wildcards; the recorded answers leave that out).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// browseWhere is the filter of both the count and the page.
func browseWhere(f subject.BrowseFilter) []exp.Expression {
	where := []exp.Expression{
		goqu.I("s.subject_type_id").Eq(f.Type),
		goqu.I("sf.field_redirect").Eq(0),
	}
	if !f.AllowNSFW {
		where = append(where, goqu.I("s.subject_nsfw").Eq(0))
	}
	if f.HasCat {
		where = append(where, goqu.I("s.subject_platform").Eq(f.Cat))
	}
	if f.Series != nil {
		where = append(where, goqu.I("s.subject_series").Eq(*f.Series))
	}
	if f.Platform != "" {
		// the infobox is stored HTML-escaped
		where = append(where, goqu.I("s.field_infobox").Like("%["+likeEscaper.Replace(html.EscapeString(f.Platform))+"]%"))
	}
	if f.Year != 0 {
		where = append(where, goqu.I("sf.field_year").Eq(f.Year))
	}
	if f.Month != 0 {
		where = append(where, goqu.I("sf.field_mon").Eq(f.Month))
	}
	if f.Sort == subject.SortRank {
		where = append(where, goqu.I("sf.field_rank").Gt(0))
	}
	return where
}

func browseFrom() *goqu.SelectDataset {
	return from(goqu.T("chii_subjects").As("s")).
		Join(goqu.T("chii_subject_fields").As("sf"), goqu.On(goqu.I("sf.field_sid").Eq(goqu.I("s.subject_id"))))
}

// CountBrowse counts the subjects f selects, in one statement.
func (r *SubjectBrowser) CountBrowse(ctx context.Context, f subject.BrowseFilter) (int64, error) {
	var n int64
	ds := browseFrom().Select(goqu.COUNT(goqu.Star())).Where(browseWhere(f)...)
	err := queryRows(ctx, r.q, "count browse", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// Browse pages the subjects f selects, in one statement: ORDER BY subject_id (no sort),
// field_date DESC, subject_id (date) or field_rank, subject_id (rank). A negative limit
// means no limit.
func (r *SubjectBrowser) Browse(ctx context.Context, f subject.BrowseFilter, limit, offset int) ([]subject.Subject, error) {
	ds := browseFrom().Select(subjectColumns...).Where(browseWhere(f)...)
	switch f.Sort {
	case subject.SortDate:
		ds = ds.Order(goqu.I("sf.field_date").Desc(), goqu.I("s.subject_id").Asc())
	case subject.SortRank:
		ds = ds.Order(goqu.I("sf.field_rank").Asc(), goqu.I("s.subject_id").Asc())
	default:
		ds = ds.Order(goqu.I("s.subject_id").Asc())
	}
	ds = page(ds, limit, offset)
	out := []subject.Subject{}
	scan := subjectScanner()
	err := queryRows(ctx, r.q, "browse subjects", ds, func(rows *sql.Rows) error {
		s, err := scan(rows)
		out = append(out, s)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BrowseMetaTags lists the meta tags of the subjects ids in one statement (none for no ids):
// chii_tag_neue_list ⋈ chii_tag_neue_index (tlt_tid = tag_id) where tlt_uid = 0, tag_cat = 0
// and tlt_mid IN ids, with no subject type condition, by tag id.
func (r *SubjectBrowser) BrowseMetaTags(ctx context.Context, ids []uint32) (map[uint32][]string, error) {
	out := make(map[uint32][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ds := from(goqu.T("chii_tag_neue_list").As("l")).
		Join(goqu.T("chii_tag_neue_index").As("i"), goqu.On(goqu.I("i.tag_id").Eq(goqu.I("l.tlt_tid")))).
		Select(goqu.I("l.tlt_mid"), goqu.I("i.tag_name")).
		Where(goqu.I("l.tlt_uid").Eq(0), goqu.I("i.tag_cat").Eq(0), goqu.I("l.tlt_mid").In(uint32s(ids)...)).
		Order(goqu.I("l.tlt_mid").Asc(), goqu.I("l.tlt_tid").Asc())
	err := queryRows(ctx, r.q, "browse meta tags", ds, func(rows *sql.Rows) error {
		var (
			id   uint32
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		out[id] = append(out[id], name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
