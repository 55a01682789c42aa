package mysqldb_test

import (
	"context"
	"sync"
	"testing"

	"github.com/bangumi/chii/adapters/mysqldb"
	"github.com/bangumi/chii/contracttests/testenv"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/mono"
	"github.com/bangumi/chii/domain/usecase"
)

// TestCollect_ManyTargetsNoDeadlock: 28 users each collect a different character of the dev
// dataset at once, and every collect succeeds. (This is how the gap-lock deadlocks of a locking
// existence check at REPEATABLE READ showed; TestUnitOfWork_ReadCommitted and
// TestUnitOfWork_FindSeesLatestCommitted pin the isolation that prevents them.)
func TestCollect_ManyTargetsNoDeadlock(t *testing.T) {
	_, db := testenv.MySQL(t, testenv.WithData())
	uc := &usecase.Collect{Characters: mysqldb.NewCharacterRepository(db), Persons: mysqldb.NewPersonRepository(db), UoW: mysqldb.NewUnitOfWork(db)}
	var ids []uint32
	rows, err := db.QueryContext(t.Context(), "SELECT crt_id FROM chii_characters ORDER BY crt_id LIMIT 28")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uint32
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	var wg sync.WaitGroup
	errs := make([]error, 28)
	start := make(chan struct{})
	for i := range 28 {
		wg.Go(func() {
			<-start
			errs[i] = uc.Add(context.Background(), auth.Auth{UserID: 500000 + uint32(i), Legacy: true}, mono.Character, ids[i])
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("user %d collecting character %d: %v", 500000+i, ids[i], err)
		}
	}
}
