package mysqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

var (
	_ ports.SubjectCollectionRepository = (*SubjectCollectionRepository)(nil)
	_ ports.MonoCollectReader           = (*MonoCollectRepository)(nil)
)

// SubjectCollectionRepository reads chii_subject_interests; rows with interest_type = 0
// never count.
type SubjectCollectionRepository struct{ q Querier }

// NewSubjectCollectionRepository returns a subject collection repository reading through q.
func NewSubjectCollectionRepository(q Querier) *SubjectCollectionRepository {
	return &SubjectCollectionRepository{q: q}
}

var subjectCollectionColumns = []any{
	"interest_id", "interest_uid", "interest_subject_id", "interest_subject_type", "interest_rate",
	"interest_type", "interest_comment", "interest_tag", "interest_ep_status", "interest_vol_status",
	"interest_lasttouch", "interest_private",
}

func scanSubjectCollection(rows *sql.Rows) (user.SubjectCollection, error) {
	var (
		c         user.SubjectCollection
		comment   string
		lasttouch int64
	)
	err := rows.Scan(&c.ID, &c.UserID, &c.SubjectID, &c.SubjectType, &c.Rate, &c.Type, &comment, &c.Tags,
		&c.EpStatus, &c.VolStatus, &lasttouch, &c.Private)
	c.Comment, c.UpdatedAt = unescape(comment), time.Unix(lasttouch, 0).UTC()
	return c, err
}

func subjectCollectionsWhere(f user.SubjectCollectionFilter) []exp.Expression {
	where := []exp.Expression{goqu.C("interest_uid").Eq(f.UserID), goqu.C("interest_type").Neq(0)}
	if f.SubjectType != 0 {
		where = append(where, goqu.C("interest_subject_type").Eq(f.SubjectType))
	}
	if f.Type != 0 {
		where = append(where, goqu.C("interest_type").Eq(f.Type))
	}
	if !f.ShowPrivate {
		where = append(where, goqu.C("interest_private").Eq(0))
	}
	return where
}

// Count counts the collections f selects: interest_uid = UserID AND interest_type != 0
// [AND interest_subject_type = SubjectType] [AND interest_type = Type]
// [AND interest_private = 0 unless ShowPrivate].
func (r *SubjectCollectionRepository) Count(ctx context.Context, f user.SubjectCollectionFilter) (int64, error) {
	var n int64
	ds := from("chii_subject_interests").Select(goqu.COUNT(goqu.Star())).Where(subjectCollectionsWhere(f)...)
	err := queryRows(ctx, r.q, "count subject collections", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// List pages the collections f selects ORDER BY interest_lasttouch DESC, then interest_id:
// ascending when f filters on neither SubjectType nor Type, descending when it filters on
// either. This reproduces the recorded server, whose ties came out in MySQL's stable
// filesort order on a full list and in its (LIMIT) priority-queue order on the filtered,
// paged list (golden ucol-list-anon vs ucol-list-st4-type1-limit5-offset5); no single
// tie-breaker reproduces both. A negative limit means no limit.
func (r *SubjectCollectionRepository) List(ctx context.Context, f user.SubjectCollectionFilter, limit, offset int) ([]user.SubjectCollection, error) {
	tie := goqu.C("interest_id").Asc()
	if f.SubjectType != 0 || f.Type != 0 {
		tie = goqu.C("interest_id").Desc()
	}
	ds := from("chii_subject_interests").Select(subjectCollectionColumns...).
		Where(subjectCollectionsWhere(f)...).
		Order(goqu.C("interest_lasttouch").Desc(), tie)
	out := []user.SubjectCollection{}
	err := queryRows(ctx, r.q, "list subject collections", page(ds, limit, offset), func(rows *sql.Rows) error {
		c, err := scanSubjectCollection(rows)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get loads the collection interest_uid = userID AND interest_subject_id = subjectID AND
// interest_type != 0, private or not (the caller decides who may see it).
func (r *SubjectCollectionRepository) Get(ctx context.Context, userID, subjectID uint32) (user.SubjectCollection, error) {
	var (
		out   user.SubjectCollection
		found bool
	)
	ds := from("chii_subject_interests").Select(subjectCollectionColumns...).Where(
		goqu.C("interest_uid").Eq(userID),
		goqu.C("interest_subject_id").Eq(subjectID),
		goqu.C("interest_type").Neq(0),
	).Limit(1)
	err := queryRows(ctx, r.q, "get subject collection", ds, func(rows *sql.Rows) (err error) {
		out, err = scanSubjectCollection(rows)
		found = true
		return err
	})
	if err != nil {
		return user.SubjectCollection{}, err
	}
	if !found {
		return user.SubjectCollection{}, domain.Errorf(domain.ErrNotFound, "subject %d is not collected by user %d", subjectID, userID)
	}
	return out, nil
}

// MonoCollectRepository reads users' character and person collections (chii_person_collects,
// prsn_clt_cat 'crt' or 'prsn').
type MonoCollectRepository struct{ q Querier }

// NewMonoCollectRepository returns a mono collect reader reading through q.
func NewMonoCollectRepository(q Querier) *MonoCollectRepository { return &MonoCollectRepository{q: q} }

var monoCollectReadColumns = []any{"prsn_clt_id", "prsn_clt_cat", "prsn_clt_mid", "prsn_clt_uid", "prsn_clt_dateline"}

func monoCollectsWhere(userID uint32, cat mono.Category) ([]exp.Expression, error) {
	if cat.String() == "" {
		return nil, domain.Errorf(domain.ErrInvalid, "unknown mono category %d", cat)
	}
	return []exp.Expression{goqu.C("prsn_clt_uid").Eq(userID), goqu.C("prsn_clt_cat").Eq(cat.String())}, nil
}

func scanMonoCollectRow(rows *sql.Rows) (collect.MonoCollect, error) {
	var (
		c        collect.MonoCollect
		cat      string
		dateline int64
	)
	if err := rows.Scan(&c.ID, &cat, &c.TargetID, &c.UserID, &dateline); err != nil {
		return c, err
	}
	switch cat {
	case mono.Character.String():
		c.Category = mono.Character
	case mono.Person.String():
		c.Category = mono.Person
	}
	c.CreatedAt = time.Unix(dateline, 0).UTC()
	return c, nil
}

// Count counts the user's collects of the category.
func (r *MonoCollectRepository) Count(ctx context.Context, userID uint32, cat mono.Category) (int64, error) {
	where, err := monoCollectsWhere(userID, cat)
	if err != nil {
		return 0, err
	}
	var n int64
	ds := from("chii_person_collects").Select(goqu.COUNT(goqu.Star())).Where(where...)
	err = queryRows(ctx, r.q, "count mono collects", ds, func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n, err
}

// List pages the user's collects of the category ORDER BY prsn_clt_dateline DESC,
// prsn_clt_id DESC. A negative limit means no limit.
func (r *MonoCollectRepository) List(ctx context.Context, userID uint32, cat mono.Category, limit, offset int) ([]collect.MonoCollect, error) {
	where, err := monoCollectsWhere(userID, cat)
	if err != nil {
		return nil, err
	}
	ds := from("chii_person_collects").Select(monoCollectReadColumns...).Where(where...).
		Order(goqu.C("prsn_clt_dateline").Desc(), goqu.C("prsn_clt_id").Desc())
	out := []collect.MonoCollect{}
	err = queryRows(ctx, r.q, "list mono collects", page(ds, limit, offset), func(rows *sql.Rows) error {
		c, err := scanMonoCollectRow(rows)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Find returns the user's first (lowest prsn_clt_id) collect row of the target.
func (r *MonoCollectRepository) Find(ctx context.Context, userID uint32, cat mono.Category, targetID uint32) (collect.MonoCollect, error) {
	where, err := monoCollectsWhere(userID, cat)
	if err != nil {
		return collect.MonoCollect{}, err
	}
	var (
		out   collect.MonoCollect
		found bool
	)
	ds := from("chii_person_collects").Select(monoCollectReadColumns...).
		Where(append(where, goqu.C("prsn_clt_mid").Eq(targetID))...).
		Order(goqu.C("prsn_clt_id").Asc()).Limit(1)
	err = queryRows(ctx, r.q, "find mono collect", ds, func(rows *sql.Rows) (err error) {
		out, err = scanMonoCollectRow(rows)
		found = true
		return err
	})
	if err != nil {
		return collect.MonoCollect{}, err
	}
	if !found {
		return collect.MonoCollect{}, domain.Errorf(domain.ErrNotFound, "%s %d is not collected by user %d", cat.Noun(), targetID, userID)
	}
	return out, nil
}
