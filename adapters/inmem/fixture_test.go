package inmem_test

import (
	"testing"
	"time"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/contracttests"
)

// load returns a fresh store holding f, the factory every contract suite gets here.
func load(_ *testing.T, f contracttests.Fixture) *inmem.Store {
	s := inmem.NewStore()
	s.PutSubject(f.Subjects...)
	s.PutCharacter(f.Characters...)
	s.PutPerson(f.Persons...)
	s.PutRelation(f.Relations...)
	s.PutAppearance(f.Appearances...)
	s.PutCast(f.Casts...)
	s.PutCredit(f.Credits...)
	s.PutUser(f.Users...)
	for id, perm := range f.UserGroups {
		s.PutUserGroup(id, perm)
	}
	for _, t := range f.Tokens {
		s.PutToken(t.Value, time.Unix(t.Expires, 0), t.Token)
	}
	s.PutSubjectCollection(f.SubjectCollections...)
	s.PutMonoCollect(f.MonoCollects...)
	for _, e := range f.Episodes {
		s.PutEpisodes(e.SubjectID, e.Count, e.Banned)
	}
	s.PutEpisode(f.EpisodeRows...)
	for _, p := range f.EpisodeProgress {
		s.PutEpisodeProgress(p.UserID, p.SubjectID, []byte(p.Stored))
	}
	for _, m := range f.MetaTags {
		s.PutMetaTags(m.SubjectID, m.SubjectType, m.Tags...)
	}
	for _, r := range f.Revisions {
		s.PutRevision(r.TextID, r.Revision)
	}
	s.PutSubjectRevision(f.SubjectRevisions...)
	for _, t := range f.RevisionTexts {
		s.PutRevisionText(t.ID, t.Text)
	}
	s.PutIndex(f.Indices...)
	s.PutIndexEntry(f.IndexEntries...)
	s.PutIndexCollect(f.IndexCollects...)
	return s
}

// repos returns the read ports of a fresh store holding f.
func repos(t *testing.T, f contracttests.Fixture) contracttests.Repos {
	s := load(t, f)
	return contracttests.Repos{
		Browser:            s.Browser(),
		Subjects:           s.Subjects(),
		Characters:         s.Characters(),
		Persons:            s.Persons(),
		Links:              s.Links(),
		Users:              s.Users(),
		Tokens:             s.Tokens(),
		SubjectCollections: s.SubjectCollections(),
		MonoCollects:       s.MonoCollects(),
		Revisions:          s.Revisions(),
		Indices:            s.Indices(),
		Episodes:           s.Episodes(),
	}
}
