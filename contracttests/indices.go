package contracttests

import (
	"testing"
	"time"

	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
)

func indexFixture() Fixture {
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	return Fixture{
		Users: []user.User{{ID: 7, Username: "maker", Nickname: "Maker <7>", RegTime: readT0}},
		Subjects: []subject.Subject{
			{ID: 1, Type: subject.TypeBook, Name: "Book & <1>", NameCN: "书", Infobox: "{{Infobox\r\n|中文名= 书\r\n}}", Image: "a/b/1.jpg", Date: day(1998, 9, 25)},
			{ID: 2, Type: subject.TypeAnime, Name: "Anime 2", Image: "c/d/2.jpg"}, // no fields row
			{ID: 3, Type: subject.TypeAnime, Name: "NSFW 3", NSFW: true, Date: day(2002, 4, 2)},
		},
		Indices: []index.Index{
			{ID: 1, Title: "public & <raw>", Desc: "desc\r\n[b]x[/b]", Replies: 3, Total: 9, Collects: 2,
				CreatedAt: at(1700000000), UpdatedAt: at(1700000900), CreatorID: 7, Privacy: index.Public},
			{ID: 2, Title: "private", CreatorID: 7, Privacy: index.Private, CreatedAt: at(1700001000), UpdatedAt: at(1700001000)},
			{ID: 3, Title: "nsfw, of a missing member", CreatorID: 404, CreatedAt: at(1700003000), UpdatedAt: at(1700003100)},
			{ID: 4, Title: "nsfw only as a removed entry", CreatorID: 7, CreatedAt: at(1700004000), UpdatedAt: at(1700004000)},
		},
		IndexEntries: []index.Entry{
			// index 1: two entries of order 2 (ties broken by idx_rlt_id), one of a missing subject,
			// one of a subject added as a book, a removed entry and a non-subject entry
			{ID: 14, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 2, Order: 2, Comment: "b &amp; raw", AddedAt: at(1700000200)},
			{ID: 11, IndexID: 1, Cat: index.CatSubject, SubjectType: 1, TargetID: 1, Order: 3, Comment: "a novel", AddedAt: at(1700000300)},
			{ID: 12, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 999, Order: 2, Comment: "missing", AddedAt: at(1700000400)},
			{ID: 13, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 2, Order: 1, AddedAt: at(1700000100)},
			{ID: 15, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 3, Order: 0, AddedAt: at(1700000500), Removed: true},
			{ID: 16, IndexID: 1, Cat: 1, SubjectType: 2, TargetID: 3, Order: 0, AddedAt: at(1700000600)},
			// index 2
			{ID: 21, IndexID: 2, Cat: index.CatSubject, SubjectType: 2, TargetID: 2, Order: 1, AddedAt: at(1700001000)},
			// index 3 lists an NSFW subject
			{ID: 31, IndexID: 3, Cat: index.CatSubject, SubjectType: 2, TargetID: 3, Order: 1, Comment: "nsfw", AddedAt: at(1700003000)},
			// index 4: the NSFW subject only as a removed entry and as a non-subject entry
			{ID: 41, IndexID: 4, Cat: index.CatSubject, SubjectType: 2, TargetID: 3, Order: 1, AddedAt: at(1700004000), Removed: true},
			{ID: 42, IndexID: 4, Cat: 2, SubjectType: 2, TargetID: 3, Order: 2, AddedAt: at(1700004000)},
		},
	}
}

// TestIndexRepository checks a ports.IndexRepository.
func TestIndexRepository(t *testing.T, newRepos NewRepos) {
	f := indexFixture()
	r := newRepos(t, f).Indices
	ctx := t.Context()
	maker := index.Creator{Username: "maker", Nickname: "Maker <7>"}
	subjects := map[uint32]subject.Subject{}
	for _, s := range f.Subjects {
		subjects[s.ID] = s
	}
	entries := map[uint32]index.Entry{}
	for _, e := range f.IndexEntries {
		entries[e.ID] = e
	}
	listed := func(ids ...uint32) []index.Subject {
		out := make([]index.Subject, len(ids))
		for i, id := range ids {
			out[i] = index.Subject{Entry: entries[id], Subject: subjects[entries[id].TargetID]}
		}
		return out
	}

	t.Run("Get/WithCreatorRaw", func(t *testing.T) {
		got, err := r.Get(ctx, 1)
		must(t, "Get", err)
		want := f.Indices[0]
		want.Creator = maker
		assertEqual(t, "Get(1)", want, got)
	})
	t.Run("Get/WhateverItsPrivacy", func(t *testing.T) {
		got, err := r.Get(ctx, 2)
		must(t, "Get", err)
		want := f.Indices[1]
		want.Creator = maker
		assertEqual(t, "Get(2)", want, got)
	})
	t.Run("Get/NSFWAndMissingCreator", func(t *testing.T) {
		got, err := r.Get(ctx, 3)
		must(t, "Get", err)
		want := f.Indices[2]
		want.NSFW = true
		assertEqual(t, "Get(3)", want, got)
	})
	t.Run("Get/RemovedAndOtherEntriesAreNotNSFW", func(t *testing.T) {
		got, err := r.Get(ctx, 4)
		must(t, "Get", err)
		if got.NSFW {
			t.Error("Get(4).NSFW = true, want false: only listed subject entries count")
		}
	})
	t.Run("Get/MissingIsNotFound", func(t *testing.T) {
		_, err := r.Get(ctx, 404)
		assertNotFound(t, "Get(404)", err)
	})
	t.Run("CountSubjects/ListedEntriesOnly", func(t *testing.T) {
		for _, tc := range []struct {
			id   uint32
			typ  uint8
			want int64
		}{{1, 0, 4}, {1, 2, 3}, {1, 1, 1}, {1, 3, 0}, {2, 0, 1}, {4, 0, 0}, {404, 0, 0}} {
			n, err := r.CountSubjects(ctx, tc.id, tc.typ)
			must(t, "CountSubjects", err)
			if n != tc.want {
				t.Errorf("CountSubjects(%d, %d) = %d, want %d", tc.id, tc.typ, n, tc.want)
			}
		}
	})
	t.Run("ListSubjects/ByOrderThenPrimaryKey", func(t *testing.T) {
		got, err := r.ListSubjects(ctx, 1, 0, -1, 0)
		must(t, "ListSubjects", err)
		assertEqual(t, "ListSubjects(1)", listed(13, 12, 14, 11), got)
	})
	t.Run("ListSubjects/MissingSubjectIsZero", func(t *testing.T) {
		got, err := r.ListSubjects(ctx, 1, 2, 1, 1)
		must(t, "ListSubjects", err)
		assertEqual(t, "ListSubjects(1, type 2, limit 1, offset 1)", listed(12), got)
		if len(got) == 1 && got[0].Subject.ID != 0 {
			t.Errorf("subject of a missing row = %+v, want zero", got[0].Subject)
		}
	})
	t.Run("ListSubjects/ByTypeAddedAndPaged", func(t *testing.T) {
		got, err := r.ListSubjects(ctx, 1, 1, 30, 0)
		must(t, "ListSubjects", err)
		assertEqual(t, "ListSubjects(1, type 1)", listed(11), got)
		got, err = r.ListSubjects(ctx, 1, 0, 2, 4)
		must(t, "ListSubjects", err)
		assertEqual(t, "ListSubjects past the end", []index.Subject{}, got)
	})
}
