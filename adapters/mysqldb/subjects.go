package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doug-martin/goqu/v9"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/ports"
)

var _ ports.SubjectRepository = (*SubjectRepository)(nil)

// SubjectRepository reads chii_subjects ⟕ chii_subject_fields (field_sid = subject_id).
type SubjectRepository struct{ q Querier }

// NewSubjectRepository returns a subject repository reading through q.
func NewSubjectRepository(q Querier) *SubjectRepository { return &SubjectRepository{q: q} }

var subjectColumns = []any{
	goqu.I("s.subject_id"), goqu.I("s.subject_type_id"), goqu.I("s.subject_name"), goqu.I("s.subject_name_cn"),
	goqu.I("s.field_summary"), goqu.I("s.field_infobox"), goqu.I("s.subject_image"), goqu.I("s.subject_platform"),
	goqu.I("s.field_volumes"), goqu.I("s.field_eps"), goqu.I("s.subject_series"), goqu.I("s.subject_nsfw"),
	goqu.I("s.subject_ban"), goqu.I("s.field_meta_tags"),
	goqu.I("s.subject_wish"), goqu.I("s.subject_collect"), goqu.I("s.subject_doing"),
	goqu.I("s.subject_on_hold"), goqu.I("s.subject_dropped"),
	goqu.I("f.field_redirect"), goqu.I("f.field_date"), goqu.I("f.field_rank"), goqu.I("f.field_tags"),
	goqu.I("f.field_rate_1"), goqu.I("f.field_rate_2"), goqu.I("f.field_rate_3"), goqu.I("f.field_rate_4"),
	goqu.I("f.field_rate_5"), goqu.I("f.field_rate_6"), goqu.I("f.field_rate_7"), goqu.I("f.field_rate_8"),
	goqu.I("f.field_rate_9"), goqu.I("f.field_rate_10"),
}

func subjects() *goqu.SelectDataset {
	return from(goqu.T("chii_subjects").As("s")).
		LeftJoin(goqu.T("chii_subject_fields").As("f"), goqu.On(goqu.I("f.field_sid").Eq(goqu.I("s.subject_id")))).
		Select(subjectColumns...)
}

func scanSubject(rows *sql.Rows) (subject.Subject, error) {
	var (
		s                                subject.Subject
		name, nameCN, infobox            string
		series, nsfw                     int
		redirect, rank                   sql.Null[uint32]
		date                             sql.Null[time.Time]
		tags                             sql.Null[[]byte]
		rates                            [10]sql.Null[uint32]
		wish, collect, doing, hold, drop uint32
	)
	dest := []any{
		&s.ID, &s.Type, &name, &nameCN, &s.Summary, &infobox, &s.Image, &s.Platform,
		&s.Volumes, &s.Eps, &series, &nsfw, &s.Ban, &s.MetaTagsField,
		&wish, &collect, &doing, &hold, &drop,
		&redirect, &date, &rank, &tags,
	}
	for i := range rates {
		dest = append(dest, &rates[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return s, err
	}
	s.Name, s.NameCN, s.Infobox = unescape(name), unescape(nameCN), unescape(infobox)
	s.Series, s.NSFW = series != 0, nsfw != 0
	s.Collection = subject.Collection{Wish: wish, Collect: collect, Doing: doing, OnHold: hold, Dropped: drop}
	s.Redirect, s.Rank = redirect.V, rank.V
	if date.Valid && !date.V.IsZero() {
		s.Date = date.V.UTC()
	}
	for i, r := range rates {
		s.RateCounts[i] = r.V
	}
	var err error
	if s.Tags, err = decodeTags(tags.V); err != nil {
		return s, fmt.Errorf("subject %d: %w", s.ID, err)
	}
	return s, nil
}

// Get loads a subject whatever its NSFW, ban or redirect state. A subject without a
// chii_subject_fields row has zero rating, rank, tags, date and redirect.
func (r *SubjectRepository) Get(ctx context.Context, id uint32) (subject.Subject, error) {
	var (
		out   subject.Subject
		found bool
	)
	err := queryRows(ctx, r.q, "get subject", subjects().Where(goqu.I("s.subject_id").Eq(id)).Limit(1),
		func(rows *sql.Rows) error {
			s, err := scanSubject(rows)
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
	err := queryRows(ctx, r.q, "get subjects", subjects().Where(goqu.I("s.subject_id").In(uint32s(ids)...)),
		func(rows *sql.Rows) error {
			s, err := scanSubject(rows)
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
	ds := from("chii_episodes").Select(goqu.COUNT(goqu.Star())).
		Where(goqu.C("ep_subject_id").Eq(id), goqu.C("ep_ban").Eq(0))
	err := queryRows(ctx, r.q, "count episodes", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// MetaTags lists the wiki meta tags of a subject: chii_tag_neue_list ⋈ chii_tag_neue_index
// (tlt_tid = tag_id, tag_cat = tlt_cat, tag_type = tlt_type) where tlt_uid = 0, tlt_cat = 0,
// tlt_mid = id and tlt_type = subjectType, ORDER BY tlt_tid (tag id; the order of the
// recorded server, which read the rows through the subject_tags index).
func (r *SubjectRepository) MetaTags(ctx context.Context, id uint32, subjectType uint8) ([]string, error) {
	ds := from(goqu.T("chii_tag_neue_list").As("l")).
		Join(goqu.T("chii_tag_neue_index").As("i"), goqu.On(
			goqu.I("i.tag_id").Eq(goqu.I("l.tlt_tid")),
			goqu.I("i.tag_cat").Eq(goqu.I("l.tlt_cat")),
			goqu.I("i.tag_type").Eq(goqu.I("l.tlt_type")),
		)).
		Select(goqu.I("i.tag_name")).
		Where(
			goqu.I("l.tlt_uid").Eq(0),
			goqu.I("l.tlt_cat").Eq(0),
			goqu.I("l.tlt_mid").Eq(id),
			goqu.I("l.tlt_type").Eq(subjectType),
		).
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

// Relations lists chii_subject_relations WHERE rlt_subject_id = id
// ORDER BY rlt_order, rlt_related_subject_id, rlt_vice_versa (the unique key is the tie-breaker).
func (r *SubjectRepository) Relations(ctx context.Context, id uint32) ([]subject.Relation, error) {
	ds := from("chii_subject_relations").
		Select("rlt_subject_id", "rlt_related_subject_id", "rlt_relation_type", "rlt_order").
		Where(goqu.C("rlt_subject_id").Eq(id)).
		Order(goqu.C("rlt_order").Asc(), goqu.C("rlt_related_subject_id").Asc(), goqu.C("rlt_vice_versa").Asc())
	out := []subject.Relation{}
	err := queryRows(ctx, r.q, "subject relations", ds, func(rows *sql.Rows) error {
		var rel subject.Relation
		if err := rows.Scan(&rel.SubjectID, &rel.RelatedID, &rel.RelationType, &rel.Order); err != nil {
			return err
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
