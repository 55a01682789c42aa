package mysqldb_test

import (
	"database/sql"
	"errors"
	"testing"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/ports"
)

func TestWebSessionRepository(t *testing.T) {
	contracttests.TestWebSessionRepository(t, func(t *testing.T, rows []contracttests.WebSessionRow) (ports.WebSessionRepository, func(string) (int64, bool)) {
		_, db := testenv.MySQL(t)
		for _, r := range rows {
			if _, err := db.ExecContext(t.Context(), "INSERT INTO chii_os_web_sessions (`key`, user_id, value, created_at, expired_at) VALUES (?, ?, '{}', ?, ?)",
				r.Key, r.UserID, r.CreatedAt, r.ExpiredAt); err != nil {
				t.Fatal(err)
			}
		}
		return mysqldb.NewWebSessionRepository(db), func(key string) (int64, bool) {
			var exp int64
			err := db.QueryRowContext(t.Context(), "SELECT expired_at FROM chii_os_web_sessions WHERE `key` = ?", key).Scan(&exp)
			if errors.Is(err, sql.ErrNoRows) {
				return 0, false
			}
			if err != nil {
				t.Fatal(err)
			}
			return exp, true
		}
	})
}
