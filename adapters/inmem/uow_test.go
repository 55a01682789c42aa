package inmem_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
	"github.com/bangumi/chii/ports"
)

// newUoW returns the unit of work and read ports of one fresh store holding f.
func newUoW(t *testing.T, f contracttests.Fixture) (ports.UnitOfWork, contracttests.Repos) {
	s := load(t, f)
	return s.UnitOfWork(), contracttests.Repos{Characters: s.Characters(), Persons: s.Persons(), MonoCollects: s.MonoCollects()}
}

var _ contracttests.NewUnitOfWork = newUoW

func TestUnitOfWork(t *testing.T) { contracttests.TestUnitOfWork(t, newUoW) }

func TestCollect(t *testing.T) { contracttests.TestCollect(t, newUoW) }
