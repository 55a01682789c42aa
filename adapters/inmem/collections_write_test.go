package inmem_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

// newCollectionUoW returns the unit of work of a fresh store holding f with every read port.
func newCollectionUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	s := load(t, f)
	return s.UnitOfWork(), contracttests.Repos{
		Subjects: s.Subjects(), SubjectCollections: s.SubjectCollections(), Episodes: s.Episodes(), Users: s.Users(),
	}
}

func TestCollectionWriter(t *testing.T) {
	contracttests.TestCollectionWriter(t, newCollectionUoW, contracttests.CollectionWriterFeatures{})
}
