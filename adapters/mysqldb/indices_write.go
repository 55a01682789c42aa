package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/doug-martin/goqu/v9"
	"github.com/doug-martin/goqu/v9/exp"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/ports"
)

var _ ports.IndexWriter = uowIndices{}

const (
	indexTable        = "chii_index"
	indexEntryTable   = "chii_index_related"
	indexCollectTable = "chii_index_collects"
)

// Indices returns the transaction's index writer.
func (t uowTx) Indices() ports.IndexWriter { return uowIndices{q: t.q} }

// uowIndices writes chii_index, chii_index_related and chii_index_collects in one transaction.
//
// bangumi's three tables are MyISAM: MySQL neither locks their rows across statements nor
// rolls them back, so nothing here relies on it. A write that must happen once is one
// statement that checks its own condition (INSERT … SELECT … WHERE NOT EXISTS: MyISAM runs it
// under a table write lock, InnoDB under Lock's row lock), and a counter is set from a count
// of the rows by one UPDATE, never incremented: whatever ran before, the last recount leaves it
// exact. On InnoDB tables (a migrated schema) the same statements are transactional and Lock's
// FOR UPDATE serialises the writes of one index.
type uowIndices struct{ q uowQuerier }

func affected(what string, res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: %s: %w", what, err)
	}
	return n, nil
}

// Lock runs SELECT … FROM chii_index WHERE idx_id = ? FOR UPDATE.
func (r uowIndices) Lock(ctx context.Context, id uint32) (index.Index, error) {
	ds := from(indexTable).Select(
		"idx_id", "idx_title", "idx_desc", "idx_replies", "idx_subject_total", "idx_collects",
		"idx_dateline", "idx_lasttouch", "idx_uid", "idx_ban",
	).Where(goqu.C("idx_id").Eq(id)).Limit(1).ForUpdate(exp.Wait)
	var (
		out                                   index.Index
		found                                 bool
		collects, created, updated, creatorID int64
	)
	err := queryRows(ctx, r.q, "lock index", ds, func(rows *sql.Rows) error {
		found = true
		return rows.Scan(&out.ID, &out.Title, &out.Desc, &out.Replies, &out.Total, &collects, &created, &updated,
			&creatorID, &out.Privacy)
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

// Create inserts a chii_index row as bangumi does (idx_type 0, an empty idx_stats, idx_award 0).
func (r uowIndices) Create(ctx context.Context, i index.Index) (uint32, error) {
	res, err := exec(ctx, r.q, "create index", uowDialect.Insert(indexTable).Prepared(true).Rows(goqu.Record{
		"idx_type": 0, "idx_title": i.Title, "idx_desc": i.Desc, "idx_replies": i.Replies,
		"idx_subject_total": i.Total, "idx_collects": i.Collects, "idx_stats": "", "idx_award": 0,
		"idx_dateline": i.CreatedAt.Unix(), "idx_lasttouch": i.UpdatedAt.Unix(), "idx_uid": i.CreatorID,
		"idx_ban": i.Privacy,
	}))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("mysqldb: create index: %w", err)
	}
	return uint32(id), nil
}

// Edit runs UPDATE chii_index SET the non-empty fields WHERE idx_id = ?.
func (r uowIndices) Edit(ctx context.Context, id uint32, e index.Edit) error {
	set := goqu.Record{}
	if e.Title != "" {
		set["idx_title"] = e.Title
	}
	if e.Desc != "" {
		set["idx_desc"] = e.Desc
	}
	if len(set) == 0 {
		return nil
	}
	_, err := exec(ctx, r.q, "edit index", uowDialect.Update(indexTable).Prepared(true).Set(set).Where(goqu.C("idx_id").Eq(id)))
	return err
}

// listedEntry is the condition of the entries of index id for subjectID that are not removed,
// of any cat (§7.8).
func listedEntry(indexID, subjectID uint32) []exp.Expression {
	return []exp.Expression{
		goqu.C("idx_rlt_rid").Eq(indexID), goqu.C("idx_rlt_sid").Eq(subjectID), goqu.C("idx_rlt_ban").Eq(0),
	}
}

// PutSubject runs INSERT INTO chii_index_related … SELECT … FROM DUAL WHERE NOT EXISTS (an
// entry of the index for the subject, not removed), then, when it inserted nothing, UPDATE
// the entry's order and comment.
func (r uowIndices) PutSubject(ctx context.Context, e index.Entry) (bool, error) {
	exists := from(indexEntryTable).Select(goqu.L("1")).Where(listedEntry(e.IndexID, e.TargetID)...)
	values := from(goqu.L("DUAL")).Select(
		goqu.V(index.CatSubject), goqu.V(e.IndexID), goqu.V(e.SubjectType), goqu.V(e.TargetID), goqu.V(e.Order),
		goqu.V(""), goqu.V(e.Comment), goqu.V(e.AddedAt.Unix()), goqu.V(0),
	).Where(goqu.L("NOT EXISTS ?", exists))
	res, err := exec(ctx, r.q, "add index subject", uowDialect.Insert(indexEntryTable).Prepared(true).Cols(
		"idx_rlt_cat", "idx_rlt_rid", "idx_rlt_type", "idx_rlt_sid", "idx_rlt_order",
		"idx_rlt_award", "idx_rlt_comment", "idx_rlt_dateline", "idx_rlt_ban",
	).FromQuery(values))
	if err != nil {
		return false, err
	}
	n, err := affected("add index subject", res)
	if err != nil || n > 0 {
		return n > 0, err
	}
	_, err = exec(ctx, r.q, "update index subject", uowDialect.Update(indexEntryTable).Prepared(true).Set(goqu.Record{
		"idx_rlt_order": e.Order, "idx_rlt_comment": e.Comment,
	}).Where(listedEntry(e.IndexID, e.TargetID)...))
	return false, err
}

// RemoveSubject runs UPDATE chii_index_related SET idx_rlt_ban = 1 on the entries not removed.
func (r uowIndices) RemoveSubject(ctx context.Context, indexID, subjectID uint32) (int64, error) {
	res, err := exec(ctx, r.q, "remove index subject", uowDialect.Update(indexEntryTable).Prepared(true).
		Set(goqu.Record{"idx_rlt_ban": 1}).Where(listedEntry(indexID, subjectID)...))
	if err != nil {
		return 0, err
	}
	return affected("remove index subject", res)
}

// RecountSubjects runs UPDATE chii_index SET idx_subject_total = (SELECT COUNT(*) of the
// entries not removed) [, idx_lasttouch = ?] WHERE idx_id = ?: one statement, so the count and
// the write see the same rows.
func (r uowIndices) RecountSubjects(ctx context.Context, indexID uint32, touched time.Time) error {
	count := from(indexEntryTable).Select(goqu.COUNT(goqu.Star())).
		Where(goqu.C("idx_rlt_rid").Eq(indexID), goqu.C("idx_rlt_ban").Eq(0))
	set := goqu.Record{"idx_subject_total": count}
	if !touched.IsZero() {
		set["idx_lasttouch"] = touched.Unix()
	}
	_, err := exec(ctx, r.q, "recount index subjects", uowDialect.Update(indexTable).Prepared(true).Set(set).Where(goqu.C("idx_id").Eq(indexID)))
	return err
}

// AddCollect runs INSERT INTO chii_index_collects … SELECT … FROM DUAL WHERE NOT EXISTS (a row
// of the user for the index).
func (r uowIndices) AddCollect(ctx context.Context, c index.Collect) (bool, error) {
	exists := from(indexCollectTable).Select(goqu.L("1")).
		Where(goqu.C("idx_clt_mid").Eq(c.IndexID), goqu.C("idx_clt_uid").Eq(c.UserID))
	values := from(goqu.L("DUAL")).Select(goqu.V(c.IndexID), goqu.V(c.UserID), goqu.V(c.CreatedAt.Unix())).
		Where(goqu.L("NOT EXISTS ?", exists))
	res, err := exec(ctx, r.q, "add index collect", uowDialect.Insert(indexCollectTable).Prepared(true).
		Cols("idx_clt_mid", "idx_clt_uid", "idx_clt_dateline").FromQuery(values))
	if err != nil {
		return false, err
	}
	n, err := affected("add index collect", res)
	return n > 0, err
}

// RemoveCollects deletes every row of the user for the index (duplicates included).
func (r uowIndices) RemoveCollects(ctx context.Context, indexID, userID uint32) (int64, error) {
	res, err := exec(ctx, r.q, "remove index collect", uowDialect.Delete(indexCollectTable).Prepared(true).
		Where(goqu.C("idx_clt_mid").Eq(indexID), goqu.C("idx_clt_uid").Eq(userID)))
	if err != nil {
		return 0, err
	}
	return affected("remove index collect", res)
}

// RecountCollects runs UPDATE chii_index SET idx_collects = (SELECT COUNT(DISTINCT idx_clt_uid)
// …) WHERE idx_id = ?.
func (r uowIndices) RecountCollects(ctx context.Context, indexID uint32) error {
	count := from(indexCollectTable).Select(goqu.COUNT(goqu.DISTINCT("idx_clt_uid"))).
		Where(goqu.C("idx_clt_mid").Eq(indexID))
	_, err := exec(ctx, r.q, "recount index collects", uowDialect.Update(indexTable).Prepared(true).
		Set(goqu.Record{"idx_collects": count}).Where(goqu.C("idx_id").Eq(indexID)))
	return err
}

// Collectors lists idx_clt_uid of the index's rows ORDER BY idx_clt_uid, idx_clt_id.
func (r uowIndices) Collectors(ctx context.Context, indexID uint32) ([]uint32, error) {
	ds := from(indexCollectTable).Select("idx_clt_uid").Where(goqu.C("idx_clt_mid").Eq(indexID)).
		Order(goqu.C("idx_clt_uid").Asc(), goqu.C("idx_clt_id").Asc())
	return listRows(ctx, r.q, "index collectors", ds, func(rows *sql.Rows) (uint32, error) {
		var uid uint32
		err := rows.Scan(&uid)
		return uid, err
	})
}
