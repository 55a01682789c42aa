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

// maxID reads MAX(col) of table in one statement (the primary key's last entry); NULL (an
// empty table) reads as 0.
func maxID(ctx context.Context, q Querier, table, col string) (uint32, error) {
	var n sql.Null[uint32]
	err := queryRows(ctx, q, "max id of "+table, from(table).Select(goqu.MAX(col)),
		func(rows *sql.Rows) error { return rows.Scan(&n) })
	return n.V, err
}
