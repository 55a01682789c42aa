// Package mysqldb implements the ports on bangumi's MySQL schema.
//
// The read repositories (SubjectRepository, CharacterRepository, PersonRepository,
// LinkRepository, UserRepository, TokenRepository, SubjectCollectionRepository,
// MonoCollectRepository) build their statements with goqu (mysql dialect, prepared:
// placeholders plus arguments) and run them on a Querier: a *sql.DB opened by Open, or
// a *sql.Tx or *sql.Conn. Each method runs a constant number of statements, and every
// list has an explicit ORDER BY (decision D6) except where noted on the method.
//
// Columns that bangumi stores HTML-escaped (names, infoboxes, collection comments) are
// unescaped on read; summaries are returned as stored.
package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"maps"
	"slices"

	"github.com/doug-martin/goqu/v9"
	_ "github.com/doug-martin/goqu/v9/dialect/mysql" // registers the "mysql" dialect
	"github.com/doug-martin/goqu/v9/exp"
)

// Querier runs a statement that returns rows: *sql.DB, *sql.Tx and *sql.Conn are Queriers.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readDialect builds the statements of the read repositories.
var readDialect = goqu.Dialect("mysql")

// from starts a prepared select on table.
func from(table any) *goqu.SelectDataset { return readDialect.From(table).Prepared(true) }

// queryRows builds ds, runs it on q within ReadTimeout and calls scan for each row. what
// names the statement in errors; an error that means MySQL is unavailable is a
// domain.ErrUnavailable.
func queryRows(ctx context.Context, q Querier, what string, ds *goqu.SelectDataset, scan func(*sql.Rows) error) error {
	query, args, err := ds.ToSQL()
	if err != nil {
		return fmt.Errorf("mysqldb: build %s: %w", what, err)
	}
	ctx, cancel := context.WithTimeout(ctx, ReadTimeout)
	defer cancel()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("mysqldb: %s: %w", what, classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("mysqldb: scan %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mysqldb: %s: %w", what, classify(err))
	}
	return nil
}

// listRows runs ds and scans every row with scan; the result is never nil.
func listRows[T any](ctx context.Context, q Querier, what string, ds *goqu.SelectDataset, scan func(*sql.Rows) (T, error)) ([]T, error) {
	out := []T{}
	err := queryRows(ctx, q, what, ds, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanList runs ds and returns one T per row, built by build after the row was scanned into
// dest. dest is the same for every row (its receivers are overwritten by each scan), so a
// wide joined row costs no allocation besides the values it holds. The result is never nil.
func scanList[T any](ctx context.Context, q Querier, what string, ds *goqu.SelectDataset, dest []any, build func() (T, error)) ([]T, error) {
	out := []T{}
	err := queryRows(ctx, q, what, ds, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		v, err := build()
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// whereSet builds an equality condition for every non-zero column value, plus inColumn IN (ids)
// when ids is not empty. Columns may be qualified ("a.crt_id").
func whereSet(eq map[string]uint32, inColumn string, ids []uint32) []exp.Expression {
	var where []exp.Expression
	for _, col := range slices.Sorted(maps.Keys(eq)) {
		if v := eq[col]; v != 0 {
			where = append(where, goqu.I(col).Eq(v))
		}
	}
	if len(ids) != 0 {
		where = append(where, goqu.I(inColumn).In(uint32s(ids)...))
	}
	return where
}

// page applies limit and offset; a negative limit means no limit.
func page(ds *goqu.SelectDataset, limit, offset int) *goqu.SelectDataset {
	switch {
	case limit >= 0:
		ds = ds.Limit(uint(limit))
	case offset > 0:
		ds = ds.Limit(^uint(0) >> 1) // MySQL has no OFFSET without LIMIT
	}
	if offset > 0 {
		ds = ds.Offset(uint(offset))
	}
	return ds
}

// unescape decodes the HTML entities of a column bangumi stores escaped.
func unescape(s string) string { return html.UnescapeString(s) }

// uint32s returns ids as a []any for IN lists.
func uint32s(ids []uint32) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
