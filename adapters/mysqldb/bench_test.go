package mysqldb_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
)

// benchSubjects opens a counting pool on a database holding the dev dataset and returns the
// subject repository over it with the ids of every subject. Without MySQL the benchmark
// skips with one line (testenv).
func benchSubjects(b *testing.B) (*mysqldb.SubjectRepository, *countingConnector, []uint32) {
	b.Helper()
	dsn, db := testenv.MySQL(b, testenv.WithData(),
		testenv.WithSQLFiles(filepath.Join(testenv.SharedDir(b), "golden", "fixture-adjust.sql")))
	rows, err := db.QueryContext(context.Background(), "SELECT subject_id FROM chii_subjects ORDER BY subject_id")
	if err != nil {
		b.Fatal(err)
	}
	var ids []uint32
	for rows.Next() {
		var id uint32
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	counted, cc := countingDB(b, dsn)
	counted.SetMaxIdleConns(4)
	return mysqldb.NewSubjectRepository(counted), cc, ids
}

// BenchmarkSubjectRepository_Get loads subject 8 (JSON tags, a fields row).
func BenchmarkSubjectRepository_Get(b *testing.B) {
	r, cc, _ := benchSubjects(b)
	ctx := context.Background()
	if _, err := r.Get(ctx, 8); err != nil { // warm the pool
		b.Fatal(err)
	}
	cc.Reset()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Get(ctx, 8); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cc.Count())/float64(b.N), "stmts/op")
}

// BenchmarkSubjectRepository_GetByIDs loads 1, 20 and 100 (all 101 of the dataset) subjects
// in one call: one statement each time.
func BenchmarkSubjectRepository_GetByIDs(b *testing.B) {
	r, cc, all := benchSubjects(b)
	ctx := context.Background()
	for _, n := range []int{1, 20, 100} {
		ids := all[:min(n, len(all))]
		b.Run(strconv.Itoa(len(ids)), func(b *testing.B) {
			if _, err := r.GetByIDs(ctx, ids); err != nil {
				b.Fatal(err)
			}
			cc.Reset()
			b.ReportAllocs()
			for b.Loop() {
				got, err := r.GetByIDs(ctx, ids)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != len(ids) {
					b.Fatalf("GetByIDs(%d ids) = %d subjects", len(ids), len(got))
				}
			}
			b.ReportMetric(float64(cc.Count())/float64(b.N), "stmts/op")
		})
	}
}
