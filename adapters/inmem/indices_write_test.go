package inmem_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

// newIndexUoW returns the unit of work and the index reader of one fresh store holding f.
func newIndexUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	s := load(t, f)
	return s.UnitOfWork(), contracttests.Repos{Indices: s.Indices()}
}

func TestIndexWriter(t *testing.T) {
	contracttests.TestIndexWriter(t, newIndexUoW, contracttests.IndexWriterFeatures{})
}
