package mysqldb

import (
	"context"
	"database/sql"

	"github.com/doug-martin/goqu/v9"
)

// MaxID is SELECT MAX(subject_id) FROM chii_subjects; 0 when the table is empty.
func (r *SubjectRepository) MaxID(ctx context.Context) (uint32, error) {
	return maxID(ctx, r.q, "chii_subjects", "subject_id")
}

// MaxID is SELECT MAX(crt_id) FROM chii_characters; 0 when the table is empty.
func (r *CharacterRepository) MaxID(ctx context.Context) (uint32, error) {
	return maxID(ctx, r.q, characterTable.table, characterTable.idCol)
}

// MaxID is SELECT MAX(prsn_id) FROM chii_persons; 0 when the table is empty.
func (r *PersonRepository) MaxID(ctx context.Context) (uint32, error) {
	return maxID(ctx, r.q, personTable.table, personTable.idCol)
}

// IDsAfter is SELECT subject_id FROM chii_subjects WHERE subject_id > after ORDER BY
// subject_id LIMIT limit.
func (r *SubjectRepository) IDsAfter(ctx context.Context, after uint32, limit int) ([]uint32, error) {
	return idsAfter(ctx, r.q, "chii_subjects", "subject_id", after, limit)
}

// IDsAfter is SELECT crt_id FROM chii_characters WHERE crt_id > after ORDER BY crt_id LIMIT
// limit.
func (r *CharacterRepository) IDsAfter(ctx context.Context, after uint32, limit int) ([]uint32, error) {
	return idsAfter(ctx, r.q, characterTable.table, characterTable.idCol, after, limit)
}

// IDsAfter is SELECT prsn_id FROM chii_persons WHERE prsn_id > after ORDER BY prsn_id LIMIT
// limit.
func (r *PersonRepository) IDsAfter(ctx context.Context, after uint32, limit int) ([]uint32, error) {
	return idsAfter(ctx, r.q, personTable.table, personTable.idCol, after, limit)
}

// maxID reads MAX(col) of table in one statement (the primary key's last entry); NULL (an
// empty table) reads as 0.
func maxID(ctx context.Context, q Querier, table, col string) (uint32, error) {
	var n sql.Null[uint32]
	err := queryRows(ctx, q, "max id of "+table, from(table).Select(goqu.MAX(col)),
		func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n.V, err
}

// idsAfter reads the next limit values of col (table's primary key) after after, ascending, in
// one statement (a range scan of the primary key); the result is never nil. limit < 1 reads
// nothing.
func idsAfter(ctx context.Context, q Querier, table, col string, after uint32, limit int) ([]uint32, error) {
	if limit < 1 {
		return []uint32{}, nil
	}
	ds := from(table).Select(goqu.C(col)).Where(goqu.C(col).Gt(after)).Order(goqu.C(col).Asc()).Limit(uint(limit))
	return listRows(ctx, q, "ids of "+table, ds, func(rows *sql.Rows) (uint32, error) {
		var id uint32
		err := rows.Scan(&id)
		return id, err
	})
}
