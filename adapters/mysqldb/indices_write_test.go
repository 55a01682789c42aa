package mysqldb_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
)

// indexTables are bangumi's index tables, MyISAM in its schema.
var indexTables = []string{"chii_index", "chii_index_related", "chii_index_collects"}

// tableEngine reads a table's storage engine.
func tableEngine(tb testing.TB, db *sql.DB, table string) string {
	tb.Helper()
	var engine string
	err := db.QueryRowContext(context.Background(),
		"SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", table).Scan(&engine)
	if err != nil {
		tb.Fatalf("engine of %s: %v", table, err)
	}
	return engine
}

// migrateIndexTables converts the index tables to InnoDB in this test's database only: what
// the writes guarantee on a schema that can roll back.
func migrateIndexTables(tb testing.TB, db *sql.DB) {
	tb.Helper()
	for _, table := range indexTables {
		if _, err := db.ExecContext(context.Background(), "ALTER TABLE "+table+" ENGINE=InnoDB"); err != nil {
			tb.Fatalf("migrate %s: %v", table, err)
		}
	}
}

// newIndexUoW gives each call its own database (bangumi's schema: MyISAM index tables) holding f.
func newIndexUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	_, db := testenv.MySQL(t)
	for _, table := range indexTables {
		if engine := tableEngine(t, db, table); engine != "MyISAM" {
			t.Fatalf("%s is %s in bangumi's schema as loaded, want MyISAM", table, engine)
		}
	}
	loadFixture(t, db, f)
	loadIndexFixture(t, db, f)
	return mysqldb.NewUnitOfWork(db), readRepos(db)
}

// newInnoDBIndexUoW is newIndexUoW with the index tables migrated to InnoDB.
func newInnoDBIndexUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	_, db := testenv.MySQL(t)
	migrateIndexTables(t, db)
	loadFixture(t, db, f)
	loadIndexFixture(t, db, f)
	return mysqldb.NewUnitOfWork(db), readRepos(db)
}

func TestIndexWriter(t *testing.T) {
	contracttests.TestIndexWriter(t, newIndexUoW, contracttests.IndexWriterFeatures{NoRollback: true})
}

func TestIndexWriter_InnoDB(t *testing.T) {
	contracttests.TestIndexWriter(t, newInnoDBIndexUoW, contracttests.IndexWriterFeatures{})
}
