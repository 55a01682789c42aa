package usecase_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bangumi/chii/adapters/inmem"
	"github.com/bangumi/chii/domain/auth"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/usecase"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// TestCollectionWrites_NotifiesTheSubjectOnlyWhenItChanged: a collection write always tells
// the caches that the user's collections changed, and the subject only when its counters or
// tags moved — an episode mark of a consistent subject leaves its cached answers (and its
// search document) alone on every instance.
func TestCollectionWrites_NotifiesTheSubjectOnlyWhenItChanged(t *testing.T) {
	ctx := context.Background()
	s := inmem.NewStore()
	s.PutSubject(subject.Subject{ID: 1, Type: subject.TypeAnime, Name: "a"})
	s.PutEpisode(episode.Episode{ID: 11, SubjectID: 1, Type: episode.TypeMain, Sort: 1})
	s.PutUser(user.User{ID: 5, Username: "u5", RegTime: now.AddDate(-1, 0, 0)})
	notes := &recordingNotifier{}
	uc := &usecase.CollectionWrites{Subjects: s.Subjects(), Episodes: s.Episodes(), UoW: s.UnitOfWork(), Changes: notes, Clock: fixedClock{}}
	viewer := auth.Auth{UserID: 5, Legacy: true, RegTime: now.AddDate(-1, 0, 0)}
	userOnly := []ports.Change{{Entity: ports.EntityUser, ID: 5}}
	both := []ports.Change{{Entity: ports.EntityUser, ID: 5}, {Entity: ports.EntitySubject, ID: 1}}

	doing := user.CollectionDoing
	if err := uc.EditSubject(ctx, viewer, 1, user.CollectionEdit{Type: &doing}, "", true); err != nil {
		t.Fatal(err)
	}
	if err := uc.MarkEpisode(ctx, viewer, 11, episode.StatusDone); err != nil {
		t.Fatal(err)
	}
	comment := "only words"
	if err := uc.EditSubject(ctx, viewer, 1, user.CollectionEdit{Comment: &comment}, "", false); err != nil {
		t.Fatal(err)
	}
	want := [][]ports.Change{both, userOnly, userOnly} // the new row counts; a mark and a comment move nothing
	if diff := cmp.Diff(want, notes.calls); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}
