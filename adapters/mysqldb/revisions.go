package mysqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/ports"
)

var _ ports.RevisionRepository = (*RevisionRepository)(nil)

// RevisionRepository reads the edit history: chii_subject_revisions, and chii_rev_history ⟕
// chii_rev_text for characters, persons and episodes; each row LEFT JOINs its creator in
// chii_members. Every column is returned raw (no HTML unescaping, §8.2).
type RevisionRepository struct{ q Querier }

// NewRevisionRepository returns a revision repository reading through q.
func NewRevisionRepository(q Querier) *RevisionRepository { return &RevisionRepository{q: q} }

// revisionTable is where the revisions of k live, aliased r, and the condition that keeps
// only k's revisions.
func revisionTable(k revision.Kind) (table exp.AliasedExpression, entity string, where []exp.Expression) {
	if k == revision.KindSubject {
		return goqu.T("chii_subject_revisions").As("r"), "r.rev_subject_id", nil
	}
	types := make([]any, 0, 6)
	for _, t := range k.Types() {
		types = append(types, t)
	}
	if len(types) == 0 { // an unknown kind selects nothing
		return goqu.T("chii_rev_history").As("r"), "r.rev_mid", []exp.Expression{goqu.L("FALSE")}
	}
	return goqu.T("chii_rev_history").As("r"), "r.rev_mid", []exp.Expression{goqu.I("r.rev_type").In(types...)}
}

// revisionColumns are the common columns, the creator's, then the subject data's.
func revisionColumns(k revision.Kind) []any {
	cols := []any{
		goqu.I("r.rev_id"), goqu.I("r.rev_type"), goqu.I("r.rev_creator"), goqu.I("r.rev_dateline"),
		goqu.I("r.rev_edit_summary"),
		goqu.COALESCE(goqu.I("m.username"), ""), goqu.COALESCE(goqu.I("m.nickname"), ""),
	}
	if k == revision.KindSubject {
		cols = append(cols, goqu.I("r.rev_subject_id"),
			goqu.I("r.rev_name"), goqu.I("r.rev_name_cn"), goqu.I("r.rev_vote_field"), goqu.I("r.rev_field_infobox"),
			goqu.I("r.rev_field_summary"), goqu.I("r.rev_platform"), goqu.I("r.rev_type_id"), goqu.I("r.rev_field_eps"))
	} else {
		cols = append(cols, goqu.I("r.rev_mid"))
	}
	return cols
}

// revisionScanner scans a row of revisionColumns(k) (plus the text when withText).
type revisionScanner struct {
	rev      revision.Revision
	dateline int64
	dest     []any
}

func newRevisionScanner(k revision.Kind, withText bool) *revisionScanner {
	s := &revisionScanner{}
	r := &s.rev
	s.dest = []any{&r.ID, &r.Type, &r.CreatorID, &s.dateline, &r.Summary, &r.Creator.Username, &r.Creator.Nickname, &r.EntityID}
	if k == revision.KindSubject {
		d := &r.Subject
		s.dest = append(s.dest, &d.Name, &d.NameCN, &d.VoteField, &d.Infobox, &d.Summary, &d.Platform, &d.TypeID, &d.Eps)
	}
	if withText {
		s.dest = append(s.dest, &r.Text)
	}
	return s
}

func (s *revisionScanner) build(k revision.Kind) revision.Revision {
	r := s.rev
	r.CreatedAt = time.Unix(s.dateline, 0).UTC()
	if k == revision.KindSubject {
		r.Subject.SubjectID, r.Subject.Type = r.EntityID, r.Type
	}
	return r
}

func joinCreator(ds *goqu.SelectDataset) *goqu.SelectDataset {
	return ds.LeftJoin(goqu.T("chii_members").As("m"), goqu.On(goqu.I("m.uid").Eq(goqu.I("r.rev_creator"))))
}

// Count counts the revisions of the entity: COUNT(*) WHERE <entity column> = ? [AND rev_type IN (…)].
func (r *RevisionRepository) Count(ctx context.Context, k revision.Kind, entityID uint32) (int64, error) {
	table, entity, where := revisionTable(k)
	var n int64
	ds := from(table).Select(goqu.COUNT(goqu.Star())).Where(append(where, goqu.I(entity).Eq(entityID))...)
	err := queryRows(ctx, r.q, "count revisions", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// List pages the entity's revisions ⟕ creators ORDER BY rev_id DESC (the primary key: no ties).
func (r *RevisionRepository) List(ctx context.Context, k revision.Kind, entityID uint32, limit, offset int) ([]revision.Revision, error) {
	table, entity, where := revisionTable(k)
	ds := joinCreator(from(table).Select(revisionColumns(k)...)).
		Where(append(where, goqu.I(entity).Eq(entityID))...).
		Order(goqu.I("r.rev_id").Desc())
	s := newRevisionScanner(k, false)
	return scanList(ctx, r.q, "list revisions", page(ds, limit, offset), s.dest, func() (revision.Revision, error) {
		return s.build(k), nil
	})
}

// Get loads revision id ⟕ creator; for chii_rev_history ⋈ chii_rev_text, so a missing text
// row is not found, like a missing revision.
func (r *RevisionRepository) Get(ctx context.Context, k revision.Kind, id uint32) (revision.Revision, error) {
	table, _, where := revisionTable(k)
	cols := revisionColumns(k)
	ds := from(table)
	withText := k != revision.KindSubject
	if withText {
		cols = append(cols, goqu.I("t.rev_text"))
		ds = ds.Join(goqu.T("chii_rev_text").As("t"), goqu.On(goqu.I("t.rev_text_id").Eq(goqu.I("r.rev_text_id"))))
	}
	ds = joinCreator(ds.Select(cols...)).Where(append(where, goqu.I("r.rev_id").Eq(id))...).Limit(1)
	s := newRevisionScanner(k, withText)
	revs, err := scanList(ctx, r.q, "get revision", ds, s.dest, func() (revision.Revision, error) {
		return s.build(k), nil
	})
	if err != nil {
		return revision.Revision{}, err
	}
	if len(revs) == 0 {
		return revision.Revision{}, domain.Errorf(domain.ErrNotFound, "%s revision %d not found", k, id)
	}
	return revs[0], nil
}
