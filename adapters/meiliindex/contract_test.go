package meiliindex_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

// TestContract runs the search index suite on a real Meilisearch, three fresh indexes per
// subtest (skipped without a server: see realIndex).
func TestContract(t *testing.T) {
	needMeili(t) // one skip for the whole suite
	contracttests.SearchIndex(t, func(t *testing.T) ports.SearchIndex { return realIndex(t) })
}
