package contracttests

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/domain/index"
	"github.com/bangumi/chii/domain/subject"
	"github.com/bangumi/chii/domain/user"
	"github.com/bangumi/chii/ports"
)

// Index-write fixture: member 7 made indices 1 (public; counters deliberately wrong: total 9,
// collects 5) and 2 (deleted); member 8 collected index 1 twice (duplicate rows) and member 9
// once.
var idxwT0 = time.Unix(1700000000, 0).UTC()

// IndexWriteFixture is the data TestIndexWriter loads.
func IndexWriteFixture() Fixture {
	at := func(s int) time.Time { return idxwT0.Add(time.Duration(s) * time.Second) }
	return Fixture{
		Users: []user.User{{ID: 7, Username: "maker", Nickname: "Maker", RegTime: readT0}},
		Subjects: []subject.Subject{
			{ID: 1, Type: subject.TypeBook, Name: "Book 1"},
			{ID: 2, Type: subject.TypeAnime, Name: "Anime 2"},
			{ID: 3, Type: subject.TypeMusic, Name: "Music 3"},
		},
		Indices: []index.Index{
			{ID: 1, Title: "one", Desc: "first", Total: 9, Collects: 5, CreatedAt: at(0), UpdatedAt: at(10), CreatorID: 7},
			{ID: 2, Title: "gone", CreatorID: 7, Privacy: index.Deleted, CreatedAt: at(20), UpdatedAt: at(20)},
		},
		IndexEntries: []index.Entry{
			{ID: 11, IndexID: 1, Cat: index.CatSubject, SubjectType: 1, TargetID: 1, Order: 1, Comment: "one", AddedAt: at(1)},
			{ID: 12, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 2, Order: 2, AddedAt: at(2), Removed: true},
			{ID: 13, IndexID: 1, Cat: 1, SubjectType: 3, TargetID: 3, Order: 3, Comment: "a character", AddedAt: at(3)},
		},
		IndexCollects: []index.Collect{
			{IndexID: 1, UserID: 8, CreatedAt: at(5)}, {IndexID: 1, UserID: 8, CreatedAt: at(6)},
			{IndexID: 1, UserID: 9, CreatedAt: at(7)},
		},
	}
}

// indexState is what an index write may change, read through the read port and the writer.
type indexState struct {
	Index      index.Index
	Subjects   []index.Subject
	Collectors []uint32
}

func readIndexState(tb testing.TB, uow ports.UnitOfWork, r Repos, id uint32) indexState {
	tb.Helper()
	ctx := context.Background()
	var s indexState
	var err error
	if s.Index, err = r.Indices.Get(ctx, id); err != nil {
		tb.Fatalf("Indices.Get(%d): %v", id, err)
	}
	if s.Subjects, err = r.Indices.ListSubjects(ctx, id, 0, -1, 0); err != nil {
		tb.Fatalf("Indices.ListSubjects(%d): %v", id, err)
	}
	err = uow.Do(ctx, func(ctx context.Context, tx ports.Tx) (err error) {
		s.Collectors, err = tx.Indices().Collectors(ctx, id)
		return err
	})
	if err != nil {
		tb.Fatalf("Collectors(%d): %v", id, err)
	}
	return s
}

// IndexWriterFeatures are the honest differences between stores.
type IndexWriterFeatures struct {
	// NoRollback: the store keeps every statement a failed transaction ran (bangumi's MyISAM
	// tables); ErrorRollsBack is skipped.
	NoRollback bool
}

// TestIndexWriter checks ports.IndexWriter. newUoW loads the fixture into a fresh store; its
// Repos must have Indices.
func TestIndexWriter(t *testing.T, newUoW NewUnitOfWork, feat IndexWriterFeatures) {
	ctx := t.Context()
	do := func(t *testing.T, uow ports.UnitOfWork, fn func(ctx context.Context, w ports.IndexWriter) error) {
		t.Helper()
		if err := uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error { return fn(ctx, tx.Indices()) }); err != nil {
			t.Fatalf("Do: %v", err)
		}
	}
	entry := func(sid uint32, order uint32, comment string, added time.Time) index.Entry {
		return index.Entry{IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: sid, Order: order, Comment: comment, AddedAt: added}
	}

	t.Run("Lock/ReadsTheRow", func(t *testing.T) {
		uow, _ := newUoW(t, IndexWriteFixture())
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
			got, err := w.Lock(ctx, 2)
			must(t, "Lock(2)", err)
			assertEqual(t, "Lock(2)", IndexWriteFixture().Indices[1], got)
			if _, err := w.Lock(ctx, 999); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Lock(999) = %v, want ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("Create/NextIDAndStoredFields", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		now := idxwT0.Add(time.Hour + 300*time.Millisecond)
		var first, second uint32
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) (err error) {
			if first, err = w.Create(ctx, index.Index{Title: "new & <raw>", Desc: "d\r\n", CreatedAt: now, UpdatedAt: now, CreatorID: 7}); err != nil {
				return err
			}
			second, err = w.Create(ctx, index.Index{Title: "", CreatedAt: now, UpdatedAt: now, CreatorID: 8})
			return err
		})
		if first <= 2 || second <= first {
			t.Errorf("Create ids = %d, %d, want increasing above 2", first, second)
		}
		got := readIndexState(t, uow, r, first)
		want := index.Index{
			ID: first, Title: "new & <raw>", Desc: "d\r\n", CreatedAt: now.Truncate(time.Second), UpdatedAt: now.Truncate(time.Second),
			CreatorID: 7, Creator: index.Creator{Username: "maker", Nickname: "Maker"},
		}
		assertEqual(t, "Get(new)", indexState{Index: want, Subjects: []index.Subject{}, Collectors: []uint32{}}, got)
	})
	t.Run("Edit/OnlyNonEmptyFields", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
			return w.Edit(ctx, 1, index.Edit{Desc: "new desc"})
		})
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
			return w.Edit(ctx, 1, index.Edit{Title: "new title"})
		})
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error { return w.Edit(ctx, 999, index.Edit{Title: "x"}) })
		got := readIndexState(t, uow, r, 1).Index
		want := IndexWriteFixture().Indices[0]
		want.Title, want.Desc, want.Creator = "new title", "new desc", index.Creator{Username: "maker", Nickname: "Maker"}
		assertEqual(t, "Get(1)", want, got)
	})
	t.Run("PutSubject/AddsThenUpdatesOneEntry", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		t1 := idxwT0.Add(time.Hour)
		var added []bool
		for _, e := range []index.Entry{
			entry(2, 5, "added", t1),                // only a removed entry of 2 exists: a new one
			entry(2, 0, "again", t1.Add(time.Hour)), // listed now: updated
			entry(1, 7, "", t1),                     // listed: updated, comment cleared
			entry(3, 9, "matched", t1),              // a cat-1 entry of 3 is matched too (§7.8)
		} {
			do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
				a, err := w.PutSubject(ctx, e)
				added = append(added, a)
				return err
			})
		}
		assertEqual(t, "added", []bool{true, false, false, false}, added)
		got := readIndexState(t, uow, r, 1)
		var entries []index.Entry
		for _, s := range got.Subjects {
			entries = append(entries, s.Entry)
		}
		fx := IndexWriteFixture()
		one := fx.IndexEntries[0]
		one.Order, one.Comment = 7, ""
		if len(entries) != 2 {
			t.Fatalf("listed = %+v, want entries of subjects 1 and 2", entries)
		}
		two := entries[0] // order 0
		if two.ID <= 13 {
			t.Errorf("new entry id = %d, want above 13", two.ID)
		}
		wantTwo := index.Entry{ID: two.ID, IndexID: 1, Cat: index.CatSubject, SubjectType: 2, TargetID: 2, Order: 0, Comment: "again", AddedAt: t1}
		assertEqual(t, "listed", []index.Entry{wantTwo, one}, entries)
		if got.Index.Total != 9 || !got.Index.UpdatedAt.Equal(fx.Indices[0].UpdatedAt) {
			t.Errorf("PutSubject changed the counter or the time: %+v", got.Index)
		}
	})
	t.Run("RemoveSubject/MarksEveryListedEntry", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		var ns []int64
		for _, sid := range []uint32{3, 3, 2, 1} {
			do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
				n, err := w.RemoveSubject(ctx, 1, sid)
				ns = append(ns, n)
				return err
			})
		}
		assertEqual(t, "removed", []int64{1, 0, 0, 1}, ns)
		assertEqual(t, "listed", []index.Subject{}, readIndexState(t, uow, r, 1).Subjects)
	})
	t.Run("RecountSubjects/EveryEntryNotRemoved", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error { return w.RecountSubjects(ctx, 1, time.Time{}) })
		got := readIndexState(t, uow, r, 1).Index
		if got.Total != 2 || !got.UpdatedAt.Equal(IndexWriteFixture().Indices[0].UpdatedAt) {
			t.Errorf("after RecountSubjects(zero time): total %d, updated %v; want 2 (entries 11 and 13), unchanged", got.Total, got.UpdatedAt)
		}
		touched := idxwT0.Add(2*time.Hour + 700*time.Millisecond)
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
			if _, err := w.PutSubject(ctx, entry(2, 1, "", touched)); err != nil {
				return err
			}
			return w.RecountSubjects(ctx, 1, touched)
		})
		got = readIndexState(t, uow, r, 1).Index
		if got.Total != 3 || !got.UpdatedAt.Equal(touched.Truncate(time.Second)) {
			t.Errorf("after RecountSubjects(t): total %d, updated %v; want 3, %v", got.Total, got.UpdatedAt, touched.Truncate(time.Second))
		}
	})
	t.Run("Collects/IdempotentAndRecounted", func(t *testing.T) {
		uow, r := newUoW(t, IndexWriteFixture())
		var added []bool
		for _, uid := range []uint32{8, 10, 10} {
			do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
				a, err := w.AddCollect(ctx, index.Collect{IndexID: 1, UserID: uid, CreatedAt: idxwT0})
				added = append(added, a)
				return err
			})
		}
		assertEqual(t, "added", []bool{false, true, false}, added)
		got := readIndexState(t, uow, r, 1)
		assertEqual(t, "collectors", []uint32{8, 8, 9, 10}, got.Collectors)
		if got.Index.Collects != 5 {
			t.Errorf("AddCollect changed the counter: %d", got.Index.Collects)
		}
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error { return w.RecountCollects(ctx, 1) })
		if got := readIndexState(t, uow, r, 1).Index.Collects; got != 3 {
			t.Errorf("RecountCollects: %d, want 3 distinct users", got)
		}
		var ns []int64
		for _, uid := range []uint32{8, 8, 11} {
			do(t, uow, func(ctx context.Context, w ports.IndexWriter) error {
				n, err := w.RemoveCollects(ctx, 1, uid)
				ns = append(ns, n)
				return err
			})
		}
		assertEqual(t, "removed", []int64{2, 0, 0}, ns)
		do(t, uow, func(ctx context.Context, w ports.IndexWriter) error { return w.RecountCollects(ctx, 1) })
		got = readIndexState(t, uow, r, 1)
		assertEqual(t, "collectors", []uint32{9, 10}, got.Collectors)
		if got.Index.Collects != 2 {
			t.Errorf("RecountCollects: %d, want 2", got.Index.Collects)
		}
	})
	t.Run("ErrorRollsBack", func(t *testing.T) {
		if feat.NoRollback {
			t.Skip("the store cannot roll back (MyISAM tables)")
		}
		uow, r := newUoW(t, IndexWriteFixture())
		before := readIndexState(t, uow, r, 1)
		boom := errors.New("boom")
		err := uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			w := tx.Indices()
			if _, err := w.Lock(ctx, 1); err != nil {
				return err
			}
			if err := w.Edit(ctx, 1, index.Edit{Title: "x", Desc: "y"}); err != nil {
				return err
			}
			if _, err := w.RemoveSubject(ctx, 1, 1); err != nil {
				return err
			}
			if _, err := w.PutSubject(ctx, entry(3, 1, "changed", idxwT0)); err != nil {
				return err
			}
			if _, err := w.PutSubject(ctx, entry(2, 1, "", idxwT0)); err != nil {
				return err
			}
			if err := w.RecountSubjects(ctx, 1, idxwT0.Add(time.Hour)); err != nil {
				return err
			}
			if _, err := w.AddCollect(ctx, index.Collect{IndexID: 1, UserID: 20, CreatedAt: idxwT0}); err != nil {
				return err
			}
			if _, err := w.RemoveCollects(ctx, 1, 9); err != nil {
				return err
			}
			if err := w.RecountCollects(ctx, 1); err != nil {
				return err
			}
			if _, err := w.Create(ctx, index.Index{Title: "t", CreatorID: 7}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v, want boom", err)
		}
		assertEqual(t, "state after a failed Do", before, readIndexState(t, uow, r, 1))
		if _, err := r.Indices.Get(ctx, 3); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the index created in a failed Do exists: %v", err)
		}
	})
}
