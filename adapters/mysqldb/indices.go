package mysqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

var _ ports.IndexRepository = (*IndexRepository)(nil)

// IndexRepository reads chii_index ⟕ chii_members, and chii_index_related ⟕ chii_subjects ⟕
// chii_subject_fields. Titles, descriptions and comments are returned raw (§7.2, §7.3).
type IndexRepository struct{ q Querier }

// NewIndexRepository returns an index repository reading through q.
func NewIndexRepository(q Querier) *IndexRepository { return &IndexRepository{q: q} }

// Get loads the index ⟕ its creator, with its NSFW flag as an EXISTS subquery over its listed
// entries ⋈ subjects, in one statement.
func (r *IndexRepository) Get(ctx context.Context, id uint32) (index.Index, error) {
	nsfw := from(goqu.T("chii_index_related").As("r")).
		Join(goqu.T("chii_subjects").As("s"), goqu.On(goqu.I("s.subject_id").Eq(goqu.I("r.idx_rlt_sid")))).
		Select(goqu.L("1")).
		Where(goqu.I("r.idx_rlt_rid").Eq(goqu.I("i.idx_id")), goqu.I("r.idx_rlt_cat").Eq(index.CatSubject),
			goqu.I("r.idx_rlt_ban").Eq(0), goqu.I("s.subject_nsfw").Eq(1))
	ds := from(goqu.T("chii_index").As("i")).
		LeftJoin(goqu.T("chii_members").As("m"), goqu.On(goqu.I("m.uid").Eq(goqu.I("i.idx_uid")))).
		Select(
			goqu.I("i.idx_id"), goqu.I("i.idx_title"), goqu.I("i.idx_desc"), goqu.I("i.idx_replies"),
			goqu.I("i.idx_subject_total"), goqu.I("i.idx_collects"), goqu.I("i.idx_dateline"), goqu.I("i.idx_lasttouch"),
			goqu.I("i.idx_uid"), goqu.I("i.idx_ban"),
			goqu.COALESCE(goqu.I("m.username"), ""), goqu.COALESCE(goqu.I("m.nickname"), ""),
			goqu.L("EXISTS(?)", nsfw),
		).
		Where(goqu.I("i.idx_id").Eq(id)).Limit(1)
	var (
		out                        index.Index
		found                      bool
		collects, created, updated int64
		creatorID                  int64
	)
	err := queryRows(ctx, r.q, "get index", ds, func(rows *sql.Rows) error {
		found = true
		return rows.Scan(&out.ID, &out.Title, &out.Desc, &out.Replies, &out.Total, &collects, &created, &updated,
			&creatorID, &out.Privacy, &out.Creator.Username, &out.Creator.Nickname, &out.NSFW)
	})
	if err != nil {
		return index.Index{}, err
	}
	if !found {
		return index.Index{}, domain.Errorf(domain.ErrNotFound, "index %d not found", id)
	}
	out.Collects = uint32(max(collects, 0))   // a signed column
	out.CreatorID = uint32(max(creatorID, 0)) // a signed column
	out.CreatedAt, out.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return out, nil
}

// listed is the condition of the listed subject entries of index id (of subjectType unless 0).
func listed(id uint32, subjectType uint8) []exp.Expression {
	where := []exp.Expression{
		goqu.I("r.idx_rlt_rid").Eq(id), goqu.I("r.idx_rlt_cat").Eq(index.CatSubject), goqu.I("r.idx_rlt_ban").Eq(0),
	}
	if subjectType != 0 {
		where = append(where, goqu.I("r.idx_rlt_type").Eq(subjectType))
	}
	return where
}

// CountSubjects counts the listed entries: COUNT(*) of chii_index_related by the index's key.
func (r *IndexRepository) CountSubjects(ctx context.Context, id uint32, subjectType uint8) (int64, error) {
	var n int64
	ds := from(goqu.T("chii_index_related").As("r")).Select(goqu.COUNT(goqu.Star())).Where(listed(id, subjectType)...)
	err := queryRows(ctx, r.q, "count index subjects", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// ListSubjects pages the listed entries ⟕ subjects ⟕ fields ORDER BY idx_rlt_order, idx_rlt_id.
func (r *IndexRepository) ListSubjects(ctx context.Context, id uint32, subjectType uint8, limit, offset int) ([]index.Subject, error) {
	cols := append([]any{
		goqu.I("r.idx_rlt_id"), goqu.I("r.idx_rlt_rid"), goqu.I("r.idx_rlt_cat"), goqu.I("r.idx_rlt_type"),
		goqu.I("r.idx_rlt_sid"), goqu.I("r.idx_rlt_order"), goqu.I("r.idx_rlt_comment"), goqu.I("r.idx_rlt_dateline"),
	}, subjectColumns...)
	ds := withSubjectFields(from(goqu.T("chii_index_related").As("r")).
		LeftJoin(goqu.T("chii_subjects").As("s"), goqu.On(goqu.I("s.subject_id").Eq(goqu.I("r.idx_rlt_sid"))))).
		Select(cols...).
		Where(listed(id, subjectType)...).
		Order(goqu.I("r.idx_rlt_order").Asc(), goqu.I("r.idx_rlt_id").Asc())
	var (
		e     index.Entry
		added int64
		sr    subjectRow
	)
	dest := append([]any{&e.ID, &e.IndexID, &e.Cat, &e.SubjectType, &e.TargetID, &e.Order, &e.Comment, &added}, sr.dest()...)
	return scanList(ctx, r.q, "list index subjects", page(ds, limit, offset), dest, func() (index.Subject, error) {
		s, err := sr.subject()
		if err != nil {
			return index.Subject{}, err
		}
		entry := e
		entry.AddedAt = time.Unix(added, 0).UTC()
		return index.Subject{Entry: entry, Subject: s}, nil
	})
}
