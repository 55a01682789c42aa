package mysqldb_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
)

func TestSubjectRepository(t *testing.T) { contracttests.TestSubjectRepository(t, newReadRepos) }

func TestSubjectBrowser(t *testing.T) { contracttests.TestSubjectBrowser(t, newReadRepos) }

func TestCharacterRepository(t *testing.T) { contracttests.TestCharacterRepository(t, newReadRepos) }

func TestPersonRepository(t *testing.T) { contracttests.TestPersonRepository(t, newReadRepos) }

func TestLinkRepository(t *testing.T) { contracttests.TestLinkRepository(t, newReadRepos) }

func TestUserRepository(t *testing.T) { contracttests.TestUserRepository(t, newReadRepos) }

func TestTokenRepository(t *testing.T) { contracttests.TestTokenRepository(t, newReadRepos) }

func TestSubjectCollectionRepository(t *testing.T) {
	contracttests.TestSubjectCollectionRepository(t, newReadRepos)
}

func TestMonoCollectReader(t *testing.T) { contracttests.TestMonoCollectReader(t, newReadRepos) }

func TestIDs(t *testing.T) { contracttests.TestIDs(t, newReadRepos) }

func TestRevisionRepository(t *testing.T) { contracttests.TestRevisionRepository(t, newReadRepos) }

func TestIndexRepository(t *testing.T)   { contracttests.TestIndexRepository(t, newReadRepos) }
func TestEpisodeRepository(t *testing.T) { contracttests.TestEpisodeRepository(t, newReadRepos) }
