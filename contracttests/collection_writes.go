package contracttests

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/episode"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// CollectionWriterFeatures says what a store cannot do.
type CollectionWriterFeatures struct {
	// ProgressNoRollback: the episode progress table does not roll back (bangumi's
	// chii_ep_status is MyISAM).
	ProgressNoRollback bool
}

var cwT0 = time.Unix(1700000000, 0).UTC()

// collectionWriteFixture: subject 1 (anime) with stored counters that no row backs (as in
// bangumi's dev dataset) and a wiki tag "Galgame"; subject 2 (book) with consistent ones;
// user 10 collects subject 1 (done, rated 8, private) and user 11 (wish, shadow-banned,
// rated 5: no rating counts); user 12 holds a type-0 row of subject 2.
func collectionWriteFixture() Fixture {
	return Fixture{
		Subjects: []subject.Subject{
			{ID: 1, Type: subject.TypeAnime, Name: "anime", Collection: subject.Collection{Wish: 400, Collect: 300, Doing: 200, OnHold: 100, Dropped: 50},
				RateCounts: [10]uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Date: time.Date(2008, 4, 6, 0, 0, 0, 0, time.UTC)},
			{ID: 2, Type: subject.TypeBook, Name: "book", Eps: 12, Volumes: 3, Date: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		Users: []user.User{{ID: 10, Username: "u10", RegTime: cwT0}, {ID: 11, Username: "u11", RegTime: cwT0}, {ID: 12, Username: "u12", RegTime: cwT0}},
		SubjectCollections: []user.SubjectCollection{
			{ID: 1, UserID: 10, SubjectID: 1, SubjectType: 2, Rate: 8, Type: user.CollectionDone, Comment: `<b>"a" & 'b'</b>`,
				Tags: "Galgame", UpdatedAt: cwT0, Private: 1},
			{ID: 2, UserID: 11, SubjectID: 1, SubjectType: 2, Rate: 5, Type: user.CollectionWish, UpdatedAt: cwT0, Private: 2},
			{ID: 3, UserID: 12, SubjectID: 2, SubjectType: 1, Type: 0, UpdatedAt: cwT0},
		},
		MetaTags:        []FixtureMetaTags{{SubjectID: 1, SubjectType: subject.TypeAnime, Tags: []string{"Galgame"}}},
		EpisodeProgress: []FixtureProgress{{UserID: 10, SubjectID: 1, Stored: `a:1:{i:5;a:2:{s:3:"eid";s:1:"5";s:4:"type";i:2;}}`}},
	}
}

// TestCollectionWriter checks the tx-bound ports.SubjectCollectionWriter and
// ports.EpisodeProgressWriter: what a transaction writes is what the read ports see after the
// commit, and nothing after a rollback.
func TestCollectionWriter(t *testing.T, newUoW NewUnitOfWork, feat CollectionWriterFeatures) {
	ctx := context.Background()
	do := func(t *testing.T, u ports.UnitOfWork, fn func(ctx context.Context, w ports.SubjectCollectionWriter, p ports.EpisodeProgressWriter) error) {
		t.Helper()
		if err := u.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			return fn(ctx, tx.SubjectCollections(), tx.EpisodeProgress())
		}); err != nil {
			t.Fatal(err)
		}
	}
	subjectOf := func(t *testing.T, r Repos, id uint32) subject.Subject {
		t.Helper()
		s, err := r.Subjects.Get(ctx, id)
		must(t, "Subjects.Get", err)
		return s
	}

	t.Run("LockSubject", func(t *testing.T) {
		u, _ := newUoW(t, collectionWriteFixture())
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) error {
			s, err := w.LockSubject(ctx, 2)
			if err != nil || s.Type != subject.TypeBook || s.Eps != 12 || s.Volumes != 3 {
				t.Errorf("LockSubject(2) = %+v, %v; want the book with its eps and volumes", s, err)
			}
			if _, err := w.LockSubject(ctx, 404); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("LockSubject(404): %v, want not found", err)
			}
			return nil
		})
	})
	t.Run("Find/AnyTypeUnescaped", func(t *testing.T) {
		u, _ := newUoW(t, collectionWriteFixture())
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) error {
			r, found, err := w.Find(ctx, 10, 1)
			must(t, "Find", err)
			if !found || r.ID != 1 || r.Rate != 8 || r.Comment != `<b>"a" & 'b'</b>` || r.Tags != "Galgame" || r.Private != 1 {
				t.Errorf("Find(10, 1) = %+v, %v", r, found)
			}
			if r, found, err := w.Find(ctx, 12, 2); err != nil || !found || r.Type != 0 {
				t.Errorf("Find(12, 2) = %+v, %v, %v; want the type-0 row", r, found, err)
			}
			if _, found, err := w.Find(ctx, 10, 2); err != nil || found {
				t.Errorf("Find(10, 2) found %v, %v; want none", found, err)
			}
			return nil
		})
	})
	t.Run("Save/InsertThenUpdateRoundTrip", func(t *testing.T) {
		u, r := newUoW(t, collectionWriteFixture())
		rec := user.NewCollection(11, 2, subject.TypeBook, cwT0, "2001:db8:0:0:0:0:0:1")
		rec.Comment, rec.EpStatus, rec.VolStatus = `it's <fine> & "good"`, 7, 2
		var id uint32
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) (err error) {
			id, err = w.Save(ctx, rec)
			return err
		})
		got, err := r.SubjectCollections.Get(ctx, 11, 2)
		must(t, "SubjectCollections.Get", err)
		if id == 0 || got.ID != id || got.Type != user.CollectionDoing || got.Comment != rec.Comment || got.EpStatus != 7 || got.VolStatus != 2 {
			t.Errorf("after insert: %+v (id %d)", got, id)
		}
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) error {
			stored, found, err := w.Find(ctx, 11, 2)
			if err != nil || !found {
				t.Fatalf("Find after insert: %v, %v", found, err)
			}
			if stored.CreateIP != "2001:db8:0:0:0:" || stored.Datelines[user.CollectionDoing] != cwT0.Unix() {
				t.Errorf("stored IP %q (want the first 15 characters, N23), doing dateline %d", stored.CreateIP, stored.Datelines[user.CollectionDoing])
			}
			stored.Type, stored.Rate, stored.Comment = user.CollectionDone, 9, ""
			_, err = w.Save(ctx, stored)
			return err
		})
		got, err = r.SubjectCollections.Get(ctx, 11, 2)
		must(t, "SubjectCollections.Get", err)
		if got.ID != id || got.Type != user.CollectionDone || got.Rate != 9 || got.Comment != "" {
			t.Errorf("after update: %+v", got)
		}
	})
	t.Run("Recount/TypesWithRowsAndGivenBuckets", func(t *testing.T) {
		u, r := newUoW(t, collectionWriteFixture())
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) error {
			changed, err := w.Recount(ctx, 1, []uint8{8, 5, 0, 11})
			if err == nil && !changed {
				t.Error("Recount moved counters and reported no change")
			}
			if err == nil {
				if changed, err = w.Recount(ctx, 1, []uint8{8, 5}); err == nil && changed {
					t.Error("a second Recount reported a change, want none: the counters already hold the rows' counts")
				}
			}
			return err
		})
		s := subjectOf(t, r, 1)
		// rows: user 10 done (private, rate 8), user 11 wish (shadow-banned, rate 5)
		want := subject.Collection{Wish: 1, Collect: 1, Doing: 200, OnHold: 100, Dropped: 50}
		if s.Collection != want {
			t.Errorf("counters = %+v, want %+v (types with rows recounted, the others kept)", s.Collection, want)
		}
		wantRates := [10]uint32{1, 2, 3, 4, 0, 6, 7, 1, 9, 10}
		if s.RateCounts != wantRates {
			t.Errorf("rating buckets = %v, want %v (8 and 5 recounted: private counts, shadow-banned does not)", s.RateCounts, wantRates)
		}
	})
	t.Run("ReplaceTags/MatchCreateReplaceRemove", func(t *testing.T) {
		u, r := newUoW(t, collectionWriteFixture())
		var stored []string
		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) (err error) {
			stored, err = w.ReplaceTags(ctx, 10, 1, subject.TypeAnime, []string{"galgame", "原创", "TV"}, cwT0)
			if err != nil {
				return err
			}
			if _, err = w.ReplaceTags(ctx, 11, 1, subject.TypeAnime, []string{"原创"}, cwT0); err != nil {
				return err
			}
			return w.RecountTags(ctx, 1, subject.TypeAnime, []string{"Galgame", "原创", "TV"})
		})
		if want := []string{"Galgame", "TV", "原创"}; !slices.Equal(stored, want) {
			t.Errorf("ReplaceTags = %q, want %q (the stored spelling of a matching row, sorted by bytes)", stored, want)
		}
		s := subjectOf(t, r, 1)
		wantTags := []subject.Tag{{Name: "原创", Count: 2, TotalCount: 2}, {Name: "Galgame", Count: 1, TotalCount: 1}, {Name: "TV", Count: 1, TotalCount: 1}}
		assertEqual(t, "field_tags after two users tagged", wantTags, s.Tags)

		do(t, u, func(ctx context.Context, w ports.SubjectCollectionWriter, _ ports.EpisodeProgressWriter) (err error) {
			if stored, err = w.ReplaceTags(ctx, 10, 1, subject.TypeAnime, []string{"TV"}, cwT0); err != nil {
				return err
			}
			if _, err = w.ReplaceTags(ctx, 11, 1, subject.TypeAnime, nil, cwT0); err != nil {
				return err
			}
			return w.RecountTags(ctx, 1, subject.TypeAnime, []string{"Galgame", "原创", "TV"})
		})
		if !slices.Equal(stored, []string{"TV"}) {
			t.Errorf("ReplaceTags(TV) = %q", stored)
		}
		assertEqual(t, "field_tags after the tags were replaced", []subject.Tag{{Name: "TV", Count: 1, TotalCount: 1}}, subjectOf(t, r, 1).Tags)
	})
	t.Run("Progress/SaveAndReadBack", func(t *testing.T) {
		u, r := newUoW(t, collectionWriteFixture())
		do(t, u, func(ctx context.Context, _ ports.SubjectCollectionWriter, pw ports.EpisodeProgressWriter) error {
			p, found, err := pw.Progress(ctx, 10, 1)
			if err != nil || !found || p[5].Status != episode.StatusDone {
				t.Errorf("Progress(10, 1) = %v, %v, %v; want the legacy row", p, found, err)
			}
			if _, found, err := pw.Progress(ctx, 11, 1); err != nil || found {
				t.Errorf("Progress(11, 1) found %v, %v; want none", found, err)
			}
			p.Mark([]uint32{6}, episode.StatusWish, 1700000100)
			if err := pw.SaveProgress(ctx, 10, 1, p, cwT0); err != nil {
				return err
			}
			return pw.SaveProgress(ctx, 11, 1, episode.Progress{7: {Status: episode.StatusDropped, UpdatedAt: map[episode.Status]int64{3: 1}}}, cwT0)
		})
		got, err := r.Episodes.Progress(ctx, 10, 1)
		must(t, "Episodes.Progress", err)
		assertEqual(t, "progress of user 10", episode.Progress{5: {Status: episode.StatusDone},
			6: {Status: episode.StatusWish, UpdatedAt: map[episode.Status]int64{1: 1700000100}}}, got)
		got, err = r.Episodes.Progress(ctx, 11, 1)
		must(t, "Episodes.Progress", err)
		assertEqual(t, "progress of user 11", episode.Progress{7: {Status: episode.StatusDropped, UpdatedAt: map[episode.Status]int64{3: 1}}}, got)
	})
	t.Run("Rollback", func(t *testing.T) {
		u, r := newUoW(t, collectionWriteFixture())
		boom := errors.New("boom")
		err := u.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			w := tx.SubjectCollections()
			if _, err := w.LockSubject(ctx, 1); err != nil {
				return err
			}
			if _, err := w.Save(ctx, user.NewCollection(12, 1, subject.TypeAnime, cwT0, "")); err != nil {
				return err
			}
			if _, err := w.ReplaceTags(ctx, 12, 1, subject.TypeAnime, []string{"新标签"}, cwT0); err != nil {
				return err
			}
			if err := w.RecountTags(ctx, 1, subject.TypeAnime, []string{"新标签"}); err != nil {
				return err
			}
			if _, err := w.Recount(ctx, 1, []uint8{8}); err != nil {
				return err
			}
			if err := tx.EpisodeProgress().SaveProgress(ctx, 12, 1, episode.Progress{9: {Status: episode.StatusDone}}, cwT0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v, want boom", err)
		}
		if _, err := r.SubjectCollections.Get(ctx, 12, 1); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the inserted collection survived the rollback: %v", err)
		}
		s := subjectOf(t, r, 1)
		if s.Collection.Doing != 200 || s.RateCounts[7] != 8 || len(s.Tags) != 0 {
			t.Errorf("counters or tags changed by a rolled back transaction: %+v %v %v", s.Collection, s.RateCounts, s.Tags)
		}
		if !feat.ProgressNoRollback {
			if p, err := r.Episodes.Progress(ctx, 12, 1); err != nil || len(p) != 0 {
				t.Errorf("progress after the rollback = %v, %v; want none", p, err)
			}
		}
	})
}
