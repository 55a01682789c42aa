package mysqldb_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
)

// TestCollectionWriter runs the contract on bangumi's schema, where chii_ep_status is MyISAM:
// the episode marks do not roll back with the transaction (ARCHITECTURE.md).
func TestCollectionWriter(t *testing.T) {
	contracttests.TestCollectionWriter(t, newUoW, contracttests.CollectionWriterFeatures{ProgressNoRollback: true})
}
