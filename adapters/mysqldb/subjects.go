package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

var _ ports.SubjectRepository = (*SubjectRepository)(nil)

// SubjectRepository reads chii_subjects ⟕ chii_subject_fields (field_sid = subject_id).
type SubjectRepository struct{ q Querier }

// NewSubjectRepository returns a subject repository reading through q.
func NewSubjectRepository(q Querier) *SubjectRepository { return &SubjectRepository{q: q} }

// subjectColumns lists the columns subjectRow reads, of chii_subjects aliased s and
// chii_subject_fields aliased sf: the aliases of a subject in every statement.
var subjectColumns = func() []any {
	cols := make([]any, 0, 33)
	for _, c := range []string{
		"subject_id", "subject_type_id", "subject_name", "subject_name_cn", "field_summary", "field_infobox",
		"subject_image", "subject_platform", "field_volumes", "field_eps", "subject_series", "subject_nsfw",
		"subject_ban", "field_meta_tags", "subject_wish", "subject_collect", "subject_doing", "subject_on_hold",
		"subject_dropped",
	} {
		cols = append(cols, goqu.I("s."+c))
	}
	for _, c := range []string{"field_redirect", "field_date", "field_rank", "field_tags"} {
		cols = append(cols, goqu.I("sf."+c))
	}
	for i := 1; i <= 10; i++ {
		cols = append(cols, goqu.I(fmt.Sprintf("sf.field_rate_%d", i)))
	}
	return cols
}()

// subjects selects chii_subjects s ⟕ chii_subject_fields sf.
func subjects() *goqu.SelectDataset {
	return withSubjectFields(from(goqu.T("chii_subjects").As("s"))).Select(subjectColumns...)
}

// withSubjectFields left-joins the fields row (sf) of the subject s.
func withSubjectFields(ds *goqu.SelectDataset) *goqu.SelectDataset {
	return ds.LeftJoin(goqu.T("chii_subject_fields").As("sf"), goqu.On(goqu.I("sf.field_sid").Eq(goqu.I("s.subject_id"))))
}

// subjectRow receives the subjectColumns of one row. Every column may be NULL (an outer join
// that found no subject, or no fields row); a NULL reads as the zero value.
type subjectRow struct {
	id, volumes, eps, redirect, rank                sql.Null[uint32]
	typ, ban                                        sql.Null[uint8]
	platform                                        sql.Null[uint16]
	name, nameCN, summary, infobox, image, metaTags sql.Null[string]
	series, nsfw                                    sql.Null[int]
	wish, collect, doing, hold, drop                sql.Null[uint32]
	date                                            sql.Null[time.Time]
	tags                                            sql.Null[[]byte]
	rates                                           [10]sql.Null[uint32]
}

func (r *subjectRow) dest() []any {
	dest := []any{
		&r.id, &r.typ, &r.name, &r.nameCN, &r.summary, &r.infobox, &r.image, &r.platform, &r.volumes, &r.eps,
		&r.series, &r.nsfw, &r.ban, &r.metaTags, &r.wish, &r.collect, &r.doing, &r.hold, &r.drop,
		&r.redirect, &r.date, &r.rank, &r.tags,
	}
	for i := range r.rates {
		dest = append(dest, &r.rates[i])
	}
	return dest
}

// subject returns the scanned subject, zero when its columns were NULL.
func (r *subjectRow) subject() (s subject.Subject, err error) {
	if !r.id.Valid {
		return subject.Subject{}, nil
	}
	s = subject.Subject{
		ID: r.id.V, Type: r.typ.V,
		Name: unescape(r.name.V), NameCN: unescape(r.nameCN.V), Summary: r.summary.V, Infobox: unescape(r.infobox.V),
		Image: r.image.V, Platform: r.platform.V, Volumes: r.volumes.V, Eps: r.eps.V,
		Series: r.series.V != 0, NSFW: r.nsfw.V != 0, Ban: r.ban.V, Redirect: r.redirect.V,
		Rank: r.rank.V, MetaTagsField: r.metaTags.V,
		Collection: subject.Collection{
			Wish: r.wish.V, Collect: r.collect.V, Doing: r.doing.V, OnHold: r.hold.V, Dropped: r.drop.V,
		},
	}
	if !r.date.V.IsZero() {
		s.Date = r.date.V.UTC()
	}
	for i, n := range r.rates {
		s.RateCounts[i] = n.V
	}
	if s.Tags, err = decodeTags(r.tags.V); err != nil {
		return s, fmt.Errorf("subject %d: %w", s.ID, err)
	}
	return s, nil
}

// subjectScanner returns a function that scans a row of subjects(); its receivers serve every
// row of the statement.
func subjectScanner() func(*sql.Rows) (subject.Subject, error) {
	var r subjectRow
	dest := r.dest()
	return func(rows *sql.Rows) (subject.Subject, error) {
		if err := rows.Scan(dest...); err != nil {
			return subject.Subject{}, err
		}
		return r.subject()
	}
}

// Get loads a subject whatever its NSFW, ban or redirect state. A subject without a
// chii_subject_fields row has zero rating, rank, tags, date and redirect.
func (r *SubjectRepository) Get(ctx context.Context, id uint32) (subject.Subject, error) {
	var (
		out   subject.Subject
		found bool
	)
	scan := subjectScanner()
	err := queryRows(ctx, r.q, "get subject", subjects().Where(goqu.I("s.subject_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) error {
			s, err := scan(rows)
			out, found = s, true
			return err
		})
	if err != nil {
		return subject.Subject{}, err
	}
	if !found {
		return subject.Subject{}, domain.Errorf(domain.ErrNotFound, "subject %d not found", id)
	}
	return out, nil
}

// GetByIDs loads the subjects of ids that exist, with one statement (none for no ids).
func (r *SubjectRepository) GetByIDs(ctx context.Context, ids []uint32) (map[uint32]subject.Subject, error) {
	out := make(map[uint32]subject.Subject, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	scan := subjectScanner()
	err := queryRows(ctx, r.q, "get subjects", subjects().Where(goqu.I("s.subject_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			s, err := scan(rows)
			out[s.ID] = s
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountEpisodes counts chii_episodes with ep_subject_id = id AND ep_ban = 0.
func (r *SubjectRepository) CountEpisodes(ctx context.Context, id uint32) (int64, error) {
	var n int64
	err := queryRows(ctx, r.q, "count episodes", countEpisodes(id), func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

func countEpisodes(id uint32) *goqu.SelectDataset {
	return from("chii_episodes").Select(goqu.COUNT(goqu.Star())).
		Where(goqu.C("ep_subject_id").Eq(id), goqu.C("ep_ban").Eq(0))
}

// MetaTags lists the wiki meta tags of a subject: chii_tag_neue_list ⋈ chii_tag_neue_index
// (tlt_tid = tag_id, tag_cat = tlt_cat, tag_type = tlt_type) where tlt_uid = 0, tlt_cat = 0,
// tlt_mid = id and tlt_type = subjectType, ORDER BY tlt_tid (tag id; the order of the
// recorded server, which read the rows through the subject_tags index).
func (r *SubjectRepository) MetaTags(ctx context.Context, id uint32, subjectType uint8) ([]string, error) {
	ds := from(goqu.T("chii_tag_neue_list").As("l")).
		Join(goqu.T("chii_tag_neue_index").As("i"), goqu.On(metaTagIndexOn()...)).
		Select(goqu.I("i.tag_name")).
		Where(metaTagListWhere(id, subjectType)...).
		Order(goqu.I("l.tlt_tid").Asc())
	out := []string{}
	err := queryRows(ctx, r.q, "meta tags", ds, func(rows *sql.Rows) error {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		out = append(out, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// metaTagListWhere selects the chii_tag_neue_list rows (aliased l) of a subject's meta tags.
func metaTagListWhere(id uint32, subjectType uint8) []exp.Expression {
	return []exp.Expression{
		goqu.I("l.tlt_uid").Eq(0),
		goqu.I("l.tlt_cat").Eq(0),
		goqu.I("l.tlt_mid").Eq(id),
		goqu.I("l.tlt_type").Eq(subjectType),
	}
}

// metaTagIndexOn joins a chii_tag_neue_list row (l) to its tag (chii_tag_neue_index, i).
func metaTagIndexOn() []exp.Expression {
	return []exp.Expression{
		goqu.I("i.tag_id").Eq(goqu.I("l.tlt_tid")),
		goqu.I("i.tag_cat").Eq(goqu.I("l.tlt_cat")),
		goqu.I("i.tag_type").Eq(goqu.I("l.tlt_type")),
	}
}

// EpisodesAndMetaTags reads CountEpisodes and MetaTags in one statement: MetaTags' rows,
// each with CountEpisodes' statement as a scalar subquery, left-joined to a one-row table so
// that a subject without meta tags still gives a row with its count:
//
//	SELECT (SELECT COUNT(*) FROM chii_episodes WHERE ep_subject_id = ? AND ep_ban = 0), i.tag_id, i.tag_name
//	FROM (SELECT 1) AS one
//	LEFT JOIN chii_tag_neue_list AS l ON <MetaTags' WHERE>
//	LEFT JOIN chii_tag_neue_index AS i ON <MetaTags' join condition>
//	ORDER BY l.tlt_tid
//
// A row without a tag (none listed, or a list row whose tag is missing, which MetaTags' inner
// join drops) adds no name.
func (r *SubjectRepository) EpisodesAndMetaTags(ctx context.Context, id uint32, subjectType uint8) (int64, []string, error) {
	ds := from(goqu.L("(SELECT 1)").As("one")).
		LeftJoin(goqu.T("chii_tag_neue_list").As("l"), goqu.On(metaTagListWhere(id, subjectType)...)).
		LeftJoin(goqu.T("chii_tag_neue_index").As("i"), goqu.On(metaTagIndexOn()...)).
		Select(countEpisodes(id).As("episodes"), goqu.I("i.tag_id"), goqu.I("i.tag_name")).
		Order(goqu.I("l.tlt_tid").Asc())
	var (
		episodes int64
		tags     = []string{}
	)
	err := queryRows(ctx, r.q, "episodes and meta tags", ds, func(rows *sql.Rows) error {
		var (
			tagID sql.Null[uint32]
			name  sql.Null[string]
		)
		if err := rows.Scan(&episodes, &tagID, &name); err != nil {
			return err
		}
		if tagID.Valid {
			tags = append(tags, name.V)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return episodes, tags, nil
}

// Relations lists chii_subject_relations WHERE rlt_subject_id = id
// ORDER BY rlt_order, rlt_related_subject_id, rlt_vice_versa (the unique key is the tie-breaker).
func (r *SubjectRepository) Relations(ctx context.Context, id uint32) ([]subject.Relation, error) {
	ds := relations(from(goqu.T("chii_subject_relations").As("r")), id)
	return listRows(ctx, r.q, "subject relations", ds, func(rows *sql.Rows) (rel subject.Relation, err error) {
		err = rows.Scan(relationDest(&rel)...)
		return rel, err
	})
}

// relations selects the relations (aliased r) of subject id in Relations' order.
func relations(ds *goqu.SelectDataset, id uint32) *goqu.SelectDataset {
	return ds.Select(goqu.I("r.rlt_subject_id"), goqu.I("r.rlt_related_subject_id"), goqu.I("r.rlt_relation_type"),
		goqu.I("r.rlt_order")).
		Where(goqu.I("r.rlt_subject_id").Eq(id)).
		Order(goqu.I("r.rlt_order").Asc(), goqu.I("r.rlt_related_subject_id").Asc(), goqu.I("r.rlt_vice_versa").Asc())
}

func relationDest(rel *subject.Relation) []any {
	return []any{&rel.SubjectID, &rel.RelatedID, &rel.RelationType, &rel.Order}
}

// RelatedSubjects reads Relations with the related subjects in one statement, in Relations'
// order: chii_subject_relations r ⋈ chii_subjects s (s.subject_id = r.rlt_related_subject_id)
// ⟕ chii_subject_fields sf. The inner join leaves out a relation to a missing subject.
func (r *SubjectRepository) RelatedSubjects(ctx context.Context, id uint32) ([]ports.RelatedSubject, error) {
	ds := withSubjectFields(from(goqu.T("chii_subject_relations").As("r")).
		Join(goqu.T("chii_subjects").As("s"), goqu.On(goqu.I("s.subject_id").Eq(goqu.I("r.rlt_related_subject_id")))))
	ds = relations(ds, id).SelectAppend(subjectColumns...)
	var (
		rel subject.Relation
		s   subjectRow
	)
	return scanList(ctx, r.q, "related subjects", ds, append(relationDest(&rel), s.dest()...),
		func() (rs ports.RelatedSubject, err error) {
			rs.Relation = rel
			rs.Subject, err = s.subject()
			return rs, err
		})
}
