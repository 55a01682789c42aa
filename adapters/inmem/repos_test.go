package inmem_test

import (
	"testing"

	"github.com/bangumi/chii/contracttests"
)

func TestSubjectBrowser(t *testing.T)      { contracttests.TestSubjectBrowser(t, repos) }
func TestSubjectRepository(t *testing.T)   { contracttests.TestSubjectRepository(t, repos) }
func TestCharacterRepository(t *testing.T) { contracttests.TestCharacterRepository(t, repos) }
func TestPersonRepository(t *testing.T)    { contracttests.TestPersonRepository(t, repos) }
func TestLinkRepository(t *testing.T)      { contracttests.TestLinkRepository(t, repos) }
func TestUserRepository(t *testing.T)      { contracttests.TestUserRepository(t, repos) }
func TestTokenRepository(t *testing.T)     { contracttests.TestTokenRepository(t, repos) }
func TestSubjectCollectionRepository(t *testing.T) {
	contracttests.TestSubjectCollectionRepository(t, repos)
}
func TestMonoCollectReader(t *testing.T)  { contracttests.TestMonoCollectReader(t, repos) }
func TestIDs(t *testing.T)                { contracttests.TestIDs(t, repos) }
func TestRevisionRepository(t *testing.T) { contracttests.TestRevisionRepository(t, repos) }
func TestIndexRepository(t *testing.T)    { contracttests.TestIndexRepository(t, repos) }
func TestEpisodeRepository(t *testing.T)  { contracttests.TestEpisodeRepository(t, repos) }
