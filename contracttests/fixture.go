package contracttests

import (
	"testing"

	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/character"
	"github.com/bangumi/chii/domain/collect"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/person"
	"github.com/bangumi/chii/domain/revision"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// Fixture is the data a factory loads into a fresh store before a suite runs.
type Fixture struct {
	Subjects    []subject.Subject
	Characters  []character.Character
	Persons     []person.Person
	Relations   []subject.Relation
	Appearances []character.Appearance
	Casts       []character.Cast
	Credits     []person.Credit
	Users       []user.User
	// UserGroups are chii_usergroup rows: usr_grp_perm by usr_grp_id (a user's GroupPermissions
	// is read from them, its own value ignored).
	UserGroups         map[uint16]string
	Tokens             []FixtureToken
	SubjectCollections []user.SubjectCollection
	MonoCollects       []collect.MonoCollect
	// Episodes are per subject: Count non-banned and Banned banned episodes.
	Episodes []FixtureEpisodes
	// EpisodeRows are chii_episodes rows, EpisodeProgress chii_ep_status rows.
	EpisodeRows     []episode.Episode
	EpisodeProgress []FixtureProgress
	// MetaTags are the wiki meta tags of subjects. A tag is a (subject type, name) pair; tags get
	// ids in order of first appearance here, and repositories list a subject's tags by tag id.
	MetaTags []FixtureMetaTags
	// Revisions are chii_rev_history rows, SubjectRevisions chii_subject_revisions rows (their
	// Creator and Text are ignored: the creator is read from Users, the text from
	// RevisionTexts).
	Revisions        []FixtureRevision
	SubjectRevisions []revision.Revision
	RevisionTexts    []FixtureRevisionText

	// Indices are chii_index rows (Creator and NSFW are ignored: they are read from Users and
	// from the entries' subjects), IndexEntries chii_index_related rows.
	Indices      []index.Index
	IndexEntries []index.Entry
	// IndexCollects are chii_index_collects rows.
	IndexCollects []index.Collect
}

// FixtureRevision is a chii_rev_history row whose text is the chii_rev_text row TextID.
type FixtureRevision struct {
	Revision revision.Revision
	TextID   uint32
}

// FixtureRevisionText is a chii_rev_text row: Text as stored (RevisionText builds one).
type FixtureRevisionText struct {
	ID   uint32
	Text []byte
}

// FixtureToken is a stored access token.
type FixtureToken struct {
	Value   string
	Expires int64 // unix seconds
	Token   auth.Token
}

// FixtureEpisodes gives a subject its episodes.
type FixtureEpisodes struct {
	SubjectID     uint32
	Count, Banned int
}

// FixtureProgress is a chii_ep_status row: a user's marks on a subject's episodes, as stored
// (JSON or PHP serialize() data).
type FixtureProgress struct {
	UserID, SubjectID uint32
	Stored            string
}

// FixtureMetaTags gives a subject its meta tags.
type FixtureMetaTags struct {
	SubjectID   uint32
	SubjectType uint8
	Tags        []string
}

// Repos bundles the read ports of one store.
type Repos struct {
	Browser            ports.SubjectBrowser
	Subjects           ports.SubjectRepository
	Characters         ports.CharacterRepository
	Persons            ports.PersonRepository
	Links              ports.LinkRepository
	Users              ports.UserRepository
	Tokens             ports.TokenRepository
	SubjectCollections ports.SubjectCollectionRepository
	MonoCollects       ports.MonoCollectReader
	Revisions          ports.RevisionRepository
	Indices            ports.IndexRepository
	Episodes           ports.EpisodeRepository
}

// NewRepos returns the read ports of a fresh store loaded with f.
type NewRepos func(t *testing.T, f Fixture) Repos
